package dev.bypass.vm.isa;

/**
 * One eBPF instruction of RFC 9669, as an immutable value. Every form of the ISA has exactly one record here;
 * {@link Decoder} and {@link Encoder} convert between these and the 8-byte slots of a program, and
 * {@code dev.bypass.vm.asm} between these and assembly text. {@code lddw} is the only form taking two slots.
 *
 * <p>Registers are numbered 0..10 (r10 is the read-only frame pointer). Jump and call offsets count slots from the
 * instruction that follows, as in the encoding.
 */
public sealed interface Instruction {

    /** Number of 8-byte slots the instruction occupies. */
    default int slots() { return 1; }

    /** {@code dst = dst op src} on 32 or 64 bits; {@code src} is a register when {@code useRegister}, else {@code imm}. */
    record Alu(boolean alu64, AluOp op, int dst, boolean useRegister, int src, int imm) implements Instruction {
        public Alu {
            Registers.check(dst);
            if (useRegister) Registers.check(src);
            if (op == AluOp.NEG && (useRegister || imm != 0)) throw new IllegalArgumentException("neg takes no source");
            if (op.isSignExtendingMove() && !useRegister) throw new IllegalArgumentException(op.mnemonic + " needs a register source");
            if (!op.validFor(alu64)) throw new IllegalArgumentException(op.mnemonic + " has no 32-bit form");
        }

        public static Alu reg(boolean alu64, AluOp op, int dst, int src) { return new Alu(alu64, op, dst, true, src, 0); }

        public static Alu imm(boolean alu64, AluOp op, int dst, int imm) { return new Alu(alu64, op, dst, false, 0, imm); }
    }

    /** Byte swap of the low {@code bits} (16, 32 or 64) of {@code dst}. */
    record Endian(ByteOrder order, int bits, int dst) implements Instruction {
        public Endian {
            Registers.check(dst);
            if (bits != 16 && bits != 32 && bits != 64) throw new IllegalArgumentException("byte swap width must be 16, 32 or 64: " + bits);
        }
    }

    /** {@code dst = *(width *)(src + offset)}, zero- or sign-extended. */
    record Load(Width width, boolean signExtend, int dst, int src, short offset) implements Instruction {
        public Load {
            Registers.check(dst);
            Registers.check(src);
            if (signExtend && width == Width.DW) throw new IllegalArgumentException("ldxsdw does not exist");
        }
    }

    /** {@code *(width *)(dst + offset) = src}. */
    record Store(Width width, int dst, short offset, int src) implements Instruction {
        public Store {
            Registers.check(dst);
            Registers.check(src);
        }
    }

    /** {@code *(width *)(dst + offset) = imm} (imm sign-extended to the width). */
    record StoreImm(Width width, int dst, short offset, int imm) implements Instruction {
        public StoreImm { Registers.check(dst); }
    }

    /**
     * Atomic read-modify-write of a 32- or 64-bit word at {@code dst + offset} with {@code src}. With {@code fetch},
     * the old value is written back to {@code src} (for cmpxchg, to r0).
     */
    record Atomic(Width width, AtomicOp op, boolean fetch, int dst, short offset, int src) implements Instruction {
        public Atomic {
            Registers.check(dst);
            Registers.check(src);
            if (width != Width.W && width != Width.DW) throw new IllegalArgumentException("atomics are 32 or 64 bit");
            if (op.alwaysFetches() && !fetch) throw new IllegalArgumentException(op.mnemonic + " always fetches");
        }
    }

    /**
     * {@code lddw}: a 64-bit immediate, or a pseudo form selected by {@code pseudo} (map by fd or index, map value
     * address, BTF variable, function address) whose meaning the loader resolves. {@code imm} and {@code nextImm}
     * are the raw 32-bit halves from the two slots.
     */
    record LoadImm64(int dst, int pseudo, int imm, int nextImm) implements Instruction {
        public LoadImm64 {
            Registers.check(dst);
            if (pseudo < Opcodes.PSEUDO_IMM64 || pseudo > Opcodes.PSEUDO_MAP_IDX_VALUE)
                throw new IllegalArgumentException("unknown lddw pseudo source " + pseudo);
        }

        public static LoadImm64 of(int dst, long value) { return new LoadImm64(dst, Opcodes.PSEUDO_IMM64, (int) value, (int) (value >>> 32)); }

        public long value() { return (imm & 0xffffffffL) | ((long) nextImm << 32); }

        @Override public int slots() { return 2; }
    }

    /** Legacy packet loads (socket filters): {@code r0 = ntoh(*(width *)(packet + [src +] imm))}. */
    record PacketLoad(Width width, boolean indirect, int src, int imm) implements Instruction {
        public PacketLoad {
            if (indirect) Registers.check(src);
            if (width == Width.DW) throw new IllegalArgumentException("legacy packet loads are at most 32 bits");
        }
    }

    /** Conditional jump by {@code offset} slots when {@code dst op src|imm} holds, compared on 64 or 32 bits. */
    record Jump(boolean jmp64, JumpOp op, int dst, boolean useRegister, int src, int imm, short offset) implements Instruction {
        public Jump {
            Registers.check(dst);
            if (useRegister) Registers.check(src);
        }
    }

    /** Unconditional jump: {@code ja} with a 16-bit offset, or {@code gotol} ({@code ja32}) with a 32-bit one. */
    record Goto(boolean wide, int offset) implements Instruction {
        public Goto {
            if (!wide && (offset < Short.MIN_VALUE || offset > Short.MAX_VALUE))
                throw new IllegalArgumentException("ja offset does not fit 16 bits: " + offset);
        }
    }

    /**
     * {@code may_goto}: jumps by {@code offset} slots once the loop budget of the function call it runs in
     * ({@code BPF_MAX_LOOPS}, a hidden counter per frame) is spent; otherwise spends one unit of it and falls through. A loop that passes a {@code may_goto}
     * on every way around ends, whatever else it does (Linux's {@code BPF_JMP|BPF_JCOND}, {@code cond_break}).
     */
    record MayGoto(short offset) implements Instruction {
        public MayGoto {
            if (offset == 0) throw new IllegalArgumentException("may_goto needs a nonzero offset");
        }
    }

    /** Call a helper by id, a bpf-to-bpf function at a relative slot offset, or a kernel function by BTF id. */
    record Call(CallKind kind, int imm) implements Instruction {}

    /** {@code callx}: call the helper whose id is in register {@code reg}. */
    record CallRegister(int reg) implements Instruction {
        public CallRegister { Registers.check(reg); }
    }

    /** Return r0 to the caller, or end the program in the outermost frame. */
    record Exit() implements Instruction {}

    enum CallKind {
        HELPER(Opcodes.CALL_HELPER), LOCAL(Opcodes.CALL_LOCAL), KFUNC(Opcodes.CALL_KFUNC);

        public final int src;

        CallKind(int src) { this.src = src; }
    }
}
