package dev.bypass.vm.exec;

import dev.bypass.vm.memory.Memory;
import dev.bypass.vm.memory.MemoryFault;
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
        st.startLoops(baseDepth);
        long budget = st.remainingBudget();
        int pc = entry;
        st.enter(this, depth);
        final InstructionObserver observer = st.observer();
        try {
            while (true) {
                if (observer != null) observer.before(pc, r, depth);
                final long insn = code[pc];
                final int op = (int) insn & 0xff;
                final int dst = (int) (insn >>> 8) & 0xf;
                final int src = (int) (insn >>> 12) & 0xf;
                final int off = (short) (insn >>> 16);
                final int imm = (int) (insn >>> 32);
                pc++;
                boolean taken = false;
                switch (op) {
                    // ---- ALU64, immediate source (sign-extended) ----
                    case 0x07 -> r[dst] = Ops.add64(r[dst], imm);
                    case 0x17 -> r[dst] = Ops.sub64(r[dst], imm);
                    case 0x27 -> r[dst] = Ops.mul64(r[dst], imm);
                    case 0x37 -> r[dst] = off == 0 ? Ops.udiv64(r[dst], imm) : Ops.sdiv64(r[dst], imm);
                    case 0x47 -> r[dst] = Ops.or64(r[dst], imm);
                    case 0x57 -> r[dst] = Ops.and64(r[dst], imm);
                    case 0x67 -> r[dst] = Ops.lsh64(r[dst], imm);
                    case 0x77 -> r[dst] = Ops.rsh64(r[dst], imm);
                    case 0x87 -> r[dst] = Ops.neg64(r[dst]);
                    case 0x97 -> r[dst] = off == 0 ? Ops.umod64(r[dst], imm) : Ops.smod64(r[dst], imm);
                    case 0xa7 -> r[dst] = Ops.xor64(r[dst], imm);
                    case 0xb7 -> r[dst] = Ops.mov64(imm);
                    case 0xc7 -> r[dst] = Ops.arsh64(r[dst], imm);
                    case 0xd7 -> r[dst] = Ops.bswap(imm, r[dst]);
                    // ---- ALU64, register source ----
                    case 0x0f -> r[dst] = Ops.add64(r[dst], r[src]);
                    case 0x1f -> r[dst] = Ops.sub64(r[dst], r[src]);
                    case 0x2f -> r[dst] = Ops.mul64(r[dst], r[src]);
                    case 0x3f -> r[dst] = off == 0 ? Ops.udiv64(r[dst], r[src]) : Ops.sdiv64(r[dst], r[src]);
                    case 0x4f -> r[dst] = Ops.or64(r[dst], r[src]);
                    case 0x5f -> r[dst] = Ops.and64(r[dst], r[src]);
                    case 0x6f -> r[dst] = Ops.lsh64(r[dst], r[src]);
                    case 0x7f -> r[dst] = Ops.rsh64(r[dst], r[src]);
                    case 0x9f -> r[dst] = off == 0 ? Ops.umod64(r[dst], r[src]) : Ops.smod64(r[dst], r[src]);
                    case 0xaf -> r[dst] = Ops.xor64(r[dst], r[src]);
                    case 0xbf -> r[dst] = off == 0 ? Ops.mov64(r[src]) : Ops.signExtend(off, r[src]);
                    case 0xcf -> r[dst] = Ops.arsh64(r[dst], r[src]);
                    // ---- ALU32, immediate source: low halves in, result zero-extended ----
                    case 0x04 -> r[dst] = Ops.alu32(Ops.add32((int) r[dst], imm));
                    case 0x14 -> r[dst] = Ops.alu32(Ops.sub32((int) r[dst], imm));
                    case 0x24 -> r[dst] = Ops.alu32(Ops.mul32((int) r[dst], imm));
                    case 0x34 -> r[dst] = Ops.alu32(off == 0 ? Ops.udiv32((int) r[dst], imm) : Ops.sdiv32((int) r[dst], imm));
                    case 0x44 -> r[dst] = Ops.alu32(Ops.or32((int) r[dst], imm));
                    case 0x54 -> r[dst] = Ops.alu32(Ops.and32((int) r[dst], imm));
                    case 0x64 -> r[dst] = Ops.alu32(Ops.lsh32((int) r[dst], imm));
                    case 0x74 -> r[dst] = Ops.alu32(Ops.rsh32((int) r[dst], imm));
                    case 0x84 -> r[dst] = Ops.alu32(Ops.neg32((int) r[dst]));
                    case 0x94 -> r[dst] = Ops.alu32(off == 0 ? Ops.umod32((int) r[dst], imm) : Ops.smod32((int) r[dst], imm));
                    case 0xa4 -> r[dst] = Ops.alu32(Ops.xor32((int) r[dst], imm));
                    case 0xb4 -> r[dst] = Ops.alu32(Ops.mov32(imm));
                    case 0xc4 -> r[dst] = Ops.alu32(Ops.arsh32((int) r[dst], imm));
                    case 0xd4 -> r[dst] = Ops.truncate(imm, r[dst]);
                    // ---- ALU32, register source ----
                    case 0x0c -> r[dst] = Ops.alu32(Ops.add32((int) r[dst], (int) r[src]));
                    case 0x1c -> r[dst] = Ops.alu32(Ops.sub32((int) r[dst], (int) r[src]));
                    case 0x2c -> r[dst] = Ops.alu32(Ops.mul32((int) r[dst], (int) r[src]));
                    case 0x3c -> r[dst] = Ops.alu32(off == 0 ? Ops.udiv32((int) r[dst], (int) r[src]) : Ops.sdiv32((int) r[dst], (int) r[src]));
                    case 0x4c -> r[dst] = Ops.alu32(Ops.or32((int) r[dst], (int) r[src]));
                    case 0x5c -> r[dst] = Ops.alu32(Ops.and32((int) r[dst], (int) r[src]));
                    case 0x6c -> r[dst] = Ops.alu32(Ops.lsh32((int) r[dst], (int) r[src]));
                    case 0x7c -> r[dst] = Ops.alu32(Ops.rsh32((int) r[dst], (int) r[src]));
                    case 0x9c -> r[dst] = Ops.alu32(off == 0 ? Ops.umod32((int) r[dst], (int) r[src]) : Ops.smod32((int) r[dst], (int) r[src]));
                    case 0xac -> r[dst] = Ops.alu32(Ops.xor32((int) r[dst], (int) r[src]));
                    case 0xbc -> r[dst] = Ops.alu32(off == 0 ? Ops.mov32((int) r[src]) : off == 8 ? Ops.movsx832((int) r[src]) : Ops.movsx1632((int) r[src]));
                    case 0xcc -> r[dst] = Ops.alu32(Ops.arsh32((int) r[dst], (int) r[src]));
                    case 0xdc -> r[dst] = Ops.bswap(imm, r[dst]);
                    // ---- loads ----
                    case 0x61 -> r[dst] = mem.load32(r[src] + off);
                    case 0x69 -> r[dst] = mem.load16(r[src] + off);
                    case 0x71 -> r[dst] = mem.load8(r[src] + off);
                    case 0x79 -> r[dst] = mem.load64(r[src] + off);
                    case 0x81 -> r[dst] = Ops.movsx3264(mem.load32(r[src] + off));
                    case 0x89 -> r[dst] = Ops.movsx1664(mem.load16(r[src] + off));
                    case 0x91 -> r[dst] = Ops.movsx864(mem.load8(r[src] + off));
                    case 0x18 -> {
                        r[dst] = (insn >>> 32) | (code[pc] & 0xffffffff00000000L);
                        pc++;
                    }
                    case 0x20, 0x28, 0x30, 0x40, 0x48, 0x50 -> {
                        long v = mem.packetLoad(op, r[src], imm);
                        if (v < 0) { // out of the packet: Linux ends a socket filter with r0 = 0
                            st.remainingBudget(budget);
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
                    case 0xe5 -> taken = st.mayGotoExhausted(depth);
                    case 0x15 -> taken = Ops.jeq64(r[dst], imm);
                    case 0x1d -> taken = Ops.jeq64(r[dst], r[src]);
                    case 0x25 -> taken = Ops.jgt64(r[dst], imm);
                    case 0x2d -> taken = Ops.jgt64(r[dst], r[src]);
                    case 0x35 -> taken = Ops.jge64(r[dst], imm);
                    case 0x3d -> taken = Ops.jge64(r[dst], r[src]);
                    case 0x45 -> taken = Ops.jset64(r[dst], imm);
                    case 0x4d -> taken = Ops.jset64(r[dst], r[src]);
                    case 0x55 -> taken = Ops.jne64(r[dst], imm);
                    case 0x5d -> taken = Ops.jne64(r[dst], r[src]);
                    case 0x65 -> taken = Ops.jsgt64(r[dst], imm);
                    case 0x6d -> taken = Ops.jsgt64(r[dst], r[src]);
                    case 0x75 -> taken = Ops.jsge64(r[dst], imm);
                    case 0x7d -> taken = Ops.jsge64(r[dst], r[src]);
                    case 0xa5 -> taken = Ops.jlt64(r[dst], imm);
                    case 0xad -> taken = Ops.jlt64(r[dst], r[src]);
                    case 0xb5 -> taken = Ops.jle64(r[dst], imm);
                    case 0xbd -> taken = Ops.jle64(r[dst], r[src]);
                    case 0xc5 -> taken = Ops.jslt64(r[dst], imm);
                    case 0xcd -> taken = Ops.jslt64(r[dst], r[src]);
                    case 0xd5 -> taken = Ops.jsle64(r[dst], imm);
                    case 0xdd -> taken = Ops.jsle64(r[dst], r[src]);
                    // ---- 32-bit jumps: low halves ----
                    case 0x16 -> taken = Ops.jeq32((int) r[dst], imm);
                    case 0x1e -> taken = Ops.jeq32((int) r[dst], (int) r[src]);
                    case 0x26 -> taken = Ops.jgt32((int) r[dst], imm);
                    case 0x2e -> taken = Ops.jgt32((int) r[dst], (int) r[src]);
                    case 0x36 -> taken = Ops.jge32((int) r[dst], imm);
                    case 0x3e -> taken = Ops.jge32((int) r[dst], (int) r[src]);
                    case 0x46 -> taken = Ops.jset32((int) r[dst], imm);
                    case 0x4e -> taken = Ops.jset32((int) r[dst], (int) r[src]);
                    case 0x56 -> taken = Ops.jne32((int) r[dst], imm);
                    case 0x5e -> taken = Ops.jne32((int) r[dst], (int) r[src]);
                    case 0x66 -> taken = Ops.jsgt32((int) r[dst], imm);
                    case 0x6e -> taken = Ops.jsgt32((int) r[dst], (int) r[src]);
                    case 0x76 -> taken = Ops.jsge32((int) r[dst], imm);
                    case 0x7e -> taken = Ops.jsge32((int) r[dst], (int) r[src]);
                    case 0xa6 -> taken = Ops.jlt32((int) r[dst], imm);
                    case 0xae -> taken = Ops.jlt32((int) r[dst], (int) r[src]);
                    case 0xb6 -> taken = Ops.jle32((int) r[dst], imm);
                    case 0xbe -> taken = Ops.jle32((int) r[dst], (int) r[src]);
                    case 0xc6 -> taken = Ops.jslt32((int) r[dst], imm);
                    case 0xce -> taken = Ops.jslt32((int) r[dst], (int) r[src]);
                    case 0xd6 -> taken = Ops.jsle32((int) r[dst], imm);
                    case 0xde -> taken = Ops.jsle32((int) r[dst], (int) r[src]);
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
                            st.startLoops(depth);
                            pc += imm;
                        } else {
                            st.remainingBudget(budget);
                            r[0] = callHelper(st, helpers[pc - 1], pc - 1, r);
                            Engine tail = st.takeTailCall();
                            // A successful tail call replaces the whole running program (all frames): its r0
                            // becomes the result of this invocation.
                            if (tail != null) return tail.invoke(st, 0, baseDepth, st.tailCallContext(), 0, 0, 0, 0);
                            budget = st.remainingBudget();
                            st.enter(this, depth);
                        }
                    }
                    case 0x8d -> {
                        if (--budget < 0) throw budgetExhausted(st, pc - 1);
                        long id = r[dst];
                        HelperSpec spec = id > 0 && id <= Integer.MAX_VALUE ? program.helpers().get((int) id) : null;
                        if (spec == null)
                            throw new ExecutionException(ExecutionException.Kind.UNKNOWN_HELPER, pc - 1, "callx to unknown helper id " + id);
                        st.remainingBudget(budget);
                        r[0] = callHelper(st, spec, pc - 1, r);
                        Engine tail = st.takeTailCall();
                        if (tail != null) return tail.invoke(st, 0, baseDepth, st.tailCallContext(), 0, 0, 0, 0);
                        budget = st.remainingBudget();
                        st.enter(this, depth);
                    }
                    case 0x95 -> {
                        if (depth == baseDepth) {
                            st.remainingBudget(budget);
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
                        st.remainingBudget(budget);
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
            st.remainingBudget(budget);
            throw new ExecutionException(ExecutionException.Kind.MEMORY_FAULT, pc - 1, f.getMessage());
        }
    }

    private static void atomic(Memory mem, long[] r, int op, int dst, int src, int off, int imm) {
        AtomicOp aop = AtomicOp.ofImm(imm);
        long old = mem.atomic(aop, op == 0xdb, r[dst] + off, r[src], r[0]);
        if (aop == AtomicOp.CMPXCHG) r[0] = old;
        else if ((imm & 1) != 0) r[src] = old;
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
