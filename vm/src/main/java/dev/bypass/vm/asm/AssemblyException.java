package dev.bypass.vm.asm;

import dev.bypass.vm.BpfException;

/** Assembly text that cannot be assembled: names the line and what is wrong. */
public final class AssemblyException extends BpfException {
    private final int line;

    public AssemblyException(int line, String problem) {
        super(line > 0 ? "line " + line + ": " + problem : problem);
        this.line = line;
    }

    /** 1-based source line, or 0 when the problem is the text as a whole. */
    public int line() { return line; }
}
