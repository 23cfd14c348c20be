package dev.bypass.vm.maps;

import dev.bypass.vm.memory.Pointers;
import dev.bypass.vm.memory.Region;
import dev.bypass.vm.memory.SharedObject;
import dev.bypass.vm.memory.SharedObjects;
import dev.bypass.vm.helpers.HelperContext;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A map shared by programs and host code, with the semantics of Linux's map of the same type. Programs reach it
 * through the map helpers with a <em>handle</em> (what {@code lddw} with a map source loads): a tagged value in
 * the reserved region {@link Pointers#MAP_HANDLE_REGION}, which is never mapped, so dereferencing a handle faults.
 * Host code uses the byte-array methods. Every operation returns 0 or a negated Linux errno.
 *
 * <p>Thread-safe: any number of program threads and host threads may use a map at once. Lookups never take a lock.
 */
public abstract class BpfMap implements AutoCloseable, SharedObject {
    /** Update flags of {@code bpf_map_update_elem}. */
    public static final long ANY = 0, NOEXIST = 1, EXIST = 2, F_LOCK = 4;

    protected final MapSpec spec;
    private final int id;
    private volatile boolean closed;
    /** Frozen maps refuse host writes ({@code BPF_MAP_FREEZE}); the loader freezes {@code .rodata}. */
    private volatile boolean frozen;

    protected BpfMap(MapSpec spec) {
        this.spec = spec;
        this.id = SharedObjects.register(this);
    }

    /** Creates a map of the declared type; fails with {@link MapException} on an invalid or oversized spec. */
    public static BpfMap create(MapSpec spec) {
        return switch (spec.type()) {
            case ARRAY -> new ArrayMap(spec, false, true);
            case PERCPU_ARRAY -> new ArrayMap(spec, true, true);
            case HASH -> new HashTableMap(spec, false, false);
            case PERCPU_HASH -> new HashTableMap(spec, true, false);
            case LRU_HASH -> new HashTableMap(spec, false, true);
            case LRU_PERCPU_HASH -> new HashTableMap(spec, true, true);
            case QUEUE -> new QueueMap(spec, true);
            case STACK -> new QueueMap(spec, false);
            case RINGBUF -> new RingBuffer(spec);
            case PROG_ARRAY -> new ProgramArray(spec);
            case PERF_EVENT_ARRAY -> new PerfEventArray(spec);
            default -> throw new dev.bypass.vm.LoadException("map " + spec.name() + ": Linux map type "
                    + spec.type().name().toLowerCase(java.util.Locale.ROOT) + " is not implemented by this runtime");
        };
    }

    /** Number of per-CPU values per key: the CPU cells of {@link dev.bypass.vm.exec.Cpus}. */
    public static int possibleCpus() { return dev.bypass.vm.exec.Cpus.count(); }

    /** The map a host handle ({@link #handle()}) names, or null when the value is not the handle of a live map. */
    public static BpfMap ofHandle(long handle) {
        if (Pointers.region(handle) != Pointers.MAP_HANDLE_REGION) return null;
        return ofId((int) handle);
    }

    public static BpfMap ofId(int id) { return SharedObjects.get(id) instanceof BpfMap m ? m : null; }

    public final MapSpec spec() { return spec; }

    public final String name() { return spec.name(); }

    public final MapType type() { return spec.type(); }

    @Override public final int id() { return id; }

    /**
     * The host handle of this map: what a {@link dev.bypass.vm.exec.PseudoResolver} returns for a reference to it.
     * Linking turns it into the handle programs hold, an index into their own {@link dev.bypass.vm.memory.RegionTable}.
     */
    public final long handle() { return Pointers.make(Pointers.MAP_HANDLE_REGION, id); }

    /** Maps without values programs address directly (ring buffers, queues, program arrays) have none. */
    @Override public Region programRegion() { return null; }

    public final boolean isClosed() { return closed; }

    // ---- program side: keys and values are checked views of program memory ----

    /**
     * A host pointer ({@link SharedObjects#hostPointer}) to the value stored under {@code key}, or 0. Helpers hand
     * programs the same offset in the program's own region for this map.
     */
    public long lookupPointer(MemorySegment key) { return 0; }

    /**
     * The lookup a program's helper call makes, with the key still in program memory at {@code keyAddress} (read
     * through {@code c}'s memory, checked): maps read it in place, without a view or a key object. Per-CPU maps
     * return the value of the execution's CPU cell ({@link HelperContext#cpu()}).
     */
    public long lookupPointer(HelperContext c, long keyAddress) {
        return lookupPointer(c.memory().slice(keyAddress, spec.keySize(), false));
    }

    /** A program's update: the key in program memory at {@code keyAddress}; per-CPU maps write the execution's cell. */
    public int update(HelperContext c, long keyAddress, MemorySegment value, long flags) {
        return update(c.memory().slice(keyAddress, spec.keySize(), false), value, flags);
    }

    /** A program's delete: the key in program memory at {@code keyAddress}. */
    public int delete(HelperContext c, long keyAddress) {
        return delete(c.memory().slice(keyAddress, spec.keySize(), false));
    }

    /** Per-CPU maps: a pointer to CPU {@code cpu}'s value under {@code key}, or 0 (also for other map types). */
    public long lookupPointerOnCpu(MemorySegment key, int cpu) { return 0; }

    public int update(MemorySegment key, MemorySegment value, long flags) { return -Errno.EINVAL; }

    public int delete(MemorySegment key) { return -Errno.EINVAL; }

    // ---- host side ----

    /** A copy of the value under {@code key} (per-CPU maps: every CPU's value, each padded to 8 bytes), or null. */
    public byte[] lookup(byte[] key) { return null; }

    /** Stops host writes from now on (programs' own write permission is unchanged), as BPF_MAP_FREEZE does. */
    public final void freeze() { frozen = true; }

    public final boolean frozen() { return frozen; }

    /** Stores a value (per-CPU maps: the same value in every CPU's slot, or one padded value per CPU). */
    public int update(byte[] key, byte[] value, long flags) {
        checkKey(key);
        if (frozen) return -Errno.EPERM;
        if (value.length != spec.valueSize()) return -Errno.EINVAL;
        return update(MemorySegment.ofArray(key), MemorySegment.ofArray(value), flags);
    }

    public int delete(byte[] key) {
        checkKey(key);
        if (frozen) return -Errno.EPERM;
        return delete(MemorySegment.ofArray(key));
    }

    /** A snapshot of the keys present (arrays: every index). */
    public List<byte[]> keys() { return List.of(); }

    /** Number of entries present. */
    public int size() { return keys().size(); }

    protected final void checkKey(byte[] key) {
        if (key.length != spec.keySize())
            throw new MapException("map " + name() + ": key is " + key.length + " bytes, the map's keys are " + spec.keySize(), -Errno.EINVAL);
    }

    /** Unmaps the map's memory from every program (stale pointers fault) and forgets its handle. */
    @Override public void close() {
        if (closed) return;
        closed = true;
        SharedObjects.unregister(id);
        release();
    }

    protected void release() {}

    static int checkFlags(long flags, boolean lockAllowed) {
        long mode = flags & ~F_LOCK;
        if (mode > EXIST || ((flags & F_LOCK) != 0 && !lockAllowed)) return -Errno.EINVAL;
        return 0;
    }

    static byte[] copy(MemorySegment s) {
        byte[] out = new byte[(int) s.byteSize()];
        MemorySegment.copy(s, ValueLayout.JAVA_BYTE, 0, out, 0, out.length);
        return out;
    }

    static List<byte[]> indexKeys(int n) {
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(new byte[] {(byte) i, (byte) (i >>> 8), (byte) (i >>> 16), (byte) (i >>> 24)});
        return out;
    }

    /** Adds the little-endian unsigned 64-bit values of every CPU in a per-CPU lookup result. */
    public static long sumPerCpu(byte[] perCpuValues, int valueSize, int offset) {
        int stride = Slab.stride(valueSize);
        long sum = 0;
        for (int at = offset; at + 8 <= perCpuValues.length; at += stride)
            sum += MemorySegment.ofArray(perCpuValues).get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), at);
        return sum;
    }

    @Override public String toString() { return type().name().toLowerCase(java.util.Locale.ROOT) + " map " + name() + " #" + id; }
}
