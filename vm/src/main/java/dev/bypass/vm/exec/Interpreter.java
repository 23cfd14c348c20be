package dev.bypass.vm.exec;

import dev.bypass.vm.helpers.HelperException;
import dev.bypass.vm.helpers.HelperSpec;
import dev.bypass.vm.isa.AtomicOp;
import dev.bypass.vm.isa.Registers;
import dev.bypass.vm.semantics.Ops;

/**
 * A switch-dispatch interpreter over the encoded slots of a {@link LinkedProgram}. Registers live in a local
 * array; local calls push r6..r9, r10 and the return slot onto the {@link ExecutionState}'s frame arrays instead of
 * recursing, so deep call chains cost no JVM stack. Every memory access goes through {@link Memory}.
 *
 * <p>The budget counts taken backward jumps and calls; a program that exhausts it stops with
 * {@link ExecutionException.Kind#BUDGET_EXHAUSTED}.
 */
public final class Interpreter implements Engine {
    private final LinkedProgram program;
    private final long[] code;
    private final HelperSpec[] helpers;

    public Interpreter(LinkedProgram program) {
        this.program = program;
        long[] words = program.words();
        // One sentinel slot past the end (opcode 0, which no valid instruction has) catches running off the end
        // without a bounds test per instruction.
        this.code = java.util.Arrays.copyOf(words, words.length + 1);
        this.helpers = new HelperSpec[words.length];
        for (int i = 0; i < words.length; i++) helpers[i] = program.helperAt(i);
    }

    @Override public LinkedProgram program() { return program; }

    @Override
    public long invoke(ExecutionState st, int entry, int baseDepth, long r1, long r2, long r3, long r4, long r5) {
        final long[] code = this.code;
        final Memory mem = st.memory();
        // 16 entries so that every 4-bit register index is provably in bounds and C2 drops the array checks.
        final long[] r = new long[16];
        // Callee-saved registers and return slots of local calls made within this invocation.
        final long[] saved = new long[Registers.MAX_CALL_DEPTH * 4];
        final int[] returns = new int[Registers.MAX_CALL_DEPTH];
        r[1] = r1;
        r[2] = r2;
        r[3] = r3;
        r[4] = r4;
        r[5] = r5;
        r[10] = Memory.framePointer(baseDepth);
        int depth = baseDepth;
        mem.enterFrame(baseDepth);
        long budget = st.budget;
        int pc = entry;
        st.enter(this, depth);
        try {
            while (true) {
                final long insn = code[pc];
                final int op = (int) insn & 0xff;
                final int dst = (int) (insn >>> 8) & 0xf;
                final int src = (int) (insn >>> 12) & 0xf;
                final int off = (short) (insn >>> 16);
                final int imm = (int) (insn >>> 32);
                pc++;
                boolean taken = false;
                switch (op) {
                    // ---- ALU64, immediate source ----
                    case 0x07 -> r[dst] += imm;
                    case 0x17 -> r[dst] -= imm;
                    case 0x27 -> r[dst] *= imm;
                    case 0x37 -> r[dst] = off == 0 ? Ops.udiv64(r[dst], imm) : Ops.sdiv64(r[dst], imm);
                    case 0x47 -> r[dst] |= imm;
                    case 0x57 -> r[dst] &= imm;
                    case 0x67 -> r[dst] = Ops.lsh64(r[dst], imm);
                    case 0x77 -> r[dst] = Ops.rsh64(r[dst], imm);
                    case 0x87 -> r[dst] = -r[dst];
                    case 0x97 -> r[dst] = off == 0 ? Ops.umod64(r[dst], imm) : Ops.smod64(r[dst], imm);
                    case 0xa7 -> r[dst] ^= imm;
                    case 0xb7 -> r[dst] = imm;
                    case 0xc7 -> r[dst] = Ops.arsh64(r[dst], imm);
                    case 0xd7 -> r[dst] = Ops.bswap(imm, r[dst]);
                    // ---- ALU64, register source ----
                    case 0x0f -> r[dst] += r[src];
                    case 0x1f -> r[dst] -= r[src];
                    case 0x2f -> r[dst] *= r[src];
                    case 0x3f -> r[dst] = off == 0 ? Ops.udiv64(r[dst], r[src]) : Ops.sdiv64(r[dst], r[src]);
                    case 0x4f -> r[dst] |= r[src];
                    case 0x5f -> r[dst] &= r[src];
                    case 0x6f -> r[dst] = Ops.lsh64(r[dst], r[src]);
                    case 0x7f -> r[dst] = Ops.rsh64(r[dst], r[src]);
                    case 0x9f -> r[dst] = off == 0 ? Ops.umod64(r[dst], r[src]) : Ops.smod64(r[dst], r[src]);
                    case 0xaf -> r[dst] ^= r[src];
                    case 0xbf -> r[dst] = off == 0 ? r[src] : Ops.signExtend(off, r[src]);
                    case 0xcf -> r[dst] = Ops.arsh64(r[dst], r[src]);
                    // ---- ALU32, immediate source (results zero-extended) ----
                    case 0x04 -> r[dst] = (int) r[dst] + imm & 0xffffffffL;
                    case 0x14 -> r[dst] = (int) r[dst] - imm & 0xffffffffL;
                    case 0x24 -> r[dst] = (int) r[dst] * imm & 0xffffffffL;
                    case 0x34 -> r[dst] = (off == 0 ? Ops.udiv32((int) r[dst], imm) : Ops.sdiv32((int) r[dst], imm)) & 0xffffffffL;
                    case 0x44 -> r[dst] = ((int) r[dst] | imm) & 0xffffffffL;
                    case 0x54 -> r[dst] = ((int) r[dst] & imm) & 0xffffffffL;
                    case 0x64 -> r[dst] = Ops.lsh32((int) r[dst], imm) & 0xffffffffL;
                    case 0x74 -> r[dst] = Ops.rsh32((int) r[dst], imm) & 0xffffffffL;
                    case 0x84 -> r[dst] = -(int) r[dst] & 0xffffffffL;
                    case 0x94 -> r[dst] = (off == 0 ? Ops.umod32((int) r[dst], imm) : Ops.smod32((int) r[dst], imm)) & 0xffffffffL;
                    case 0xa4 -> r[dst] = ((int) r[dst] ^ imm) & 0xffffffffL;
                    case 0xb4 -> r[dst] = imm & 0xffffffffL;
                    case 0xc4 -> r[dst] = Ops.arsh32((int) r[dst], imm) & 0xffffffffL;
                    case 0xd4 -> r[dst] = Ops.truncate(imm, r[dst]);
                    // ---- ALU32, register source ----
                    case 0x0c -> r[dst] = (int) r[dst] + (int) r[src] & 0xffffffffL;
                    case 0x1c -> r[dst] = (int) r[dst] - (int) r[src] & 0xffffffffL;
                    case 0x2c -> r[dst] = (int) r[dst] * (int) r[src] & 0xffffffffL;
                    case 0x3c -> r[dst] = (off == 0 ? Ops.udiv32((int) r[dst], (int) r[src]) : Ops.sdiv32((int) r[dst], (int) r[src])) & 0xffffffffL;
                    case 0x4c -> r[dst] = ((int) r[dst] | (int) r[src]) & 0xffffffffL;
                    case 0x5c -> r[dst] = ((int) r[dst] & (int) r[src]) & 0xffffffffL;
                    case 0x6c -> r[dst] = Ops.lsh32((int) r[dst], (int) r[src]) & 0xffffffffL;
                    case 0x7c -> r[dst] = Ops.rsh32((int) r[dst], (int) r[src]) & 0xffffffffL;
                    case 0x9c -> r[dst] = (off == 0 ? Ops.umod32((int) r[dst], (int) r[src]) : Ops.smod32((int) r[dst], (int) r[src])) & 0xffffffffL;
                    case 0xac -> r[dst] = ((int) r[dst] ^ (int) r[src]) & 0xffffffffL;
                    case 0xbc -> r[dst] = (off == 0 ? (int) r[src] : (int) Ops.signExtend(off, r[src])) & 0xffffffffL;
                    case 0xcc -> r[dst] = Ops.arsh32((int) r[dst], (int) r[src]) & 0xffffffffL;
                    case 0xdc -> r[dst] = Ops.bswap(imm, r[dst]);
                    // ---- loads ----
                    case 0x61 -> r[dst] = mem.load32(r[src] + off);
                    case 0x69 -> r[dst] = mem.load16(r[src] + off);
                    case 0x71 -> r[dst] = mem.load8(r[src] + off);
                    case 0x79 -> r[dst] = mem.load64(r[src] + off);
                    case 0x81 -> r[dst] = (int) mem.load32(r[src] + off);
                    case 0x89 -> r[dst] = (short) mem.load16(r[src] + off);
                    case 0x91 -> r[dst] = (byte) mem.load8(r[src] + off);
                    case 0x18 -> {
                        r[dst] = (insn >>> 32) | (code[pc] & 0xffffffff00000000L);
                        pc++;
                    }
                    case 0x20, 0x28, 0x30, 0x40, 0x48, 0x50 -> {
                        long v = packetLoad(mem, op, r[src], imm);
                        if (v < 0) { // out of the packet: Linux ends a socket filter with r0 = 0
                            st.budget = budget;
                            return 0;
                        }
                        r[0] = v;
                    }
                    // ---- stores ----
                    case 0x62 -> mem.store32(r[dst] + off, imm);
                    case 0x6a -> mem.store16(r[dst] + off, imm);
                    case 0x72 -> mem.store8(r[dst] + off, imm);
                    case 0x7a -> mem.store64(r[dst] + off, imm);
                    case 0x63 -> mem.store32(r[dst] + off, r[src]);
                    case 0x6b -> mem.store16(r[dst] + off, r[src]);
                    case 0x73 -> mem.store8(r[dst] + off, r[src]);
                    case 0x7b -> mem.store64(r[dst] + off, r[src]);
                    case 0xc3, 0xdb -> atomic(mem, r, op, dst, src, off, imm);
                    // ---- jumps ----
                    case 0x05 -> {
                        pc += off;
                        if (off < 0 && --budget < 0) throw budgetExhausted(st, pc - off - 1);
                    }
                    case 0x06 -> {
                        pc += imm;
                        if (imm < 0 && --budget < 0) throw budgetExhausted(st, pc - imm - 1);
                    }
                    case 0x15 -> taken = r[dst] == imm;
                    case 0x1d -> taken = r[dst] == r[src];
                    case 0x25 -> taken = Long.compareUnsigned(r[dst], imm) > 0;
                    case 0x2d -> taken = Long.compareUnsigned(r[dst], r[src]) > 0;
                    case 0x35 -> taken = Long.compareUnsigned(r[dst], imm) >= 0;
                    case 0x3d -> taken = Long.compareUnsigned(r[dst], r[src]) >= 0;
                    case 0x45 -> taken = (r[dst] & imm) != 0;
                    case 0x4d -> taken = (r[dst] & r[src]) != 0;
                    case 0x55 -> taken = r[dst] != imm;
                    case 0x5d -> taken = r[dst] != r[src];
                    case 0x65 -> taken = r[dst] > imm;
                    case 0x6d -> taken = r[dst] > r[src];
                    case 0x75 -> taken = r[dst] >= imm;
                    case 0x7d -> taken = r[dst] >= r[src];
                    case 0xa5 -> taken = Long.compareUnsigned(r[dst], imm) < 0;
                    case 0xad -> taken = Long.compareUnsigned(r[dst], r[src]) < 0;
                    case 0xb5 -> taken = Long.compareUnsigned(r[dst], imm) <= 0;
                    case 0xbd -> taken = Long.compareUnsigned(r[dst], r[src]) <= 0;
                    case 0xc5 -> taken = r[dst] < imm;
                    case 0xcd -> taken = r[dst] < r[src];
                    case 0xd5 -> taken = r[dst] <= imm;
                    case 0xdd -> taken = r[dst] <= r[src];
                    // ---- 32-bit jumps ----
                    case 0x16 -> taken = (int) r[dst] == imm;
                    case 0x1e -> taken = (int) r[dst] == (int) r[src];
                    case 0x26 -> taken = Integer.compareUnsigned((int) r[dst], imm) > 0;
                    case 0x2e -> taken = Integer.compareUnsigned((int) r[dst], (int) r[src]) > 0;
                    case 0x36 -> taken = Integer.compareUnsigned((int) r[dst], imm) >= 0;
                    case 0x3e -> taken = Integer.compareUnsigned((int) r[dst], (int) r[src]) >= 0;
                    case 0x46 -> taken = ((int) r[dst] & imm) != 0;
                    case 0x4e -> taken = ((int) r[dst] & (int) r[src]) != 0;
                    case 0x56 -> taken = (int) r[dst] != imm;
                    case 0x5e -> taken = (int) r[dst] != (int) r[src];
                    case 0x66 -> taken = (int) r[dst] > imm;
                    case 0x6e -> taken = (int) r[dst] > (int) r[src];
                    case 0x76 -> taken = (int) r[dst] >= imm;
                    case 0x7e -> taken = (int) r[dst] >= (int) r[src];
                    case 0xa6 -> taken = Integer.compareUnsigned((int) r[dst], imm) < 0;
                    case 0xae -> taken = Integer.compareUnsigned((int) r[dst], (int) r[src]) < 0;
                    case 0xb6 -> taken = Integer.compareUnsigned((int) r[dst], imm) <= 0;
                    case 0xbe -> taken = Integer.compareUnsigned((int) r[dst], (int) r[src]) <= 0;
                    case 0xc6 -> taken = (int) r[dst] < imm;
                    case 0xce -> taken = (int) r[dst] < (int) r[src];
                    case 0xd6 -> taken = (int) r[dst] <= imm;
                    case 0xde -> taken = (int) r[dst] <= (int) r[src];
                    // ---- calls and exit ----
                    case 0x85 -> {
                        if (--budget < 0) throw budgetExhausted(st, pc - 1);
                        if (src == 1) { // bpf-to-bpf call: new frame with its own stack, r6..r9 preserved
                            if (depth + 1 >= Registers.MAX_CALL_DEPTH)
                                throw new ExecutionException(ExecutionException.Kind.CALL_DEPTH, pc - 1,
                                        "call depth exceeds " + Registers.MAX_CALL_DEPTH + " frames");
                            int base = depth * 4;
                            saved[base] = r[6];
                            saved[base + 1] = r[7];
                            saved[base + 2] = r[8];
                            saved[base + 3] = r[9];
                            returns[depth] = pc;
                            depth++;
                            r[10] = Memory.framePointer(depth);
                            mem.enterFrame(depth);
                            pc += imm;
                        } else {
                            st.budget = budget;
                            r[0] = callHelper(st, helpers[pc - 1], pc - 1, r);
                            Engine tail = st.takeTailCall();
                            // A successful tail call replaces the whole running program (all frames): its r0
                            // becomes the result of this invocation.
                            if (tail != null) return tail.invoke(st, 0, baseDepth, st.tailCallContext(), 0, 0, 0, 0);
                            budget = st.budget;
                            st.enter(this, depth);
                        }
                    }
                    case 0x8d -> {
                        if (--budget < 0) throw budgetExhausted(st, pc - 1);
                        long id = r[dst];
                        HelperSpec spec = id > 0 && id <= Integer.MAX_VALUE ? program.helpers().get((int) id) : null;
                        if (spec == null)
                            throw new ExecutionException(ExecutionException.Kind.UNKNOWN_HELPER, pc - 1, "callx to unknown helper id " + id);
                        st.budget = budget;
                        r[0] = callHelper(st, spec, pc - 1, r);
                        Engine tail = st.takeTailCall();
                        if (tail != null) return tail.invoke(st, 0, baseDepth, st.tailCallContext(), 0, 0, 0, 0);
                        budget = st.budget;
                        st.enter(this, depth);
                    }
                    case 0x95 -> {
                        if (depth == baseDepth) {
                            st.budget = budget;
                            return r[0];
                        }
                        depth--;
                        int base = depth * 4;
                        r[6] = saved[base];
                        r[7] = saved[base + 1];
                        r[8] = saved[base + 2];
                        r[9] = saved[base + 3];
                        // r10 is read-only for programs: the caller's frame pointer follows from its depth.
                        r[10] = Memory.framePointer(depth);
                        pc = returns[depth];
                    }
                    default -> {
                        st.budget = budget;
                        if (pc == code.length) throw new ExecutionException(ExecutionException.Kind.FELL_OFF_END,
                                pc - 2, "execution ran past the last instruction without exit");
                        throw new ExecutionException(ExecutionException.Kind.BAD_INSTRUCTION, pc - 1,
                                String.format("unknown opcode 0x%02x", op));
                    }
                }
                // One shared tail for all conditional jumps keeps the loop small; backward jumps pay the budget.
                if (taken) {
                    pc += off;
                    if (off < 0 && --budget < 0) throw budgetExhausted(st, pc - off - 1);
                }
            }
        } catch (MemoryFault f) {
            st.budget = budget;
            throw new ExecutionException(ExecutionException.Kind.MEMORY_FAULT, pc - 1, f.getMessage());
        }
    }

    private static void atomic(Memory mem, long[] r, int op, int dst, int src, int off, int imm) {
        AtomicOp aop = AtomicOp.ofImm(imm);
        long old = mem.atomic(aop, op == 0xdb, r[dst] + off, r[src], r[0]);
        if (aop == AtomicOp.CMPXCHG) r[0] = old;
        else if ((imm & 1) != 0) r[src] = old;
    }

    /** Legacy packet load in network byte order; -1 when it falls outside the packet. */
    private static long packetLoad(Memory mem, int op, long srcValue, int imm) {
        long base = (op & 0x40) != 0 ? (int) srcValue : 0; // ld_ind adds the low 32 bits of src
        int bytes = switch (op & 0x18) { case 0x00 -> 4; case 0x08 -> 2; default -> 1; };
        long at = base + imm;
        Region pkt = mem.regionOf(Pointers.make(Memory.PACKET_REGION, 0));
        if (pkt == null || at < 0 || at + bytes > pkt.size()) return -1;
        long v = mem.load(bytes, Pointers.make(Memory.PACKET_REGION, at));
        return bytes == 4 ? Ops.bswap32(v) : bytes == 2 ? Ops.bswap16(v) : v;
    }


    private static long callHelper(ExecutionState st, HelperSpec spec, int pc, long[] r) {
        try {
            return spec.implementation().call(st, r[1], r[2], r[3], r[4], r[5]);
        } catch (HelperException e) {
            throw new ExecutionException(ExecutionException.Kind.HELPER_ERROR, pc, spec.name() + ": " + e.getMessage());
        } catch (MemoryFault f) {
            throw new ExecutionException(ExecutionException.Kind.MEMORY_FAULT, pc, spec.name() + ": " + f.getMessage());
        }
    }

    private static ExecutionException budgetExhausted(ExecutionState st, int pc) {
        return new ExecutionException(ExecutionException.Kind.BUDGET_EXHAUSTED, pc,
                "program exceeded its budget of " + st.budgetLimit() + " back-edges and calls");
    }
}
