package dev.bypass.vm.isa;

import dev.bypass.vm.semantics.Ops;

/**
 * ALU operations. {@code code} is the high nibble of the opcode; {@code offset} distinguishes the v4 variants that
 * share a code (signed division and modulo use offset 1, sign-extending moves use the source width in bits).
 * The {@code eval} methods delegate to {@link Ops}, the one place where each operation's meaning is written.
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

    /** 64-bit semantics: {@code dst = dst op src}. */
    public long eval64(long dst, long src) {
        return switch (this) {
            case ADD -> dst + src;
            case SUB -> dst - src;
            case MUL -> dst * src;
            case DIV -> Ops.udiv64(dst, src);
            case SDIV -> Ops.sdiv64(dst, src);
            case OR -> dst | src;
            case AND -> dst & src;
            case LSH -> Ops.lsh64(dst, src);
            case RSH -> Ops.rsh64(dst, src);
            case NEG -> -dst;
            case MOD -> Ops.umod64(dst, src);
            case SMOD -> Ops.smod64(dst, src);
            case XOR -> dst ^ src;
            case MOV -> src;
            case MOVSX8 -> (byte) src;
            case MOVSX16 -> (short) src;
            case MOVSX32 -> (int) src;
            case ARSH -> Ops.arsh64(dst, src);
        };
    }

    /** 32-bit semantics: operands are the low halves, the result is zero-extended to 64 bits. */
    public long eval32(long dst, long src) {
        int a = (int) dst, b = (int) src;
        int r = switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> Ops.udiv32(a, b);
            case SDIV -> Ops.sdiv32(a, b);
            case OR -> a | b;
            case AND -> a & b;
            case LSH -> Ops.lsh32(a, b);
            case RSH -> Ops.rsh32(a, b);
            case NEG -> -a;
            case MOD -> Ops.umod32(a, b);
            case SMOD -> Ops.smod32(a, b);
            case XOR -> a ^ b;
            case MOV -> b;
            case MOVSX8 -> (byte) b;
            case MOVSX16 -> (short) b;
            case MOVSX32 -> b;
            case ARSH -> Ops.arsh32(a, b);
        };
        return Integer.toUnsignedLong(r);
    }

    public long eval(boolean alu64, long dst, long src) { return alu64 ? eval64(dst, src) : eval32(dst, src); }
}
