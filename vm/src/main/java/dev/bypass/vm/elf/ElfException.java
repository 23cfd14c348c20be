package dev.bypass.vm.elf;

import dev.bypass.vm.BpfException;

/**
 * A BPF object file that cannot be loaded: malformed, truncated, or using something Bypass does not support.
 * The message names the section (or the file header) and the byte offset of the problem.
 */
public final class ElfException extends BpfException {
    private final String section;
    private final long offset;

    public ElfException(String section, long offset, String problem) { this(section, offset, problem, null); }

    /** {@code cause}: the bytecode error when the object is well formed but a program's code is not. */
    public ElfException(String section, long offset, String problem, Throwable cause) {
        super((section == null ? "ELF header" : "section " + section) + " at offset 0x" + Long.toHexString(offset) + ": " + problem, cause);
        this.section = section;
        this.offset = offset;
    }

    /** The section in which the problem was found, or null for the file header. */
    public String section() { return section; }

    public long offset() { return offset; }
}
