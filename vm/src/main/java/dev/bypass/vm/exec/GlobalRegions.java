package dev.bypass.vm.exec;

import java.util.Arrays;

/**
 * Regions that outlive one execution (map value storage, global data) get a process-wide id at or above
 * {@link Memory#FIRST_GLOBAL_REGION}, so pointers to them mean the same thing in every thread. Reads are a
 * volatile array load; registration copies the array (it happens when maps are created, not per call).
 */
public final class GlobalRegions {
    private GlobalRegions() {}

    private static volatile Region[] table = new Region[64];
    private static int next = Memory.FIRST_GLOBAL_REGION;

    public static synchronized int register(Region region) {
        if (next == Integer.MAX_VALUE) throw new IllegalStateException("region ids exhausted");
        int id = next++;
        Region[] t = table;
        if (id >= t.length) t = Arrays.copyOf(t, Math.max(id + 1, t.length * 2));
        else t = t.clone();
        t[id] = region;
        table = t;
        return id;
    }

    /** Unmaps a region; its id is never reused, so a stale pointer to it faults instead of reaching other data. */
    public static synchronized void unregister(int id) {
        Region[] t = table.clone();
        if (id < t.length) t[id] = null;
        table = t;
    }

    static Region get(int id) {
        Region[] t = table;
        return id < t.length ? t[id] : null;
    }
}
