package dev.bypass.vm.maps;

import dev.bypass.vm.exec.GlobalRegions;
import dev.bypass.vm.exec.Pointers;
import dev.bypass.vm.exec.Region;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Off-heap, 8-byte aligned storage for {@code count} fixed-size values, mapped as one global region so programs
 * address values with tagged pointers that {@code Memory} checks on every access. The arena is GC-managed: a
 * closed map's region is unmapped at once (stale pointers fault), and its memory is freed only when nothing can
 * reach it, so a host thread still holding the segment never touches freed memory.
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
    final int regionId;
    private final Region region;

    Slab(String name, long count, int valueSize, boolean programWritable) {
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
        this.regionId = GlobalRegions.register(region);
    }

    static int stride(int valueSize) { return (valueSize + 7) & ~7; }

    long pointer(long slot) { return Pointers.make(regionId, slot * stride); }

    long offsetOf(long slot) { return slot * stride; }

    MemorySegment value(long slot, int valueSize) { return segment.asSlice(slot * stride, valueSize); }

    /** The slot a pointer into this slab falls in, or -1. */
    long slotOf(long pointer) {
        if (Pointers.region(pointer) != regionId) return -1;
        return Pointers.offset(pointer) / stride;
    }

    void close() {
        GlobalRegions.unregister(regionId);
        TOTAL.addAndGet(-reserved);
    }
}
