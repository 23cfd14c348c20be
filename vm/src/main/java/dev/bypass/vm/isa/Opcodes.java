package dev.bypass.vm.isa;

/**
 * Raw encoding constants of RFC 9669. Only the decoder, encoder and the interpreter's dispatch table use these
 * directly; everything else works with {@link Instruction} records.
 */
public final class Opcodes {
    private Opcodes() {}

    // Instruction classes (low 3 bits of the opcode).
    public static final int CLS_LD = 0x00, CLS_LDX = 0x01, CLS_ST = 0x02, CLS_STX = 0x03;
    public static final int CLS_ALU = 0x04, CLS_JMP = 0x05, CLS_JMP32 = 0x06, CLS_ALU64 = 0x07;

    // Source bit for ALU and JMP classes.
    public static final int SRC_K = 0x00, SRC_X = 0x08;

    // Size field for load/store classes.
    public static final int SIZE_W = 0x00, SIZE_H = 0x08, SIZE_B = 0x10, SIZE_DW = 0x18;

    // Mode field for load/store classes.
    public static final int MODE_IMM = 0x00, MODE_ABS = 0x20, MODE_IND = 0x40, MODE_MEM = 0x60,
            MODE_MEMSX = 0x80, MODE_ATOMIC = 0xc0;

    // JMP-class operation codes (high 4 bits) that are not comparisons.
    public static final int JMP_JA = 0x00, JMP_CALL = 0x80, JMP_EXIT = 0x90, JMP_JCOND = 0xe0;

    /** The only defined kind of {@code JMP_JCOND} (its src field): {@code may_goto}. */
    public static final int JCOND_MAY_GOTO = 0;

    // Atomic operation codes carried in imm.
    public static final int ATOMIC_FETCH = 0x01, ATOMIC_XCHG = 0xe0 | ATOMIC_FETCH, ATOMIC_CMPXCHG = 0xf0 | ATOMIC_FETCH;

    // Pseudo source values of lddw (the src field of its first slot).
    public static final int PSEUDO_IMM64 = 0, PSEUDO_MAP_FD = 1, PSEUDO_MAP_VALUE = 2, PSEUDO_BTF_ID = 3,
            PSEUDO_FUNC = 4, PSEUDO_MAP_IDX = 5, PSEUDO_MAP_IDX_VALUE = 6;

    // Call kinds (the src field of a call).
    public static final int CALL_HELPER = 0, CALL_LOCAL = 1, CALL_KFUNC = 2;

    public static final int LDDW = CLS_LD | SIZE_DW | MODE_IMM; // 0x18

    public static int cls(int opcode) { return opcode & 0x07; }
}
