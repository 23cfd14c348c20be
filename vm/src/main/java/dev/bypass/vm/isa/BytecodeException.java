package dev.bypass.vm.isa;

import dev.bypass.vm.BpfException;

/** Malformed bytecode: names the instruction (slot) index and what is wrong with it. */
public final class BytecodeException extends BpfException {
    private final int index;

    public BytecodeException(int index, String problem) {
        super(index >= 0 ? "instruction " + index + ": " + problem : problem);
        this.index = index;
    }

    /** Slot index of the faulty instruction, or -1 when the problem is the program as a whole. */
    public int index() { return index; }
}
