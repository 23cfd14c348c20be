package dev.bypass.vm.maps;

import dev.bypass.vm.exec.Region;
import dev.bypass.vm.exec.SharedObjects;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Off-heap, 8-byte aligned storage for {@code count} fixed-size values: one region, which the programs handed the
 * map address through their region tables, with tagged pointers that {@code Memory} checks on every access. The
 * arena is GC-managed: a closed map's region leaves every table (stale pointers fault), and its memory is freed
 * only when nothing can reach it, so a host thread still holding the segment never touches freed memory.
 */
final class Slab {
    /** Largest slab a map may allocate; bigger declarations fail at creation instead of exhausting the host. */
    static final long MAX_BYTES = 1L << 30;
    /**
     * Bytes all live maps may hold together (system property {@code bypass.maps.maxBytes}, default 2 GiB), so that
     * loading many large maps fails with an error instead of exhausting native memory.
     */
    static final long TOTAL_LIMIT = Long.getLong("bypass.maps.maxBytes", 2L << 30);
    private static final java.util.concurrent.atomic.AtomicLong TOTAL = new java.util.concurrent.atomic.AtomicLong();
    private final long reserved;

    final MemorySegment segment;
    final int stride;
    /** The owning map's id: host pointers into the slab carry it. */
    private final int owner;
    final Region region;

    Slab(String name, int owner, long count, int valueSize, boolean programWritable) {
        this.owner = owner;
        this.stride = stride(valueSize);
        long bytes = count * stride;
        if (count < 0 || bytes > MAX_BYTES || bytes < 0)
            throw new MapException("map " + name + ": " + count + " values of " + valueSize + " bytes exceed the "
                    + (MAX_BYTES >> 20) + " MiB limit per map");
        long size = Math.max(bytes, 8);
        if (TOTAL.addAndGet(size) > TOTAL_LIMIT) {
            TOTAL.addAndGet(-size);
            throw new MapException("map " + name + ": " + size + " more bytes would exceed the " + (TOTAL_LIMIT >> 20)
                    + " MiB all maps may use (bypass.maps.maxBytes)");
        }
        this.reserved = size;
        try {
            this.segment = Arena.ofAuto().allocate(size, 8);
        } catch (OutOfMemoryError e) {
            TOTAL.addAndGet(-size);
            throw new MapException("map " + name + ": cannot allocate " + size + " bytes");
        }
        this.region = new Region("map " + name, segment.asSlice(0, bytes), programWritable);
    }

    static int stride(int valueSize) { return (valueSize + 7) & ~7; }

    /** The host pointer to a slot's value. */
    long pointer(long slot) { return SharedObjects.hostPointer(owner, slot * stride); }

    long offsetOf(long slot) { return slot * stride; }

    MemorySegment value(long slot, int valueSize) { return segment.asSlice(slot * stride, valueSize); }

    void close() { TOTAL.addAndGet(-reserved); }
}
