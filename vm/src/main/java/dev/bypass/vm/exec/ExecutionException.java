package dev.bypass.vm.exec;

import dev.bypass.vm.BpfException;

/** A program stopped with an error while running: what went wrong and at which instruction (slot). */
public final class ExecutionException extends BpfException {
    public enum Kind { MEMORY_FAULT, BUDGET_EXHAUSTED, CALL_DEPTH, UNKNOWN_HELPER, HELPER_ERROR, FELL_OFF_END, BAD_INSTRUCTION }

    private final Kind kind;
    private final int pc;

    public ExecutionException(Kind kind, int pc, String problem) {
        super("at instruction " + pc + ": " + problem);
        this.kind = kind;
        this.pc = pc;
    }

    public Kind kind() { return kind; }

    public int pc() { return pc; }
}
