package dev.bypass.vm.maps;

import dev.bypass.vm.helpers.BaseHelpers;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code HASH}, {@code PERCPU_HASH}, {@code LRU_HASH} and {@code LRU_PERCPU_HASH}. Values live in a preallocated
 * off-heap slab of {@code max_entries} plus a few spare elements (as Linux preallocates); the index from key to
 * element is a {@link ConcurrentHashMap}, so lookups are lock-free. Like Linux, an update of an existing key
 * fills a fresh element and swaps it in, so a reader never sees a half-written value; freed elements go to the
 * back of a FIFO free list, which keeps a just-replaced element unused for as long as possible (standing in for
 * the kernel's RCU grace period). A full map fails inserts with {@code -E2BIG}; LRU maps evict instead.
 * Per-CPU variants keep one value per CPU in each element and update the caller's copy in place.
 */
public final class HashTableMap extends BpfMap {
    /** Upper bound on max_entries: keeps the index and LRU bookkeeping of one map within reason. */
    public static final int MAX_ENTRIES = 1 << 24;

    private final boolean perCpu;
    private final boolean lru;
    private final int cpus;
    private final Slab slab;
    private final ConcurrentHashMap<Key, Integer> index = new ConcurrentHashMap<>();
    /** Elements freed by delete or replace, reused oldest first; never-used elements come from {@link #fresh}. */
    private final ConcurrentLinkedQueue<Integer> free = new ConcurrentLinkedQueue<>();
    private final AtomicInteger fresh = new AtomicInteger();
    private final int elements;
    private final AtomicInteger count = new AtomicInteger();
    /** Last-use tick per element for LRU eviction; plain writes, races only blur the order slightly. */
    private final long[] lastUse;
    private final AtomicLong clock = new AtomicLong();

    /** A stored key: its bytes and their hash. */
    record Key(byte[] bytes, int hash) {
        static Key of(byte[] b) { return new Key(b, Arrays.hashCode(b)); }

        @Override public boolean equals(Object o) { return o instanceof Key k && k.hash == hash && Arrays.equals(k.bytes, bytes); }

        @Override public int hashCode() { return hash; }
    }

    /**
     * A lookup key read in place from program memory: hashes and compares like {@link Key} without copying, so a
     * lookup allocates nothing that outlives it. Only used as the argument of {@code get}, which calls
     * {@code probe.equals(storedKey)}.
     */
    private static final java.lang.foreign.ValueLayout.OfLong LE_LONG =
            java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private static final java.lang.invoke.VarHandle STORED64 =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    /** Continues {@code Arrays.hashCode} over the eight little-endian bytes of {@code word}. */
    static int hashWord(int h, long word) {
        for (int shift = 0; shift < 64; shift += 8) h = 31 * h + (byte) (word >>> shift);
        return h;
    }

    static final class Probe {
        final MemorySegment bytes;
        final int hash;

        Probe(MemorySegment bytes) {
            this.bytes = bytes;
            // Arrays.hashCode of the bytes (what stored keys use), read eight bytes at a time: a segment access per
            // byte costs more than the arithmetic.
            int h = 1;
            long n = bytes.byteSize(), i = 0;
            for (; i + 8 <= n; i += 8) h = hashWord(h, bytes.get(LE_LONG, i));
            for (; i < n; i++) h = 31 * h + bytes.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i);
            this.hash = h;
        }

        @Override public boolean equals(Object o) {
            if (!(o instanceof Key k) || k.hash != hash || k.bytes.length != bytes.byteSize()) return false;
            // eight bytes at a time against the stored array (keys are small; a generic mismatch costs more)
            byte[] other = k.bytes;
            int n = other.length, i = 0;
            for (; i + 8 <= n; i += 8) if (bytes.get(LE_LONG, i) != (long) STORED64.get(other, i)) return false;
            for (; i < n; i++) if (bytes.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) != other[i]) return false;
            return true;
        }

        @Override public int hashCode() { return hash; }
    }

    HashTableMap(MapSpec spec, boolean perCpu, boolean lru) {
        super(spec);
        if (spec.keySize() == 0 || spec.valueSize() == 0)
            throw new MapException("hash map " + spec.name() + ": key_size and value_size must be positive");
        if (spec.maxEntries() > MAX_ENTRIES)
            throw new MapException("hash map " + spec.name() + ": max_entries " + spec.maxEntries() + " exceeds " + MAX_ENTRIES);
        this.perCpu = perCpu;
        this.lru = lru;
        this.cpus = perCpu ? possibleCpus() : 1;
        long total = (long) spec.maxEntries() + Math.max(16, 2 * possibleCpus());
        this.slab = new Slab(spec.name(), id(), total * cpus, spec.valueSize(), true);
        this.elements = (int) total;
        this.lastUse = lru ? new long[elements] : null;
    }

    public boolean perCpu() { return perCpu; }

    private long slot(int element, int cpu) { return (long) element * cpus + cpu; }

    @Override public dev.bypass.vm.exec.Region programRegion() { return isClosed() ? null : slab.region; }

    @Override public long lookupPointer(MemorySegment key) { return pointerTo(index.get(new Probe(key))); }

    @Override public long lookupPointer(dev.bypass.vm.exec.Memory memory, long keyAddress) {
        if (spec.keySize() != 8) return super.lookupPointer(memory, keyAddress);
        return pointerTo(index.get(new LongProbe(memory.load64(keyAddress))));
    }

    /** The value pointer of a found element (on this thread's CPU slot), 0 when not found. */
    private long pointerTo(Integer e) {
        if (e == null) return 0;
        if (lru) lastUse[e] = clock.incrementAndGet();
        return slab.pointer(slot(e, perCpu ? BaseHelpers.processorId() : 0));
    }

    /** An 8-byte key as a number: hashes and compares like {@link Key} over its little-endian bytes. */
    static final class LongProbe {
        final long key;
        final int hash;

        LongProbe(long key) {
            this.key = key;
            this.hash = hashWord(1, key);
        }

        @Override public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && k.bytes.length == 8 && (long) STORED64.get(k.bytes, 0) == key;
        }

        @Override public int hashCode() { return hash; }
    }

    @Override public long lookupPointerOnCpu(MemorySegment key, int cpu) {
        if (!perCpu || cpu < 0 || cpu >= cpus) return 0;
        Integer e = index.get(new Probe(key));
        return e == null ? 0 : slab.pointer(slot(e, cpu));
    }

    @Override public int update(MemorySegment key, MemorySegment value, long flags) {
        return put(Key.of(copy(key)), value, flags, false);
    }

    private int put(Key k, MemorySegment value, long flags, boolean host) {
        int bad = checkFlags(flags, false);
        if (bad != 0) return bad;
        long mode = flags & ~F_LOCK;
        if (perCpu) {
            // Per-CPU values are updated in place, only the caller's copy (the host writes every copy).
            Integer existing = index.get(k);
            if (existing != null) {
                if (mode == NOEXIST) return -Errno.EEXIST;
                writePerCpu(existing, value, host);
                return 0;
            }
        }
        if (mode == EXIST && !index.containsKey(k)) return -Errno.ENOENT;
        if (mode == NOEXIST && index.containsKey(k)) return -Errno.EEXIST;
        Integer fresh = allocate();
        // LRU: make room; other updaters may take the element first, so try a few times (Linux's LRU also
        // retries its free lists before giving up).
        for (int attempt = 0; fresh == null && lru && attempt < 16; attempt++) {
            evictOne();
            fresh = allocate();
        }
        if (fresh == null) return -Errno.E2BIG;
        if (perCpu) {
            for (int c = 0; c < cpus; c++) slab.segment.asSlice(slab.offsetOf(slot(fresh, c)), slab.stride).fill((byte) 0);
            writePerCpu(fresh, value, host);
        } else {
            MemorySegment.copy(value, 0, slab.segment, slab.offsetOf(fresh), spec.valueSize());
        }
        if (lru) lastUse[fresh] = clock.incrementAndGet();
        for (int round = 0; ; round++) {
            Integer prev = index.get(k);
            if (prev == null) {
                if (mode == EXIST) { free.add(fresh); return -Errno.ENOENT; }
                if (!reserveEntry()) {
                    // bounded: under a storm of concurrent inserts, give up as Linux's LRU may (-E2BIG)
                    if (lru && round < 64 && evictOne()) continue;
                    free.add(fresh);
                    return -Errno.E2BIG;
                }
                if (index.putIfAbsent(k, fresh) == null) return 0;
                count.decrementAndGet();
            } else {
                if (mode == NOEXIST) { free.add(fresh); return -Errno.EEXIST; }
                if (perCpu) { // raced with an insert of the same key: update that element in place instead
                    free.add(fresh);
                    writePerCpu(prev, value, host);
                    return 0;
                }
                if (index.replace(k, prev, fresh)) { free.add(prev); return 0; }
            }
        }
    }

    /** Counts one more entry unless the map is full; the count never exceeds max_entries, even transiently. */
    private boolean reserveEntry() {
        while (true) {
            int c = count.get();
            if (c >= spec.maxEntries()) return false;
            if (count.compareAndSet(c, c + 1)) return true;
        }
    }

    /** A free element: a recycled one if any (FIFO), else one never used; null when all are taken. */
    private Integer allocate() {
        Integer e = free.poll();
        if (e != null) return e;
        while (true) {
            int n = fresh.get();
            if (n >= elements) return free.poll();
            if (fresh.compareAndSet(n, n + 1)) return n;
        }
    }

    private void writePerCpu(int element, MemorySegment value, boolean host) {
        if (!host) {
            MemorySegment.copy(value, 0, slab.segment, slab.offsetOf(slot(element, BaseHelpers.processorId())), spec.valueSize());
            return;
        }
        boolean each = value.byteSize() == (long) slab.stride * cpus;
        for (int c = 0; c < cpus; c++)
            MemorySegment.copy(value, each ? (long) c * slab.stride : 0, slab.segment, slab.offsetOf(slot(element, c)), spec.valueSize());
    }

    /**
     * Evicts the least recently used of (at most) the first 128 entries the index yields: an approximation, as
     * Linux's LRU is, that costs bounded time. Returns false when nothing could be evicted.
     */
    private boolean evictOne() {
        Map.Entry<Key, Integer> victim = null;
        int seen = 0;
        for (Map.Entry<Key, Integer> e : index.entrySet()) {
            if (victim == null || lastUse[e.getValue()] < lastUse[victim.getValue()]) victim = e;
            if (++seen >= 128) break;
        }
        if (victim == null) return false;
        if (index.remove(victim.getKey(), victim.getValue())) {
            count.decrementAndGet();
            free.add(victim.getValue());
        }
        return true;
    }

    @Override public int delete(MemorySegment key) { return remove(Key.of(copy(key))); }

    private int remove(Key k) {
        Integer prev = index.remove(k);
        if (prev == null) return -Errno.ENOENT;
        count.decrementAndGet();
        free.add(prev);
        return 0;
    }

    @Override public byte[] lookup(byte[] key) {
        checkKey(key);
        Integer e = index.get(Key.of(key.clone()));
        if (e == null) return null;
        if (!perCpu) return copy(slab.value(e, spec.valueSize()));
        byte[] out = new byte[slab.stride * cpus];
        for (int c = 0; c < cpus; c++)
            MemorySegment.copy(slab.segment, slab.offsetOf(slot(e, c)), MemorySegment.ofArray(out), (long) c * slab.stride, spec.valueSize());
        return out;
    }

    @Override public int update(byte[] key, byte[] value, long flags) {
        checkKey(key);
        if (frozen()) return -Errno.EPERM;
        if (value.length != spec.valueSize() && !(perCpu && value.length == slab.stride * cpus)) return -Errno.EINVAL;
        return put(Key.of(key.clone()), MemorySegment.ofArray(value), flags, true);
    }

    @Override public int delete(byte[] key) {
        checkKey(key);
        if (frozen()) return -Errno.EPERM;
        return remove(Key.of(key.clone()));
    }

    @Override public List<byte[]> keys() {
        List<byte[]> out = new ArrayList<>();
        for (Key k : index.keySet()) out.add(k.bytes().clone());
        return out;
    }

    @Override public int size() { return count.get(); }

    @Override protected void release() { slab.close(); }
}
