package dev.bypass.verifier;

import static dev.bypass.vm.facts.RegisterType.*;

import dev.bypass.vm.facts.AccessFact;
import dev.bypass.vm.facts.RegisterFact;
import dev.bypass.vm.isa.Instruction.Call;
import dev.bypass.vm.isa.Instruction.CallKind;
import java.util.HashSet;
import java.util.Set;

/**
 * What engines may rely on, gathered while the walk goes: which instructions run, the join of every register's
 * state before each of them, what each memory access was proven to touch, and which functions' stack frames never
 * escape (no pointer into them is stored, passed on or offset by a variable). Also checks, at the end, Linux's
 * limit on the stack of a call chain.
 */
final class FactRecorder {
    private final Analyzer a;
    final boolean[] reachable;
    final RegisterFact[][] registerFacts;
    final AccessFact[] accessFacts;
    private final boolean[] accessConflict;
    final Set<Integer> escapedFrames = new HashSet<>();
    private final int[] depthOfEntry;

    FactRecorder(Analyzer a) {
        this.a = a;
        int n = a.program.slotCount();
        reachable = new boolean[n];
        registerFacts = new RegisterFact[n][];
        accessFacts = new AccessFact[n];
        accessConflict = new boolean[n];
        depthOfEntry = new int[n];
    }

    void visit(int s, State st) {
        reachable[s] = true;
        RegisterFact[] facts = registerFacts[s];
        boolean first = facts == null;
        if (first) registerFacts[s] = facts = new RegisterFact[11];
        for (int r = 0; r < 11; r++) {
            Reg v = st.reg(r);
            if (!first && same(facts[r], v)) continue;
            RegisterFact now = toFact(v);
            facts[r] = first ? now : join(facts[r], now);
        }
    }

    /** A pointer into the stack frame {@code frame} of {@code st} escapes: its function's slots stay in memory. */
    void stackEscapes(State st, int frame) { escapedFrames.add(st.frames[frame].entry); }

    /** Some path reads stack bytes it never wrote. */
    boolean unwrittenStackRead;

    void readsUnwrittenStack() { unwrittenStackRead = true; }

    void frameDepth(int entry, int depth) { depthOfEntry[entry] = Math.max(depthOfEntry[entry], depth); }

    void access(State st, Reg base, int off) {
        int s = a.slot;
        boolean constantSlot = base.type() == PTR_TO_STACK && base.fixedOffset() && base.frame() == st.frames.length - 1;
        AccessFact now = new AccessFact(base.type(), true, constantSlot, constantSlot ? (int) (base.off() + off) : 0, alignment(base, off));
        AccessFact old = accessFacts[s];
        if (old == null && !accessConflict[s]) accessFacts[s] = now;
        else if (old != null && !old.equals(now)) {
            boolean sameSlot = old.constantStackSlot() && now.constantStackSlot() && old.stackOffset() == now.stackOffset();
            accessFacts[s] = old.base() == now.base() ? new AccessFact(old.base(), true, sameSlot, sameSlot ? old.stackOffset() : 0,
                    Math.min(old.alignment(), now.alignment())) : null;
            if (accessFacts[s] == null) accessConflict[s] = true;
        }
    }

    /**
     * The power of two (up to 8) dividing every offset the access forms from its region object's start: the known
     * low zero bits of the fixed offset, the instruction's offset and the variable part together (stack frames start
     * 512-byte aligned, so frame-pointer-relative offsets count the same).
     */
    private static int alignment(Reg base, int off) {
        Tnum t = base.var().t();
        long bits = t.value() | t.mask() | (base.off() + off) | 8;
        return (int) Long.lowestOneBit(bits);
    }

    private static final RegisterFact CONFLICT = new RegisterFact(NOT_INIT, 0, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 0, -1L, Long.MIN_VALUE);

    /** A pointer's constant offset; for a scalar {@code off} only links it to its copies (its value is {@code var}). */
    private static long fixedOffset(Reg v) { return v.type() == SCALAR ? 0 : v.off(); }

    private static boolean same(RegisterFact f, Reg v) {
        Scalar s = v.var();
        return f.type() == v.type() && f.fixedOffset() == fixedOffset(v) && f.umin() == s.umin() && f.umax() == s.umax() && f.smin() == s.smin()
                && f.smax() == s.smax() && f.value() == s.t().value() && f.mask() == s.t().mask();
    }

    private static RegisterFact toFact(Reg v) {
        Scalar s = v.var();
        return new RegisterFact(v.type(), s.umin(), s.umax(), s.smin(), s.smax(), s.t().value(), s.t().mask(), fixedOffset(v));
    }

    private static RegisterFact join(RegisterFact x, RegisterFact y) {
        if (x == CONFLICT || x.equals(y)) return x;
        if (x.type() != y.type() || x.fixedOffset() != y.fixedOffset()) return CONFLICT;
        Tnum t = new Tnum(x.value(), x.mask()).union(new Tnum(y.value(), y.mask()));
        return new RegisterFact(x.type(), Scalar.umin(x.umin(), y.umin()), Scalar.umax(x.umax(), y.umax()), Math.min(x.smin(), y.smin()),
                Math.max(x.smax(), y.smax()), t.value(), t.mask(), x.fixedOffset());
    }

    RegisterFact registerFact(int s, int r) {
        RegisterFact[] f = registerFacts[s];
        if (f == null) return null;
        RegisterFact v = f[r];
        return v == CONFLICT || v.type() == NOT_INIT ? null : v;
    }

    /** Linux's rule: the stacks of a call chain together fit in 512 bytes (rounded to 32-byte units). */
    void finish() {
        for (int s = 0; s < reachable.length; s++) {
            if (!a.cfg.entry[s]) continue;
            int d = chainDepth(s, new HashSet<>());
            if (d > State.STACK)
                throw a.reject(ErrorCode.CALL_DEPTH, s, "combined stack of the call chain from the function at " + s + " is " + d + " bytes (limit 512)");
        }
    }

    private int chainDepth(int fn, Set<Integer> seen) {
        if (!seen.add(fn)) return 0;
        int own = (depthOfEntry[fn] + 31) & ~31, deepest = 0;
        for (int s = fn; s < reachable.length; s++) {
            if (s > fn && a.cfg.entry[s]) break;
            if (a.program.at(s) instanceof Call c && c.kind() == CallKind.LOCAL) deepest = Math.max(deepest, chainDepth(s + 1 + c.imm(), seen));
        }
        seen.remove(fn);
        return own + deepest;
    }
}
