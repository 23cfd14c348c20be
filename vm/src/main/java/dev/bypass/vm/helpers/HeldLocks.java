package dev.bypass.vm.helpers;

import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.MemoryFault;
import dev.bypass.vm.isa.AtomicOp;

/**
 * Spin locks a thread's program took and has not released. The verifier proves every {@code bpf_spin_lock} is
 * released before exit; when a program stops with an error while holding one (or runs unverified), whoever ends
 * the execution calls {@link #releaseAll(ExecutionState)} so other programs do not wait on it. Kept as an
 * attachment of the {@link ExecutionState}.
 */
public final class HeldLocks {
    private long[] locks = new long[2];
    private int count;
    /** The state whose {@code heldResources} this keeps current (null for a throwaway instance). */
    private ExecutionState owner;

    static HeldLocks of(HelperContext c) {
        HeldLocks h = c.attachment(HeldLocks.class);
        if (h == null && c instanceof ExecutionState st) {
            h = new HeldLocks();
            h.owner = st;
            st.attach(HeldLocks.class, h);
        }
        return h == null ? new HeldLocks() : h;
    }

    void add(long lock) {
        if (owner != null) owner.heldResources++;
        if (count == locks.length) locks = java.util.Arrays.copyOf(locks, count * 2);
        locks[count++] = lock;
    }

    void remove(long lock) {
        for (int i = count - 1; i >= 0; i--)
            if (locks[i] == lock) {
                locks[i] = locks[--count];
                if (owner != null) owner.heldResources--;
                return;
            }
    }

    /** Releases every lock the state's thread still holds; returns how many there were. */
    public static int releaseAll(ExecutionState state) {
        HeldLocks h = state.attachment(HeldLocks.class);
        if (h == null || h.count == 0) return 0;
        int n = h.count;
        for (int i = 0; i < n; i++) {
            try {
                state.memory().atomic(AtomicOp.XCHG, false, h.locks[i], 0, 0);
            } catch (MemoryFault gone) {
                // the map was closed meanwhile: nothing left to release
            }
        }
        h.count = 0;
        state.heldResources -= n;
        return n;
    }
}
