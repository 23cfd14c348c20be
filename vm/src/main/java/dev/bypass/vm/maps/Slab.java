package dev.bypass.vm.maps;

import dev.bypass.vm.memory.Region;
import dev.bypass.vm.memory.SharedObjects;
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
    /** Cells (per-CPU maps: {@link dev.bypass.vm.exec.Cpus#count()}, else 1) and the bytes of each, cell after cell. */
    final int cells;
    final long cellBytes;
    /** The owning map's id: host pointers into the slab carry it. */
    private final int owner;
    final Region region;

    /** Storage for {@code count} values of {@code valueSize} bytes. */
    Slab(String name, int owner, long count, int valueSize, boolean programWritable) {
        this(name, owner, count, 1, valueSize, programWritable);
    }

    /**
     * Storage for {@code count} values in each of {@code cells} cells. Each cell's values are contiguous and start on
     * a cache line of their own, so threads updating their own cells never share a line.
     */
    Slab(String name, int owner, long count, int cells, int valueSize, boolean programWritable) {
        this.owner = owner;
        this.stride = stride(valueSize);
        this.cells = cells;
        long perCell = count * stride;
        this.cellBytes = cells == 1 ? perCell : (perCell + LINE - 1) / LINE * LINE;
        long bytes = cellBytes * cells;
        if (count < 0 || perCell < 0 || bytes > MAX_BYTES || bytes < 0 || (cells > 1 && bytes / cells != cellBytes))
            throw new MapException("map " + name + ": " + count + " values of " + valueSize + " bytes" + (cells > 1 ? " in " + cells + " CPU cells" : "")
                    + " exceed the " + (MAX_BYTES >> 20) + " MiB limit per map");
        long size = Math.max(bytes, 8);
        if (TOTAL.addAndGet(size) > TOTAL_LIMIT) {
            TOTAL.addAndGet(-size);
            throw new MapException("map " + name + ": " + size + " more bytes would exceed the " + (TOTAL_LIMIT >> 20)
                    + " MiB all maps may use (bypass.maps.maxBytes)");
        }
        this.reserved = size;
        try {
            this.segment = Arena.ofAuto().allocate(size, cells > 1 ? LINE : 8);
        } catch (OutOfMemoryError e) {
            TOTAL.addAndGet(-size);
            throw new MapException("map " + name + ": cannot allocate " + size + " bytes");
        }
        this.region = new Region("map " + name, segment.asSlice(0, bytes), programWritable);
    }

    private static final int LINE = 128;

    static int stride(int valueSize) { return (valueSize + 7) & ~7; }

    /** The host pointer to the byte at {@code offset}. */
    long pointer(long offset) { return SharedObjects.hostPointer(owner, offset); }

    /** Where value {@code index} of cell {@code cell} starts. */
    long offsetOf(long index, int cell) { return cell * cellBytes + index * stride; }

    long offsetOf(long index) { return index * stride; }

    MemorySegment value(long index, int cell, int valueSize) { return segment.asSlice(offsetOf(index, cell), valueSize); }

    /** Every cell's value {@code index}, each padded to the stride (what host lookups of per-CPU maps return). */
    byte[] allCells(long index, int valueSize) {
        byte[] out = new byte[stride * cells];
        for (int c = 0; c < cells; c++) MemorySegment.copy(segment, java.lang.foreign.ValueLayout.JAVA_BYTE, offsetOf(index, c), out, c * stride, valueSize);
        return out;
    }

    /** Writes {@code value} to every cell's value {@code index}: the same bytes, or one stride-padded value per cell. */
    void writeAllCells(long index, MemorySegment value, int valueSize) {
        boolean each = value.byteSize() == (long) stride * cells;
        for (int c = 0; c < cells; c++) MemorySegment.copy(value, each ? (long) c * stride : 0, segment, offsetOf(index, c), valueSize);
    }

    void close() { TOTAL.addAndGet(-reserved); }
}
