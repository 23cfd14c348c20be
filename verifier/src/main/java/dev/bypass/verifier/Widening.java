package dev.bypass.verifier;

import dev.bypass.vm.facts.RegisterType;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Widening of whole states at a loop head: the state of one iteration and the next become one state covering both
 * and everything a loop keeps doing in that direction (scalar bounds jump to the next threshold). Registers and
 * stack slots that are linked the same way in both stay linked; every other scalar of the loop's frame gets an id of
 * its own, so that at the back edge {@code x = x_head + d} can be read off the id and offset (the loop's ranking
 * function, see {@link Explorer}).
 */
final class Widening {
    private final Analyzer a;
    /** Null for a plain join (the hull of both); else widening to these thresholds. */
    private final Thresholds thresholds;
    /** Joined ids by (id in the first state, id in the second, difference of offsets). */
    private final Map<String, Integer> ids = new HashMap<>();

    private Widening(Analyzer a, Thresholds thresholds) {
        this.a = a;
        this.thresholds = thresholds;
    }

    /**
     * A state covering both (null when they differ in shape: frames, references, locks); registers of the innermost
     * frame not in {@code liveTop} are dropped.
     */
    static State widen(Analyzer a, State x, State y, int liveTop, Thresholds thresholds) {
        return new Widening(a, thresholds).states(x, y, liveTop);
    }

    /** The plain join of two states of one shape (no widening); null when their shapes differ. */
    static State join(Analyzer a, State x, State y) { return new Widening(a, null).states(x, y, 0x7ff); }

    private State states(State x, State y, int liveTop) {
        if (x.frames.length != y.frames.length || x.lockHeld != y.lockHeld || !Arrays.equals(sorted(x.refs), sorted(y.refs))) return null;
        State.Frame[] frames = new State.Frame[x.frames.length];
        for (int i = 0; i < frames.length; i++) {
            State.Frame fx = x.frames[i], fy = y.frames[i];
            if (fx.callSite != fy.callSite || fx.entry != fy.entry || fx.callback != fy.callback || !sameIterators(fx, fy)) return null;
            State.Frame f = new State.Frame(fx.callSite, fx.entry, fx.callback);
            f.mayGotoPasses = fy.mayGotoPasses;
            boolean top = i == frames.length - 1;
            for (int r = 0; r < 11; r++)
                f.regs[r] = top && (liveTop & (1 << r)) == 0 ? Reg.NOT_INIT
                        : withSlack(reg(fx.regs[r], fy.regs[r], i * 16 + r), fx.regs[r], fy.regs[r], x, y, liveTop);
            for (int slot = 0; slot < State.STACK / 8; slot++) stackSlot(fx, fy, f, slot, 1_000_000 + i * 64 + slot);
            frames[i] = f;
        }
        State w = new State(frames, y.refs, y.lockHeld);
        w.loopHeads = y.loopHeads;
        w.loopDepths = y.loopDepths;
        w.loopCounts = y.loopCounts;
        w.widenedFrom = y.widenedFrom;
        w.inRounds = y.inRounds;
        for (int h : x.widenedFrom) w.markWidened(h);
        if (thresholds != null) giveIds(w.top());
        return w;
    }

    private static int[] sorted(int[] a) {
        int[] c = a.clone();
        Arrays.sort(c);
        return c;
    }

    /** The same iterators in the same slots (each may have handed out more values in one state than in the other). */
    private static boolean sameIterators(State.Frame fx, State.Frame fy) {
        for (int slot = 0; slot < State.STACK / 8; slot++) {
            State.Iter ix = fx.iters[slot], iy = fy.iters[slot];
            if ((ix == null) != (iy == null) || ix != null && (ix.ref() != iy.ref() || ix.drained() != iy.drained())) return false;
        }
        return true;
    }

    private void stackSlot(State.Frame fx, State.Frame fy, State.Frame f, int slot, int location) {
        int base = slot * 8;
        if (fy.iters[slot] != null) { // as the later state has it: a way around the loop from here hands out more
            f.iters[slot] = fy.iters[slot];
            Arrays.fill(f.kinds, base, base + 8, State.ITER);
            return;
        }
        int sx = fx.spillSize(slot), sy = fy.spillSize(slot);
        if (sx > 0 && sx == sy) {
            Reg j = reg(fx.spills[slot], fy.spills[slot], location);
            if (j.isInit()) {
                f.spills[slot] = j;
                for (int p = base; p < base + 8; p++)
                    f.kinds[p] = p < base + sx ? State.SPILL : kind(fx.kinds[p], fy.kinds[p]);
                return;
            }
        }
        for (int p = base; p < base + 8; p++) {
            byte kx = fx.kinds[p] == State.SPILL ? spilledKind(fx, slot) : fx.kinds[p];
            byte ky = fy.kinds[p] == State.SPILL ? spilledKind(fy, slot) : fy.kinds[p];
            f.kinds[p] = kind(kx, ky);
        }
    }

    /** A buffer index keeps a proof against the length that holds in both states (by comparison, or by bounds). */
    private Reg withSlack(Reg joined, Reg rx, Reg ry, State x, State y, int liveTop) {
        if (!joined.isScalar() || !a.bufferProgram()) return joined;
        long k = Math.min(a.transfer.effectiveSlack(x, liveTop, rx, false), a.transfer.effectiveSlack(y, liveTop, ry, false));
        return k > 0 ? joined.withLenSlack((int) Math.min(Integer.MAX_VALUE, k)) : joined;
    }

    /** The kind a byte of a spilled register has once the spill is forgotten: zero for a spilled 0, else a number. */
    private static byte spilledKind(State.Frame f, int slot) {
        Reg s = f.spills[slot];
        return s != null && s.isConstant() && s.value() == 0 ? State.ZERO : State.MISC;
    }

    private static byte kind(byte x, byte y) {
        if (x == State.INVALID || y == State.INVALID) return State.INVALID;
        if (x == State.ZERO && y == State.ZERO) return State.ZERO;
        return State.MISC;
    }

    /** A register covering both values; NOT_INIT when they cannot be joined (so reading it is refused). */
    Reg reg(Reg x, Reg y, int location) {
        if (!x.isInit() || !y.isInit() || x.type() != y.type()) return Reg.NOT_INIT;
        if (x.isScalar()) {
            Scalar v = thresholds == null ? x.var().join(y.var()) : x.var().widen(y.var(), thresholds);
            Reg r = Reg.scalar(v).withLenSlack(Math.min(x.lenSlack(), y.lenSlack()));
            if (x.id() == y.id() && x.off() == y.off()) return r.withId(x.id()).withOff(x.off());
            if (x.id() == 0 && y.id() == 0) return r;
            return r.withId(joinedId(x.id(), y.id(), x.off() - y.off(), location)).withOff(x.off());
        }
        if (x.map() != y.map() || x.frame() != y.frame() || x.size() != y.size() || x.refId() != y.refId()) return Reg.NOT_INIT;
        long off = Math.min(x.off(), y.off());
        Scalar vx = x.off() == off ? x.var() : ScalarAlu.alu(dev.bypass.vm.isa.AluOp.ADD, true, x.var(), Scalar.constant(x.off() - off));
        Scalar vy = y.off() == off ? y.var() : ScalarAlu.alu(dev.bypass.vm.isa.AluOp.ADD, true, y.var(), Scalar.constant(y.off() - off));
        Scalar v = thresholds == null ? vx.join(vy) : vx.widen(vy, thresholds);
        int range = (int) Math.max(0, Math.min(x.range() - (x.off() - off), y.range() - (y.off() - off)));
        int id;
        if (x.id() == y.id() && x.off() == y.off()) id = x.id();
        else if (x.id() == 0 && y.id() == 0 && v.isConstant()) id = 0;
        else id = joinedId(x.id(), y.id(), 0, location);
        return new Reg(x.type(), off, v, id, x.refId(), x.map(), x.size(), range, x.frame(), 0);
    }

    private int joinedId(int idX, int idY, long shift, int location) {
        String key = (idX == 0 ? "L" + location : idX) + "/" + (idY == 0 ? "L" + location : idY) + "/" + shift;
        return ids.computeIfAbsent(key, k -> a.freshId());
    }

    /** Every scalar of the loop's frame without an id gets one of its own: the ghost of its value at the loop head. */
    private void giveIds(State.Frame f) {
        for (int r = 0; r < 10; r++) if (f.regs[r].isScalar() && f.regs[r].id() == 0 && !f.regs[r].isConstant()) f.regs[r] = f.regs[r].withId(a.freshId());
        for (int s = 0; s < f.spills.length; s++)
            if (f.spills[s] != null && f.spills[s].isScalar() && f.spills[s].id() == 0 && !f.spills[s].isConstant())
                f.spills[s] = f.spills[s].withId(a.freshId());
        for (int r = 0; r < 10; r++) {
            Reg p = f.regs[r];
            if (p.isPointer() && p.id() == 0 && !p.var().isConstant() && p.type() != RegisterType.PTR_TO_STACK) f.regs[r] = p.withId(a.freshId());
        }
    }
}
