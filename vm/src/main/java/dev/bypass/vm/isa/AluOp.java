package dev.bypass.vm.isa;

/**
 * ALU operations. {@code code} is the high nibble of the opcode; {@code offset} distinguishes the v4 variants that
 * share a code (signed division and modulo use offset 1, sign-extending moves use the source width in bits).
 * What each operation computes is declared once, in {@code dev.bypass.vm.semantics.Semantics}.
 */
public enum AluOp {
    ADD(0x0, 0, "add"), SUB(0x1, 0, "sub"), MUL(0x2, 0, "mul"), DIV(0x3, 0, "div"), SDIV(0x3, 1, "sdiv"),
    OR(0x4, 0, "or"), AND(0x5, 0, "and"), LSH(0x6, 0, "lsh"), RSH(0x7, 0, "rsh"), NEG(0x8, 0, "neg"),
    MOD(0x9, 0, "mod"), SMOD(0x9, 1, "smod"), XOR(0xa, 0, "xor"), MOV(0xb, 0, "mov"),
    MOVSX8(0xb, 8, "movsx8"), MOVSX16(0xb, 16, "movsx16"), MOVSX32(0xb, 32, "movsx32"), ARSH(0xc, 0, "arsh");

    public final int code;
    public final int offset;
    public final String mnemonic;

    AluOp(int code, int offset, String mnemonic) {
        this.code = code;
        this.offset = offset;
        this.mnemonic = mnemonic;
    }

    public boolean isSignExtendingMove() { return this == MOVSX8 || this == MOVSX16 || this == MOVSX32; }

    /** Whether the op is allowed in the given class: 32-bit movsx exists only for 8- and 16-bit sources. */
    public boolean validFor(boolean alu64) { return alu64 || this != MOVSX32; }

    /** Finds the op for an encoded (code, offset) pair, or null when the pair is not defined. */
    public static AluOp decode(int code, int offset) {
        for (AluOp op : values()) if (op.code == code && op.offset == offset) return op;
        return null;
    }

    /** Whether the result depends on the destination's old value (moves only write it). */
    public boolean readsDst() { return this != MOV && !isSignExtendingMove(); }

    /** Whether the operation has a source operand ({@code neg} has none). */
    public boolean readsSrc() { return this != NEG; }
}
