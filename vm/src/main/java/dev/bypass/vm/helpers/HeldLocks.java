package dev.bypass.vm.helpers;

import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.Memory;
import dev.bypass.vm.exec.Pointers;
import dev.bypass.vm.exec.Region;

/**
 * Spin locks a thread's program took and has not released, as (region, offset): the region a lock pointer names
 * depends on the running program's table, the lock itself does not. The verifier proves every
 * {@code bpf_spin_lock} is released before exit; when a program stops with an error while holding one (or runs
 * unverified), whoever ends the execution calls {@link #releaseAll(ExecutionState)} so other programs do not wait
 * on it. Kept by the {@link ExecutionState}.
 */
public final class HeldLocks {
    private Region[] regions = new Region[2];
    private long[] offsets = new long[2];
    private int count;
    /** The state whose {@code heldResources} this keeps current (null for a throwaway instance). */
    private final ExecutionState owner;

    /** The locks of {@code owner}'s executions ({@link ExecutionState#locks()} makes it once). */
    public HeldLocks(ExecutionState owner) { this.owner = owner; }

    static HeldLocks of(HelperContext c) {
        return c instanceof ExecutionState st ? st.locks() : new HeldLocks(null);
    }

    void add(Region region, long lock) {
        if (owner != null) owner.heldResources++;
        if (count == offsets.length) {
            regions = java.util.Arrays.copyOf(regions, count * 2);
            offsets = java.util.Arrays.copyOf(offsets, count * 2);
        }
        regions[count] = region;
        offsets[count++] = Pointers.offset(lock);
    }

    void remove(Region region, long lock) {
        long offset = Pointers.offset(lock);
        for (int i = count - 1; i >= 0; i--)
            if (regions[i] == region && offsets[i] == offset) {
                count--;
                regions[i] = regions[count];
                offsets[i] = offsets[count];
                regions[count] = null;
                if (owner != null) owner.heldResources--;
                return;
            }
    }

    /** Releases every lock the state's thread still holds; returns how many there were. */
    public static int releaseAll(ExecutionState state) {
        HeldLocks h = state.locks();
        if (h.count == 0) return 0;
        int n = h.count;
        for (int i = 0; i < n; i++) {
            Memory.unlock(h.regions[i], h.offsets[i]);
            h.regions[i] = null;
        }
        h.count = 0;
        state.heldResources -= n;
        return n;
    }
}
