package dev.bypass.vm.elf;

import dev.bypass.vm.isa.Program;

/**
 * One program of an object: its function name, its {@code SEC("...")} name, and its instructions with the
 * subprograms it calls appended. Map references are {@code lddw} with {@code PSEUDO_MAP_IDX} (map index into
 * {@link ElfObject#maps()}) or {@code PSEUDO_MAP_IDX_VALUE} (global data offset), function pointers are
 * {@code PSEUDO_FUNC}. {@code lines} holds the source line of each slot (null where unknown); {@code functions}
 * the BTF declaration of each function by its first slot (absent where the object has no BTF for it).
 */
public record ElfProgram(String name, String section, Program program, LineInfo[] lines, java.util.Map<Integer, DeclaredFunction> functions) {
    public ElfProgram {
        functions = java.util.Map.copyOf(functions);
    }

    /** A program without function declarations. */
    public ElfProgram(String name, String section, Program program, LineInfo[] lines) { this(name, section, program, lines, java.util.Map.of()); }

    /** The declaration of the function starting at {@code slot}, or null. */
    public DeclaredFunction functionAt(int slot) { return functions.get(slot); }

    /** The source line of the instruction at {@code slot}, or null. */
    public LineInfo lineAt(int slot) {
        return slot >= 0 && slot < lines.length ? lines[slot] : null;
    }
}
