package dev.bypass.vm.exec;

import java.lang.foreign.MemorySegment;

/**
 * A bounds-checked piece of memory a program may address: its stack, its context, a packet, a map's values.
 * The segment may be on the heap or off-heap; every access goes through the JVM's bounds-checked segment API.
 */
public final class Region {
    private final String name;
    private final MemorySegment segment;
    private final boolean writable;
    private final long size;
    /** True when the backing memory is aligned so that atomic instructions can use real atomic operations. */
    private final boolean atomicCapable;
    /**
     * The byte array behind the segment when there is one: loads and stores then use array views, one concrete
     * type at every access site, instead of the segment interface whose implementations differ per region.
     */
    final byte[] bytes;

    public Region(String name, MemorySegment segment, boolean writable) { this(name, segment, writable, null); }

    private Region(String name, MemorySegment segment, boolean writable, byte[] bytes) {
        this.bytes = bytes;
        if (segment.byteSize() > 0xffffffffL) throw new IllegalArgumentException("region " + name + " exceeds 4 GiB");
        this.name = name;
        this.segment = segment;
        this.writable = writable;
        this.size = segment.byteSize();
        this.atomicCapable = segment.isNative() || segment.maxByteAlignment() >= 8;
    }

    public static Region of(String name, byte[] bytes, boolean writable) {
        return new Region(name, MemorySegment.ofArray(bytes), writable, bytes);
    }

    public String name() { return name; }

    public MemorySegment segment() { return segment; }

    public boolean writable() { return writable; }

    public long size() { return size; }

    public boolean atomicCapable() { return atomicCapable; }

    @Override public String toString() { return name + "[" + size + (writable ? " bytes rw]" : " bytes ro]"); }
}
