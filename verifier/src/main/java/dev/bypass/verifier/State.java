package dev.bypass.verifier;

import dev.bypass.vm.facts.RegisterType;
import java.util.Arrays;

/**
 * The abstract machine state on one path: a stack of call frames (registers and the contents of each frame's 512
 * stack bytes), the references held (ring-buffer records not yet submitted or discarded), whether a spin lock is
 * held, and bookkeeping for loops (how many times each loop head was reached on this path since the loop was
 * entered, and which loop heads' widened states this state derives from).
 */
final class State {
    static final int STACK = 512;
    /**
     * What a stack byte holds: never written, some number, the number zero, part of a spilled register, part of an
     * open-coded iterator (only the iterator kfuncs touch those 8 bytes).
     */
    static final byte INVALID = 0, MISC = 1, ZERO = 2, SPILL = 3, ITER = 4;

    /**
     * An iterator ({@code bpf_iter_num_new}) in an 8-byte stack slot: the reference it holds until destroyed, and how
     * many values {@code bpf_iter_num_next} has handed out on this path (only ever grows: a loop around a next that
     * returned a value ends, as the iterator's range is finite; Linux's iterator depth).
     */
    record Iter(int ref, int depth, boolean drained) {
        /** After a NULL from next: it hands out nothing more, so how many it handed out no longer matters. */
        Iter drain() { return new Iter(ref, 0, true); }

        /** Whether this is the same iterator as {@code earlier} (not one opened again in its place), having handed out more values. */
        boolean beyond(Iter earlier) { return earlier != null && ref == earlier.ref && depth > earlier.depth; }
    }

    static final class Frame {
        final Reg[] regs;
        /** One kind per byte, index 0 being fp-512. */
        final byte[] kinds;
        /** The register spilled in each 8-byte slot (its low bytes are the slot's lowest addresses), or null. */
        final Reg[] spills;
        /** The iterator in each 8-byte slot, or null. */
        final Iter[] iters;
        /** Slot of the call instruction that created this frame (-1 for the program's frame). */
        final int callSite;
        /** First slot of the function this frame runs. */
        final int entry;
        /** A callback frame returns into the helper call that invoked it. */
        final boolean callback;
        /**
         * How many times this call fell through a {@code may_goto} (spent a pass of its frame's loop budget): back at
         * a {@code may_goto} in a state it was in before with fewer passes, the call is in a loop that ends (Linux's
         * {@code may_goto_depth}).
         */
        int mayGotoPasses;

        Frame(int callSite, int entry, boolean callback) {
            regs = new Reg[11];
            Arrays.fill(regs, Reg.NOT_INIT);
            kinds = new byte[STACK];
            spills = new Reg[STACK / 8];
            iters = new Iter[STACK / 8];
            this.callSite = callSite;
            this.entry = entry;
            this.callback = callback;
        }

        Frame(Frame o) {
            regs = o.regs.clone();
            kinds = o.kinds.clone();
            spills = o.spills.clone();
            iters = o.iters.clone();
            callSite = o.callSite;
            entry = o.entry;
            callback = o.callback;
            mayGotoPasses = o.mayGotoPasses;
        }

        /** The deepest stack byte in use, as a positive depth. */
        int depth() {
            for (int p = 0; p < STACK; p++) if (kinds[p] != INVALID) return STACK - p;
            return 0;
        }

        /** Number of consecutive SPILL bytes at the start of slot {@code i} (the size of the spill there). */
        int spillSize(int i) {
            int n = 0;
            while (n < 8 && kinds[i * 8 + n] == SPILL) n++;
            return spills[i] == null ? 0 : n;
        }
    }

    Frame[] frames;
    int[] refs;
    boolean lockHeld;
    /** Active loops on this path: loop head slot, frame depth it runs in, iterations reached. */
    int[] loopHeads = new int[0], loopDepths = new int[0], loopCounts = new int[0];
    /** Loop heads whose widened state this one derives from (sorted). */
    int[] widenedFrom = new int[0];
    /** How many of the loops being widened (outermost first) this path is inside. */
    int inRounds;

    State(Frame[] frames, int[] refs, boolean lockHeld) {
        this.frames = frames;
        this.refs = refs;
        this.lockHeld = lockHeld;
    }

    State copy() {
        Frame[] f = new Frame[frames.length];
        for (int i = 0; i < f.length; i++) f[i] = new Frame(frames[i]);
        State s = new State(f, refs, lockHeld);
        s.loopHeads = loopHeads;
        s.loopDepths = loopDepths;
        s.loopCounts = loopCounts;
        s.widenedFrom = widenedFrom;
        s.inRounds = inRounds;
        return s;
    }

    /** Makes this state hold exactly what {@code o} holds (after a branch chose {@code o}'s side). */
    void become(State o) {
        frames = o.frames;
        refs = o.refs;
        lockHeld = o.lockHeld;
        loopHeads = o.loopHeads;
        loopDepths = o.loopDepths;
        loopCounts = o.loopCounts;
        widenedFrom = o.widenedFrom;
        inRounds = o.inRounds;
    }

    Frame top() { return frames[frames.length - 1]; }

    int depth() { return frames.length - 1; }

    Reg reg(int r) { return top().regs[r]; }

    void set(int r, Reg v) { top().regs[r] = v; }

    boolean holds(int ref) {
        for (int r : refs) if (r == ref) return true;
        return false;
    }

    void acquire(int ref) {
        refs = Arrays.copyOf(refs, refs.length + 1);
        refs[refs.length - 1] = ref;
    }

    void release(int ref) {
        int[] out = new int[refs.length];
        int n = 0;
        for (int r : refs) if (r != ref) out[n++] = r;
        refs = Arrays.copyOf(out, n);
    }

    /** Applies {@code f} to every register and spilled register in every frame (null checks, releases, links). */
    void mapAll(java.util.function.UnaryOperator<Reg> f) {
        for (Frame fr : frames) {
            for (int i = 0; i < fr.regs.length; i++) fr.regs[i] = f.apply(fr.regs[i]);
            for (int i = 0; i < fr.spills.length; i++) if (fr.spills[i] != null) fr.spills[i] = f.apply(fr.spills[i]);
        }
    }

    // ---------------------------------------------------------------- loops

    /** One more arrival at loop head {@code head}; returns how many times it was reached since the loop was entered. */
    int arriveAtLoopHead(int head) {
        int d = depth();
        for (int i = 0; i < loopHeads.length; i++) {
            if (loopHeads[i] == head && loopDepths[i] == d) {
                loopCounts = loopCounts.clone();
                return ++loopCounts[i];
            }
        }
        loopHeads = append(loopHeads, head);
        loopDepths = append(loopDepths, d);
        loopCounts = append(loopCounts, 1);
        return 1;
    }

    /** Forgets the loops this path has left (returned from, or stepped out of into {@code slot}). */
    void leaveLoops(int slot, Cfg cfg) {
        int d = depth();
        int keep = 0;
        for (int i = 0; i < loopHeads.length; i++)
            if (loopDepths[i] < d || loopDepths[i] == d && cfg.inLoop(loopHeads[i], slot)) keep++;
        if (keep == loopHeads.length) return;
        int[] h = new int[keep], dd = new int[keep], c = new int[keep];
        int n = 0;
        for (int i = 0; i < loopHeads.length; i++) {
            if (loopDepths[i] < d || loopDepths[i] == d && cfg.inLoop(loopHeads[i], slot)) {
                h[n] = loopHeads[i];
                dd[n] = loopDepths[i];
                c[n++] = loopCounts[i];
            }
        }
        loopHeads = h;
        loopDepths = dd;
        loopCounts = c;
    }

    void markWidened(int head) {
        if (Arrays.binarySearch(widenedFrom, head) >= 0) return;
        int[] w = append(widenedFrom, head);
        Arrays.sort(w);
        widenedFrom = w;
    }

    private static int[] append(int[] a, int v) {
        int[] r = Arrays.copyOf(a, a.length + 1);
        r[a.length] = v;
        return r;
    }

    // ---------------------------------------------------------------- comparison

    /**
     * Whether every concrete state this one stands for is also represented by {@code outer}, so that exploring from
     * here can find nothing that exploring from {@code outer} did not. Only registers in {@code liveTop} of the
     * innermost frame are compared (callers' r0-r5 are overwritten when their callee returns). Links (ids) are
     * compared through a renaming: registers linked in {@code outer} must be linked the same way here. With
     * {@code precision} (the checkpoint {@code outer} belongs to), scalars it did not mark precise match any scalar;
     * without, every value is compared.
     */
    boolean within(State outer, int liveTop, Explorer.Checkpoint precision, boolean unwrittenReadable) {
        if (frames.length != outer.frames.length || lockHeld != outer.lockHeld || refs.length != outer.refs.length) return false;
        boolean exact = precision == null || precision.allPrecise;
        IdMap ids = new IdMap();
        for (int i = 0; i < frames.length; i++) {
            Frame a = frames[i], b = outer.frames[i];
            if (a.callSite != b.callSite || a.entry != b.entry || a.callback != b.callback) return false;
            int live = i == frames.length - 1 ? liveTop : 0x7c0;
            for (int r = 0; r < 11; r++)
                if ((live & (1 << r)) != 0 && !regWithin(a.regs[r], b.regs[r], ids, i * 16 + r, exact || precision.preciseReg(i, r))) return false;
        }
        for (int i = 0; i < frames.length; i++) {
            Frame a = frames[i], b = outer.frames[i];
            for (int p = 0; p < STACK; p++) {
                byte ok = b.kinds[p], nk = a.kinds[p];
                if (ok == ITER || nk == ITER) { // the same iterator (its depth is no part of the values it stands for)
                    if (ok != nk) return false;
                    if (p % 8 == 0 && (b.iters[p / 8].drained() != a.iters[p / 8].drained() || !ids.ref(b.iters[p / 8].ref(), a.iters[p / 8].ref())))
                        return false;
                    continue;
                }
                // Never written in outer: its paths did not read the byte, or (where such reads are allowed) read
                // some number there, as from a byte that holds one
                if (ok == INVALID && !unwrittenReadable) continue;
                if (nk == INVALID) {
                    if (unwrittenReadable && (ok == INVALID || ok == MISC)) continue;
                    return false;
                }
                if (ok == MISC || ok == INVALID) {
                    if (nk == SPILL && !a.spills[p / 8].isScalar()) return false; // a pointer where outer had a number
                    continue;
                }
                if (ok == ZERO) {
                    if (nk == ZERO || nk == SPILL && zeroSpill(a, p / 8)) continue;
                    return false;
                }
                // outer spilled a register here
                int slot = p / 8;
                if (nk != SPILL || a.spillSize(slot) != b.spillSize(slot)) return false;
                if (p % 8 == 0 && !regWithin(a.spills[slot], b.spills[slot], ids, 1_000_000 + i * 64 + slot, exact || precision.preciseSlot(i, slot)))
                    return false;
            }
        }
        return ids.refsCorrespond(refs, outer.refs);
    }

    private static boolean zeroSpill(Frame f, int slot) {
        Reg s = f.spills[slot];
        return s != null && s.isConstant() && s.value() == 0;
    }

    /** Whether {@code a} (in the state being checked) is covered by {@code b} (in the outer state). */
    static boolean regWithin(Reg a, Reg b, IdMap ids, int location, boolean precise) {
        if (b.type() == RegisterType.NOT_INIT) return true;
        if (a.type() != b.type()) return false;
        if (a.isScalar()) {
            if (!precise) return true; // nothing checked depended on its value
            if (!a.var().within(b.var())) return false;
            if (a.lenSlack() < b.lenSlack()) return false;
            return b.id() == 0 || ids.link(b.id(), b.off(), a.id(), a.off(), location);
        }
        if (a.map() != b.map() || a.frame() != b.frame() || a.size() != b.size()) return false;
        if (a.off() != b.off()) {
            // the same addresses with the constant and variable parts split differently: compare off + var
            Scalar shifted = ScalarAlu.alu(dev.bypass.vm.isa.AluOp.ADD, true, a.var(), Scalar.constant(a.off() - b.off()));
            if (!shifted.within(b.var())) return false;
            // proven bytes: those behind and ahead of the pointer that outer relied on
            if (b.range() > 0 && (a.off() < b.off() || a.range() - a.off() < b.range() - b.off())) return false;
        } else {
            if (!a.var().within(b.var())) return false;
            if (a.range() < b.range()) return false;
        }
        if (b.id() != 0 && !ids.link(b.id(), b.off(), a.id(), a.off(), location)) return false;
        return ids.ref(b.refId(), a.refId());
    }

    /** Exact equality (for detecting a loop that comes back to the very same state). */
    boolean sameAs(State o) { return within(o, 0x7ff, null, false) && o.within(this, 0x7ff, null, false) && sameIteratorDepths(o); }

    /**
     * Whether each iterator handed out as many values here as in {@code o} ({@link #within} does not compare that): a
     * path may only be pruned against a state whose iterators are as far, or a way around a loop that takes no value
     * could pass for one that does.
     */
    boolean sameIteratorDepths(State o) {
        for (int i = 0; i < frames.length && i < o.frames.length; i++)
            for (int slot = 0; slot < STACK / 8; slot++) {
                Iter x = frames[i].iters[slot], y = o.frames[i].iters[slot];
                if (x != null && y != null && x.depth() != y.depth()) return false;
            }
        return true;
    }

    /**
     * The consistent renaming between the ids of an outer state and those of the state checked against it: every
     * outer id maps to one id here and one difference of offsets (a register without an id here stands alone, so
     * two outer registers linked by one id cannot map to two unlinked ones); references map one to one.
     */
    static final class IdMap {
        private final java.util.HashMap<Integer, long[]> map = new java.util.HashMap<>();
        private final java.util.HashMap<Integer, Integer> refs = new java.util.HashMap<>(), refsBack = new java.util.HashMap<>();

        boolean link(int outerId, long outerOff, int innerId, long innerOff, int location) {
            long inner = innerId != 0 ? innerId : -1L - location; // an unlinked value is its own group
            long shift = innerOff - outerOff;
            long[] m = map.get(outerId);
            if (m == null) {
                map.put(outerId, new long[] {inner, shift});
                return true;
            }
            return m[0] == inner && m[1] == shift;
        }

        boolean ref(int outer, int inner) {
            if (outer == 0 || inner == 0) return outer == inner;
            Integer m = refs.putIfAbsent(outer, inner);
            Integer back = refsBack.putIfAbsent(inner, outer);
            return (m == null || m == inner) && (back == null || back == outer);
        }

        boolean refsCorrespond(int[] inner, int[] outer) {
            java.util.Set<Integer> o = new java.util.HashSet<>();
            for (int r : outer) o.add(r);
            for (int r : inner) {
                Integer m = refsBack.get(r);
                if (m != null && !o.contains(m)) return false;
            }
            return true;
        }
    }
}
