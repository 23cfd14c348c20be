package dev.bypass.verifier;

import dev.bypass.vm.isa.AluOp;
import dev.bypass.vm.isa.AtomicOp;
import dev.bypass.vm.isa.Instruction;
import dev.bypass.vm.isa.Instruction.*;
import dev.bypass.vm.isa.Program;

/**
 * Precision tracking, as Linux does it (mark_chain_precision): a scalar's exact range matters only where a safety
 * decision used it (pointer arithmetic, a helper's size argument, a branch found dead, a callback's return value).
 * When that happens, the walk goes back along the current path, instruction by instruction, to the registers and
 * stack slots the value came from, and marks them precise in every checkpoint on the way. Pruning then compares only
 * precise scalars: a path whose imprecise scalars differ from an explored state's is still covered by it, since
 * nothing that was checked depended on them. A path pruned against a checkpoint inherits the checkpoint's precise
 * locations, so that its own ancestors are marked too.
 *
 * <p>Each path keeps a history of the instructions it executed since its last checkpoint ({@link #entry}), with the
 * frame depth and, for stack accesses at a constant offset, the slot touched, and whether a branch narrowed
 * scalars linked to its operands (then any location needed may have learned from the operands, which are needed
 * too). Where backtracking cannot follow a value, it gives up soundly: every scalar of the remaining checkpoints
 * becomes precise.
 */
final class Precision {
    static final long STACK_ACCESS = 1L << 28, LINKED = 1L << 29;
    private static final int FRAMES = Analyzer.MAX_FRAMES;

    private final Program program;

    Precision(Program program) { this.program = program; }

    /** A history entry: slot, frame depth, flags and the stack frame and slot of a constant-offset stack access. */
    static long entry(int slot, int depth) { return slot | (long) depth << 24; }

    static int slot(long e) { return (int) (e & 0xffffff); }

    static int depth(long e) { return (int) (e >>> 24) & 0xf; }

    static long withStack(long e, int frame, int stackSlot) { return e | STACK_ACCESS | (long) frame << 32 | (long) stackSlot << 40; }

    /**
     * A growable list of history entries; for branches that narrowed linked scalars, also the locations they narrowed
     * (by entry index).
     */
    static final class History {
        long[] a = new long[8];
        int n;
        java.util.Map<Integer, Need> linked = java.util.Map.of();

        History() {}

        History(History o) {
            a = java.util.Arrays.copyOf(o.a, Math.max(8, o.n));
            n = o.n;
            linked = o.linked.isEmpty() ? java.util.Map.of() : new java.util.HashMap<>(o.linked);
        }

        void link(Need locations) {
            if (linked.isEmpty()) linked = new java.util.HashMap<>();
            linked.merge(n - 1, locations, (x, y) -> { x.or(y); return x; });
            flagLast(LINKED);
        }

        void add(long e) {
            if (n == a.length) a = java.util.Arrays.copyOf(a, n * 2);
            a[n++] = e;
        }

        void flagLast(long f) { if (n > 0) a[n - 1] |= f; }

        void setLast(long e) { if (n > 0) a[n - 1] = e; }

        long last() { return a[n - 1]; }

        /** The entries so far (and their linked locations, into {@code linkedOut}); the history starts again. */
        long[] take(java.util.Map<Integer, Need>[] linkedOut) {
            long[] r = java.util.Arrays.copyOf(a, n);
            linkedOut[0] = linked;
            linked = java.util.Map.of();
            n = 0;
            return r;
        }
    }

    /** What must be precise, per frame: registers (bits 0-10) and stack slots (64 bits). */
    static final class Need {
        final long[] regs = new long[FRAMES], slots = new long[FRAMES];

        boolean empty() {
            for (int i = 0; i < FRAMES; i++) if (regs[i] != 0 || slots[i] != 0) return false;
            return true;
        }

        boolean reg(int f, int r) { return (regs[f] & (1L << r)) != 0; }

        void setReg(int f, int r) { regs[f] |= 1L << r; }

        void clearReg(int f, int r) { regs[f] &= ~(1L << r); }

        boolean slot(int f, int s) { return (slots[f] & (1L << s)) != 0; }

        void setSlot(int f, int s) { slots[f] |= 1L << s; }

        void clearSlot(int f, int s) { slots[f] &= ~(1L << s); }

        void or(Need o) {
            for (int i = 0; i < FRAMES; i++) {
                regs[i] |= o.regs[i];
                slots[i] |= o.slots[i];
            }
        }

        boolean intersects(Need o) {
            for (int i = 0; i < FRAMES; i++) if ((regs[i] & o.regs[i]) != 0 || (slots[i] & o.slots[i]) != 0) return true;
            return false;
        }
    }

    /**
     * Walks back from the current point of a path: through the history {@code hist} (its last {@code skip} entries
     * excluded: the instruction that needs the value has not changed it yet), then through each checkpoint's segment
     * up the chain, marking what is needed in every checkpoint met.
     */
    void backtrack(Need need, History hist, int skip, int depthNow, Explorer.Checkpoint cp) {
        int nextDepth = depthNow;
        for (int i = hist.n - 1 - skip; i >= 0; i--) {
            if (!step(need, hist.a[i], nextDepth, hist.linked.get(i))) { giveUp(cp); return; }
            nextDepth = depth(hist.a[i]);
            if (need.empty()) return;
        }
        for (Explorer.Checkpoint c = cp; c != null; c = c.parent) {
            if (c.allPrecise) return;
            // what c already has precise was passed further up when it was marked: only the rest goes on
            if (!c.markNew(need)) return;
            if (c.path == null) return;
            nextDepth = c.depth;
            for (int i = c.path.length - 1; i >= 0; i--) {
                if (!step(need, c.path[i], nextDepth, c.pathLinked.get(i))) { giveUp(c.parent); return; }
                nextDepth = depth(c.path[i]);
                if (need.empty()) return;
            }
        }
    }

    /** Every scalar of these checkpoints is precise from now on (the sound answer when a value cannot be followed). */
    static void giveUp(Explorer.Checkpoint from) {
        for (Explorer.Checkpoint c = from; c != null && !c.allPrecise; c = c.parent) c.allPrecise = true;
    }

    /** The effect of one instruction, backwards: what had to be precise before it; false when it cannot tell. */
    private boolean step(Need need, long e, int nextDepth, Need linked) {
        int s = slot(e), d = depth(e);
        Instruction insn = program.at(s);
        if (nextDepth == d + 1 && insn instanceof Call c && c.kind() == CallKind.LOCAL) {
            for (int r = 1; r <= 5; r++) if (need.reg(d + 1, r)) need.setReg(d, r);
            need.regs[d + 1] = 0;
            need.slots[d + 1] = 0;
            return true;
        }
        if (nextDepth == d - 1) { // returned from frame d (an exit, or a legacy packet load's hidden exit)
            boolean r0 = need.reg(d - 1, 0);
            need.clearReg(d - 1, 0);
            if (r0 && insn instanceof Exit) need.setReg(d, 0);
            if (!(insn instanceof Exit)) clearClobbered(need, d);
            return true;
        }
        switch (insn) {
            case Alu al -> {
                if (!need.reg(d, al.dst())) return true;
                if (al.op() == AluOp.MOV || al.op().isSignExtendingMove()) need.clearReg(d, al.dst());
                if (al.useRegister()) need.setReg(d, al.src());
            }
            case Endian en -> {}
            case LoadImm64 l -> need.clearReg(d, l.dst());
            case Load l -> {
                if (!need.reg(d, l.dst())) return true;
                need.clearReg(d, l.dst());
                if ((e & STACK_ACCESS) != 0) need.setSlot(stackFrame(e), stackSlot(e));
            }
            case Store x -> {
                if ((e & STACK_ACCESS) != 0 && need.slot(stackFrame(e), stackSlot(e))) {
                    need.clearSlot(stackFrame(e), stackSlot(e));
                    need.setReg(d, x.src());
                }
            }
            case StoreImm x -> {
                if ((e & STACK_ACCESS) != 0) need.clearSlot(stackFrame(e), stackSlot(e));
            }
            case Atomic at -> {
                boolean stack = (e & STACK_ACCESS) != 0;
                int sf = stackFrame(e), ss = stackSlot(e);
                boolean old = at.op() == AtomicOp.CMPXCHG ? need.reg(d, 0) : (at.fetch() || at.op() == AtomicOp.XCHG) && need.reg(d, at.src());
                if (at.op() == AtomicOp.CMPXCHG) need.clearReg(d, 0);
                else if (at.fetch() || at.op() == AtomicOp.XCHG) need.clearReg(d, at.src());
                if (stack && need.slot(sf, ss)) {
                    need.setReg(d, at.src());
                    if (at.op() == AtomicOp.CMPXCHG) need.setReg(d, 0);
                }
                if (stack && old) need.setSlot(sf, ss);
            }
            case PacketLoad p -> clearClobbered(need, d);
            case Jump j -> {
                // a branch that narrowed scalars linked to its operands passed the operands' ranges on to them: any
                // location needed now may have been one of those, so the operands are needed too
                if ((e & LINKED) != 0 && (linked == null || need.intersects(linked))) {
                    need.setReg(d, j.dst());
                    if (j.useRegister()) need.setReg(d, j.src());
                }
                if (j.useRegister() && (need.reg(d, j.dst()) || need.reg(d, j.src()))) {
                    need.setReg(d, j.dst());
                    need.setReg(d, j.src());
                }
            }
            case Goto g -> {}
            case MayGoto m -> {}
            case Call c -> clearClobbered(need, d); // a helper's result depends on no register's exact value
            case CallRegister c -> clearClobbered(need, d);
            case Exit x -> {}
        }
        return true;
    }

    private static void clearClobbered(Need need, int d) { for (int r = 0; r <= 5; r++) need.clearReg(d, r); }

    private static int stackFrame(long e) { return (int) (e >>> 32) & 0xff; }

    private static int stackSlot(long e) { return (int) (e >>> 40) & 0xff; }
}
