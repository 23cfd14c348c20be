package dev.bypass.verifier;

import dev.bypass.vm.facts.RegisterType;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The abstract machine state on one path: a stack of call frames (registers and per-byte stack contents), the
 * references held (ring-buffer records not yet submitted or discarded) and whether a spin lock is held.
 */
final class State {
    static final int STACK = 512;
    static final byte INVALID = 0, MISC = 1, SPILL = 2;

    static final class Frame {
        final Reg[] regs;
        final byte[] stack;
        final Reg[] spills;
        /** Slot of the call instruction that created this frame (-1 for the program's frame). */
        final int callSite;
        final int entry;
        /** A callback frame returns into the helper call that invoked it. */
        final boolean callback;

        Frame(int callSite, int entry, boolean callback) {
            regs = new Reg[11];
            Arrays.fill(regs, Reg.NOT_INIT);
            stack = new byte[STACK];
            spills = new Reg[STACK / 8];
            this.callSite = callSite;
            this.entry = entry;
            this.callback = callback;
        }

        Frame(Frame o) {
            regs = o.regs.clone();
            stack = o.stack.clone();
            spills = o.spills.clone();
            callSite = o.callSite;
            entry = o.entry;
            callback = o.callback;
        }

        /** The deepest stack byte in use, as a positive depth. */
        int depth() {
            for (int p = 0; p < STACK; p++) if (stack[p] != INVALID) return STACK - p;
            return 0;
        }
    }

    Frame[] frames;
    int[] refs;
    boolean lockHeld;

    State(Frame[] frames, int[] refs, boolean lockHeld) {
        this.frames = frames;
        this.refs = refs;
        this.lockHeld = lockHeld;
    }

    State copy() {
        Frame[] f = new Frame[frames.length];
        for (int i = 0; i < f.length; i++) f[i] = new Frame(frames[i]);
        return new State(f, refs, lockHeld);
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

    /** Applies {@code f} to every register and spilled register in every frame (null checks, releases). */
    void mapAll(java.util.function.UnaryOperator<Reg> f) {
        for (Frame fr : frames) {
            for (int i = 0; i < fr.regs.length; i++) fr.regs[i] = f.apply(fr.regs[i]);
            for (int i = 0; i < fr.spills.length; i++) if (fr.spills[i] != null) fr.spills[i] = f.apply(fr.spills[i]);
        }
    }

    /**
     * Whether every concrete state this one stands for is also represented by {@code outer}, so that exploring
     * from here can find nothing that exploring from {@code outer} did not. Identifiers are compared through a
     * consistent renaming, since each path numbers its pointers independently.
     */
    boolean within(State outer) { return within(outer, 0x7ff); }

    /** As {@link #within(State)}, comparing only the registers in {@code liveTop} of the innermost frame. */
    boolean within(State outer, int liveTop) {
        if (frames.length != outer.frames.length || lockHeld != outer.lockHeld || refs.length != outer.refs.length) return false;
        Map<Integer, Integer> ids = new HashMap<>();
        for (int i = 0; i < frames.length; i++) {
            Frame a = frames[i], b = outer.frames[i];
            if (a.callSite != b.callSite || a.entry != b.entry || a.callback != b.callback) return false;
            // Callers' r0-r5 are overwritten when the callee returns: only r6-r10 of outer frames matter.
            int live = i == frames.length - 1 ? liveTop : 0x7c0;
            for (int r = 0; r < 11; r++) if ((live & (1 << r)) != 0 && !regWithin(a.regs[r], b.regs[r], ids)) return false;
            for (int p = 0; p < STACK; p++) {
                byte ok = b.stack[p], nk = a.stack[p];
                if (ok == INVALID) continue;
                if (nk == INVALID) return false;
                int slot = p / 8;
                if (ok == MISC) {
                    if (nk == SPILL && !a.spills[slot].isScalar()) return false;
                } else { // outer spilled a register here
                    if (nk != SPILL) return false;
                    if (p % 8 == 0 && !regWithin(a.spills[slot], b.spills[slot], ids)) return false;
                }
            }
        }
        for (int i = 0; i < refs.length; i++) {
            Integer m = ids.get(refs[i]);
            boolean found = false;
            for (int o : outer.refs) if (m == null ? true : m == o) { found = true; break; }
            if (!found) return false;
        }
        return true;
    }

    private static boolean regWithin(Reg a, Reg b, Map<Integer, Integer> ids) {
        if (b.type() == RegisterType.NOT_INIT) return true;
        if (a.type() != b.type() || !a.boundsWithin(b)) return false;
        if (a.isScalar()) return true;
        if (a.off() != b.off() || a.map() != b.map() || a.frame() != b.frame()) return false;
        if (!sameId(a.id(), b.id(), ids) || !sameId(a.refId(), b.refId(), ids)) return false;
        return a.type() == RegisterType.PTR_TO_PACKET ? a.size() >= b.size() : a.size() == b.size();
    }

    /**
     * Ids must correspond one to one: two registers tied by one id in the outer state (one NULL check refines
     * both) must be tied here too, and registers with different ids here must have different ids there.
     * Negative keys hold the reverse direction.
     */
    private static boolean sameId(int a, int b, Map<Integer, Integer> ids) {
        if (a == 0 || b == 0) return a == b;
        Integer m = ids.putIfAbsent(a, b);
        if (m != null && m != b) return false;
        Integer back = ids.putIfAbsent(-b, a);
        return back == null || back == a;
    }

    /** Exact equality (for detecting a loop that comes back to the very same state). */
    boolean sameAs(State o) { return within(o) && o.within(this); }
}
