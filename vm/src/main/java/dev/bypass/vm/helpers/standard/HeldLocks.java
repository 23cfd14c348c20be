package dev.bypass.vm.helpers.standard;

import dev.bypass.vm.helpers.HelperContext;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.HeldResources;
import dev.bypass.vm.memory.Memory;
import dev.bypass.vm.memory.Pointers;
import dev.bypass.vm.memory.Region;

/**
 * Spin locks a thread's program took and has not released, as (region, offset): the region a lock pointer names
 * depends on the running program's table, the lock itself does not. The verifier proves every
 * {@code bpf_spin_lock} is released before exit; when a program stops with an error while holding one (or runs
 * unverified), whoever ends the execution calls {@link ExecutionState#releaseHeld()} so other programs do not wait
 * on it. Kept by the {@link ExecutionState}.
 */
final class HeldLocks implements HeldResources {
    private Region[] regions = new Region[2];
    private long[] offsets = new long[2];
    private int count;
    private HeldLocks() {}

    static HeldLocks of(HelperContext c) {
        return c instanceof ExecutionState st ? st.held(HeldLocks.class, s -> new HeldLocks()) : new HeldLocks();
    }

    void add(Region region, long lock) {
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
                return;
            }
    }

    /** Releases every lock still held; returns how many there were. */
    @Override public int releaseAll() {
        int n = count;
        for (int i = 0; i < n; i++) {
            Memory.unlock(regions[i], offsets[i]);
            regions[i] = null;
        }
        count = 0;
        return n;
    }
}
