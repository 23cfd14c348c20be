package dev.bypass.vm.isa;

/** Atomic read-modify-write operations; {@code code} is the imm field without the fetch bit. */
public enum AtomicOp {
    ADD(0x00, "add"), OR(0x40, "or"), AND(0x50, "and"), XOR(0xa0, "xor"), XCHG(0xe0, "xchg"), CMPXCHG(0xf0, "cmpxchg");

    public final int code;
    public final String mnemonic;

    AtomicOp(int code, String mnemonic) {
        this.code = code;
        this.mnemonic = mnemonic;
    }

    /** xchg and cmpxchg always return the old value; their fetch bit is mandatory. */
    public boolean alwaysFetches() { return this == XCHG || this == CMPXCHG; }

    public static AtomicOp ofMnemonic(String m) {
        for (AtomicOp op : values()) if (op.mnemonic.equals(m)) return op;
        return null;
    }

    /** Decodes an atomic imm, or null when it is not a defined operation. */
    public static AtomicOp decode(int imm) {
        int fetch = imm & Opcodes.ATOMIC_FETCH;
        for (AtomicOp op : values()) {
            if ((imm & ~Opcodes.ATOMIC_FETCH) == op.code && (!op.alwaysFetches() || fetch != 0)) return op;
        }
        return null;
    }

    /** The value stored for the read-modify-write ops (not cmpxchg, whose store is conditional). */
    public long apply(long old, long operand) {
        return switch (this) {
            case ADD -> old + operand;
            case OR -> old | operand;
            case AND -> old & operand;
            case XOR -> old ^ operand;
            case XCHG -> operand;
            case CMPXCHG -> throw new IllegalStateException("cmpxchg has no unconditional result");
        };
    }

    /** The operation of an atomic instruction's immediate (the low bit, FETCH, is ignored). */
    public static AtomicOp ofImm(int imm) {
        return switch (imm & ~1) {
            case 0x00 -> ADD;
            case 0x40 -> OR;
            case 0x50 -> AND;
            case 0xa0 -> XOR;
            case 0xe0 -> XCHG;
            default -> CMPXCHG;
        };
    }
}
