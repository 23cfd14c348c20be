package dev.bypass.vm.maps;

import dev.bypass.vm.exec.Cpus;
import dev.bypass.vm.helpers.HelperContext;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * {@code BPF_MAP_TYPE_ARRAY} and {@code PERCPU_ARRAY}: {@code max_entries} zero-initialised values indexed by a
 * 32-bit key, preallocated off-heap. Updates write in place (as in Linux, not atomically against concurrent
 * readers; programs use atomic instructions or spin locks for that). Elements cannot be deleted. Global data
 * sections ({@code .data}, {@code .rodata}, {@code .bss}) are one-element arrays; {@code .rodata} is read-only to
 * programs.
 */
public final class ArrayMap extends BpfMap {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final boolean perCpu;
    private final int cpus;
    private final Slab slab;

    ArrayMap(MapSpec spec, boolean perCpu, boolean programWritable) {
        super(spec);
        if (spec.keySize() != 4) throw new MapException("array map " + spec.name() + ": key_size must be 4, not " + spec.keySize());
        if (spec.valueSize() == 0) throw new MapException("array map " + spec.name() + ": value_size must be positive");
        this.perCpu = perCpu;
        this.cpus = perCpu ? possibleCpus() : 1;
        this.slab = new Slab(spec.name(), id(), spec.maxEntries(), cpus, spec.valueSize(), programWritable);
    }

    /** A global-data map (one element holding a whole section); {@code writable} false for {@code .rodata}. */
    public static ArrayMap globalData(String name, byte[] initial, int size, boolean programWritable) {
        ArrayMap m = new ArrayMap(new MapSpec(name, MapType.ARRAY, 4, Math.max(size, 1), 1, programWritable ? 0 : MapSpec.F_RDONLY_PROG),
                false, programWritable);
        if (initial != null) MemorySegment.copy(MemorySegment.ofArray(initial), 0, m.slab.segment, 0, Math.min(initial.length, size));
        return m;
    }

    public boolean perCpu() { return perCpu; }

    @Override public dev.bypass.vm.memory.Region programRegion() { return isClosed() ? null : slab.region; }

    private long index(MemorySegment key) {
        long i = key.get(U32, 0) & 0xffffffffL;
        return i < spec.maxEntries() ? i : -1;
    }

    @Override public long lookupPointer(MemorySegment key) {
        long i = index(key);
        return i < 0 ? 0 : slab.pointer(slab.offsetOf(i, perCpu ? Cpus.current() : 0));
    }

    @Override public long lookupPointer(HelperContext c, long keyAddress) {
        long i = c.memory().load32(keyAddress);
        if (i >= spec.maxEntries()) return 0;
        return slab.pointer(slab.offsetOf(i, perCpu ? c.cpu() : 0));
    }

    @Override public long lookupPointerOnCpu(MemorySegment key, int cpu) {
        long i = index(key);
        return !perCpu || i < 0 || cpu < 0 || cpu >= cpus ? 0 : slab.pointer(slab.offsetOf(i, cpu));
    }

    /** Pointer to the first byte of element {@code index} (global data: the section start). */
    public long valuePointer(long index) { return slab.pointer(slab.offsetOf(index)); }

    @Override public int update(HelperContext c, long key, MemorySegment value, long flags) {
        int bad = checkFlags(flags, false);
        if (bad != 0) return bad;
        long i = c.memory().load32(key);
        if (i >= spec.maxEntries()) return -Errno.E2BIG;
        if ((flags & ~F_LOCK) == NOEXIST) return -Errno.EEXIST; // every element always exists
        MemorySegment.copy(value, 0, slab.segment, slab.offsetOf(i, perCpu ? c.cpu() : 0), spec.valueSize());
        return 0;
    }

    @Override public int update(MemorySegment key, MemorySegment value, long flags) {
        int bad = checkFlags(flags, false);
        if (bad != 0) return bad;
        long i = index(key);
        if (i < 0) return -Errno.E2BIG;
        if ((flags & ~F_LOCK) == NOEXIST) return -Errno.EEXIST; // every element always exists
        MemorySegment.copy(value, 0, slab.segment, slab.offsetOf(i, perCpu ? Cpus.current() : 0), spec.valueSize());
        return 0;
    }

    @Override public int delete(MemorySegment key) { return -Errno.EINVAL; }

    @Override public byte[] lookup(byte[] key) {
        checkKey(key);
        long i = index(MemorySegment.ofArray(key));
        if (i < 0) return null;
        return perCpu ? slab.allCells(i, spec.valueSize()) : copy(slab.value(i, 0, spec.valueSize()));
    }

    @Override public int update(byte[] key, byte[] value, long flags) {
        checkKey(key);
        if (frozen()) return -Errno.EPERM;
        int bad = checkFlags(flags, false);
        if (bad != 0) return bad;
        long i = index(MemorySegment.ofArray(key));
        if (i < 0) return -Errno.E2BIG;
        if ((flags & ~F_LOCK) == NOEXIST) return -Errno.EEXIST;
        if (value.length != spec.valueSize() && !(perCpu && value.length == slab.stride * cpus)) return -Errno.EINVAL;
        slab.writeAllCells(i, MemorySegment.ofArray(value), spec.valueSize());
        return 0;
    }

    /** The raw storage of element {@code index} (CPU 0 for per-CPU maps), for host code that reads in place. */
    public MemorySegment segment(long index) { return slab.value(index, 0, spec.valueSize()); }

    @Override public List<byte[]> keys() { return indexKeys(spec.maxEntries()); }

    @Override public int size() { return spec.maxEntries(); }

    @Override protected void release() { slab.close(); }
}
