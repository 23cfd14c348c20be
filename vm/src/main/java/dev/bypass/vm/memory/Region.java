package dev.bypass.vm.memory;

import java.lang.foreign.MemorySegment;

/**
 * A bounds-checked piece of memory a program may address: its stack, its context, a packet, a map's values.
 * The segment may be on the heap or off-heap; every access goes through the JVM's bounds-checked segment API.
 *
 * <p>A <em>window</em> ({@link #window}) is a region whose bytes are a movable part of a larger segment: a
 * {@link Memory} lends one to a program for each ring buffer record it reserves, moving it to the next record
 * instead of allocating a view per record. Only its {@code Memory} holds a window, under a lease id that is never
 * reused while the window is moved, so a pointer kept past the record's submit names nothing.
 */
public final class Region {
    private final String name;
    /** The backing memory: the region is {@code backing[base, base + size)}. */
    final MemorySegment backing;
    private final boolean writable;
    /** Where the region starts in {@link #backing}: 0, except for windows. */
    long base;
    long size;
    /** True when the backing memory is aligned so that atomic instructions can use real atomic operations. */
    private final boolean atomicCapable;
    /** True when atomics may be used and the region's first byte is 8-byte aligned: aligned offsets are aligned addresses. */
    boolean aligned8;
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
        this.backing = segment;
        this.writable = writable;
        this.size = segment.byteSize();
        this.atomicCapable = segment.isNative() || segment.maxByteAlignment() >= 8;
        this.aligned8 = atomicCapable && segment.address() % 8 == 0;
    }

    public static Region of(String name, byte[] bytes, boolean writable) {
        return new Region(name, MemorySegment.ofArray(bytes), writable, bytes);
    }

    /** A writable window onto {@code segment}, empty until {@link #moveTo} places it. */
    static Region window(String name, MemorySegment segment) {
        Region r = new Region(name, segment, true, null);
        r.size = 0;
        return r;
    }

    /** Places a window on {@code backing[base, base + size)}. */
    void moveTo(long base, long size) {
        if (base < 0 || size < 0 || base + size > backing.byteSize()) throw new IllegalArgumentException("window outside its segment");
        this.base = base;
        this.size = size;
        this.aligned8 = atomicCapable && (backing.address() + base) % 8 == 0;
    }

    public String name() { return name; }

    /** The region's bytes (for a window, a view of where it is now, made per call). */
    public MemorySegment segment() { return base == 0 && size == backing.byteSize() ? backing : backing.asSlice(base, size); }

    public boolean writable() { return writable; }

    public long size() { return size; }

    public boolean atomicCapable() { return atomicCapable; }

    @Override public String toString() { return name + "[" + size + (writable ? " bytes rw]" : " bytes ro]"); }
}
