package dev.bypass.vm.isa;

/** Register conventions of the eBPF calling convention. */
public final class Registers {
    private Registers() {}

    public static final int R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6, R7 = 7, R8 = 8, R9 = 9, R10 = 10;
    public static final int COUNT = 11;
    /** Frame pointer: read-only, points one past the top of the current frame's 512-byte stack. */
    public static final int FP = R10;
    public static final int STACK_SIZE = 512;
    public static final int MAX_CALL_DEPTH = 8;

    public static void check(int reg) {
        if (reg < 0 || reg > 10) throw new IllegalArgumentException("register r" + reg + " does not exist (r0..r10)");
    }
}
