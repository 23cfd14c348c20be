package dev.bypass.vm.isa;

/** Conditional jump comparisons; {@code code} is the high nibble of the opcode. */
public enum JumpOp {
    JEQ(0x1, "jeq"), JGT(0x2, "jgt"), JGE(0x3, "jge"), JSET(0x4, "jset"), JNE(0x5, "jne"), JSGT(0x6, "jsgt"),
    JSGE(0x7, "jsge"), JLT(0xa, "jlt"), JLE(0xb, "jle"), JSLT(0xc, "jslt"), JSLE(0xd, "jsle");

    public final int code;
    public final String mnemonic;

    JumpOp(int code, String mnemonic) {
        this.code = code;
        this.mnemonic = mnemonic;
    }

    public static JumpOp decode(int code) {
        for (JumpOp op : values()) if (op.code == code) return op;
        return null;
    }

    public static JumpOp ofMnemonic(String m) {
        for (JumpOp op : values()) if (op.mnemonic.equals(m)) return op;
        return null;
    }

    /** The comparison that holds exactly when this one does not. */
    public JumpOp negate() {
        return switch (this) {
            case JEQ -> JNE;
            case JNE -> JEQ;
            case JGT -> JLE;
            case JLE -> JGT;
            case JGE -> JLT;
            case JLT -> JGE;
            case JSGT -> JSLE;
            case JSLE -> JSGT;
            case JSGE -> JSLT;
            case JSLT -> JSGE;
            case JSET -> null; // no single opcode expresses "no common bit"
        };
    }

    /** The comparison with operands swapped ({@code a op b == b swapped() a}). */
    public JumpOp swapped() {
        return switch (this) {
            case JEQ, JNE, JSET -> this;
            case JGT -> JLT;
            case JLT -> JGT;
            case JGE -> JLE;
            case JLE -> JGE;
            case JSGT -> JSLT;
            case JSLT -> JSGT;
            case JSGE -> JSLE;
            case JSLE -> JSGE;
        };
    }
}
