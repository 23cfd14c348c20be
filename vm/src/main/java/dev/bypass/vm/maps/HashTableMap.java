package dev.bypass.vm.maps;

import dev.bypass.vm.exec.Cpus;
import dev.bypass.vm.memory.Memory;
import dev.bypass.vm.helpers.HelperContext;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code HASH}, {@code PERCPU_HASH}, {@code LRU_HASH} and {@code LRU_PERCPU_HASH}, built as Linux builds its
 * preallocated hash table: {@code max_entries} plus a few spare elements allocated up front, values off-heap in a
 * slab, keys in one {@code long[]} (each key padded to whole words, the padding zero), and buckets of singly linked
 * chains of element numbers, {@code roundup_pow_of_two(max_entries)} of them, hashed with a random seed per map.
 *
 * <p><b>Lookups</b> take no lock and allocate nothing: the key is hashed and compared word by word where it lies
 * (for a key on a program's stack, in the stack's backing words; elsewhere after one checked read), following the
 * chain with acquire reads. A chain ends in the complement of its bucket's number, so a reader whose element was
 * deleted and reused in another bucket meanwhile notices it reached the wrong end and starts over (Linux's
 * {@code hlist_nulls}); after a few restarts it searches under the bucket's lock.
 *
 * <p><b>Updates</b> fill a free element first (key, hash, value), then, under the bucket's lock (one of a fixed set
 * of stripes), link it in place of the old element or at the head, so a reader never sees a half-written value;
 * the old element goes to the back of a FIFO free list, which keeps a just-replaced element unused for as long as
 * possible (standing in for the kernel's RCU grace period; as with Linux's preallocated maps, a program may still
 * read an element that was replaced or deleted meanwhile). Per-CPU values are updated in place, only the caller's
 * CPU cell from programs and every cell from the host. A full map fails inserts with {@code -E2BIG}.
 *
 * <p><b>LRU.</b> A lookup stamps the element with the map's insert clock, writing only when the stamp changes, so
 * hot keys read by many threads cost no shared writes (no global counter per lookup); the clock advances once per
 * insert. A full LRU map evicts the element with the oldest stamp among those sampled from a rotating cursor: an
 * approximation, as Linux's LRU is, that costs bounded time.
 */
public final class HashTableMap extends BpfMap {
    /** Upper bound on max_entries: keeps the index and LRU bookkeeping of one map within reason. */
    public static final int MAX_ENTRIES = 1 << 24;
    /** Elements an LRU eviction compares. */
    private static final int EVICTION_SAMPLE = 128;
    private static final int LOCK_STRIPES = 64;
    private static final VarHandle LINK = MethodHandles.arrayElementVarHandle(int[].class);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final boolean perCpu;
    private final boolean lru;
    private final int cpus;
    private final Slab slab;
    private final int keySize, keyWords;
    /** The key bytes of the last key word (the rest is zero in stored keys and masked off in probes). */
    private final long tailMask;
    private final long seed = new SplittableRandom().nextLong();
    private final int elements;
    private final long[] keys;
    private final int[] hashes;
    /** Per element: the next element of its chain, or the complement of its bucket at the end. */
    private final int[] next;
    /** Per bucket: its first element, or the complement of the bucket when empty. */
    private final int[] heads;
    private final int bucketMask;
    /** Per element: true while it is linked into a chain (written under its bucket's lock). */
    private final boolean[] linked;
    private final Object[] locks = new Object[LOCK_STRIPES];
    private final AtomicInteger count = new AtomicInteger();
    /** Free elements, oldest first (a ring of element numbers), and the number never used; guarded by itself. */
    private final int[] freeRing;
    private int freeHead, freeCount, fresh;
    /** LRU: the insert clock, each element's stamp, and where the next eviction starts sampling. */
    private final AtomicLong clock;
    private final long[] lastUse;
    private int evictCursor;

    HashTableMap(MapSpec spec, boolean perCpu, boolean lru) {
        super(spec);
        if (spec.keySize() == 0 || spec.valueSize() == 0)
            throw new MapException("hash map " + spec.name() + ": key_size and value_size must be positive");
        if (spec.maxEntries() > MAX_ENTRIES)
            throw new MapException("hash map " + spec.name() + ": max_entries " + spec.maxEntries() + " exceeds " + MAX_ENTRIES);
        this.perCpu = perCpu;
        this.lru = lru;
        this.cpus = perCpu ? possibleCpus() : 1;
        this.keySize = spec.keySize();
        this.keyWords = (keySize + 7) >>> 3;
        this.tailMask = keySize % 8 == 0 ? -1L : (1L << (8 * (keySize % 8))) - 1;
        long total = (long) spec.maxEntries() + Math.max(16, 2 * Runtime.getRuntime().availableProcessors());
        if (total * keyWords * 8 > Slab.MAX_BYTES)
            throw new MapException("hash map " + spec.name() + ": " + total + " keys of " + keySize + " bytes exceed the "
                    + (Slab.MAX_BYTES >> 20) + " MiB limit per map");
        this.slab = new Slab(spec.name(), id(), total, cpus, spec.valueSize(), true);
        this.elements = (int) total;
        this.keys = new long[elements * keyWords];
        this.hashes = new int[elements];
        this.next = new int[elements];
        this.linked = new boolean[elements];
        int buckets = Integer.highestOneBit(Math.max(1, spec.maxEntries() - 1)) << 1;
        this.heads = new int[buckets];
        this.bucketMask = buckets - 1;
        for (int b = 0; b < buckets; b++) heads[b] = ~b;
        for (int i = 0; i < LOCK_STRIPES; i++) locks[i] = new Object();
        this.freeRing = new int[elements];
        this.clock = lru ? new AtomicLong() : null;
        this.lastUse = lru ? new long[elements] : null;
    }

    public boolean perCpu() { return perCpu; }

    @Override public dev.bypass.vm.memory.Region programRegion() { return isClosed() ? null : slab.region; }

    // ---- hashing and finding ----

    /**
     * The hash of the key in {@code w[at, at + keyWords)}, its last word masked to the key's bytes: one multiply per
     * word (the usual 8-byte key costs a few cycles), seeded per map so that keys cannot be chosen to collide.
     */
    private int hash(long[] w, int at) {
        long h = seed;
        int last = keyWords - 1;
        for (int i = 0; i < last; i++) h = Long.rotateLeft((h ^ w[at + i]) * 0x9E3779B97F4A7C15L, 29);
        h = (h ^ (w[at + last] & tailMask)) * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)); // the product's high half mixes every input bit into the bucket bits
    }

    private boolean keyEquals(int e, long[] w, int at) {
        int base = e * keyWords, last = keyWords - 1;
        for (int i = 0; i < last; i++) if (keys[base + i] != w[at + i]) return false;
        return keys[base + last] == (w[at + last] & tailMask);
    }

    /** The element holding the key in {@code w[at..]} (hash {@code h}), or -1; lock-free. */
    private int find(long[] w, int at, int h) {
        int b = h & bucketMask;
        for (int attempt = 0; attempt < 3; attempt++) {
            int e = (int) LINK.getAcquire(heads, b);
            while (e >= 0) {
                if (hashes[e] == h && keyEquals(e, w, at)) return e;
                e = (int) LINK.getAcquire(next, e);
            }
            if (e == ~b) return -1;
            // the element we followed moved to another chain while we read it: start over
        }
        synchronized (lock(b)) {
            return findLocked(b, w, at, h);
        }
    }

    /** As {@link #find}, under the bucket's lock (chains cannot change). */
    private int findLocked(int b, long[] w, int at, int h) {
        for (int e = heads[b]; e >= 0; e = next[e]) if (hashes[e] == h && keyEquals(e, w, at)) return e;
        return -1;
    }

    private Object lock(int bucket) { return locks[bucket & (LOCK_STRIPES - 1)]; }

    /** The words of a key in a segment (host and helper paths), last word zero-padded. */
    private long[] words(MemorySegment key) {
        long[] w = new long[keyWords];
        int full = keySize >>> 3;
        for (int i = 0; i < full; i++) w[i] = key.get(LE_LONG, 8L * i);
        for (int b = 8 * full; b < keySize; b++) w[full] |= (key.get(ValueLayout.JAVA_BYTE, b) & 0xffL) << (8 * (b - 8 * full));
        return w;
    }

    private long[] words(byte[] key) { return words(MemorySegment.ofArray(key)); }

    /** The element for a program's key at {@code keyAddress}: read in place on the stack, else through one checked read. */
    private int findProgramKey(Memory mem, long keyAddress) {
        int word = mem.alignedStackWord(keyAddress, keySize);
        long[] w = word >= 0 ? mem.stackWords() : mem.loadWords(keyAddress, keySize);
        int at = word >= 0 ? word : 0;
        return find(w, at, hash(w, at));
    }

    // ---- program side ----

    @Override public long lookupPointer(HelperContext c, long keyAddress) {
        int e = findProgramKey(c.memory(), keyAddress);
        if (e < 0) return 0;
        if (lru) touch(e);
        return slab.pointer(slab.offsetOf(e, perCpu ? c.cpu() : 0));
    }

    @Override public long lookupPointer(MemorySegment key) {
        long[] w = words(key);
        int e = find(w, 0, hash(w, 0));
        if (e < 0) return 0;
        if (lru) touch(e);
        return slab.pointer(slab.offsetOf(e, perCpu ? Cpus.current() : 0));
    }

    /** Marks a use for LRU: a write only when the element's stamp is older than the clock. */
    private void touch(int e) {
        long now = clock.get();
        if (lastUse[e] != now) lastUse[e] = now;
    }

    @Override public long lookupPointerOnCpu(MemorySegment key, int cpu) {
        if (!perCpu || cpu < 0 || cpu >= cpus) return 0;
        long[] w = words(key);
        int e = find(w, 0, hash(w, 0));
        return e < 0 ? 0 : slab.pointer(slab.offsetOf(e, cpu));
    }

    @Override public int update(HelperContext c, long keyAddress, MemorySegment value, long flags) {
        Memory mem = c.memory();
        int word = mem.alignedStackWord(keyAddress, keySize);
        long[] w = word >= 0 ? mem.stackWords() : mem.loadWords(keyAddress, keySize);
        int at = word >= 0 ? word : 0;
        return put(w, at, value, flags, perCpu ? c.cpu() : -1);
    }

    @Override public int update(MemorySegment key, MemorySegment value, long flags) {
        return put(words(key), 0, value, flags, perCpu ? Cpus.current() : -1);
    }

    @Override public int delete(HelperContext c, long keyAddress) {
        Memory mem = c.memory();
        int word = mem.alignedStackWord(keyAddress, keySize);
        long[] w = word >= 0 ? mem.stackWords() : mem.loadWords(keyAddress, keySize);
        return remove(w, word >= 0 ? word : 0);
    }

    @Override public int delete(MemorySegment key) { return remove(words(key), 0); }

    // ---- updates ----

    /**
     * Inserts or replaces the key in {@code w[at..]}. {@code cpu} is the CPU cell a program writes in a per-CPU map,
     * or -1 for the host, which writes every cell (the same value, or one stride-padded value per cell).
     */
    private int put(long[] w, int at, MemorySegment value, long flags, int cpu) {
        int bad = checkFlags(flags, false);
        if (bad != 0) return bad;
        long mode = flags & ~F_LOCK;
        int h = hash(w, at), b = h & bucketMask;
        if (perCpu) {
            // Per-CPU values are updated in place: only a missing key takes an element.
            synchronized (lock(b)) {
                int e = findLocked(b, w, at, h);
                if (e >= 0) {
                    if (mode == NOEXIST) return -Errno.EEXIST;
                    writeValue(e, value, cpu);
                    return 0;
                }
            }
        }
        if (mode == EXIST && find(w, at, h) < 0) return -Errno.ENOENT;
        if (mode == NOEXIST && find(w, at, h) >= 0) return -Errno.EEXIST;
        int fresh = allocate();
        // LRU: make room; other updaters may take the element first, so try a few times (Linux's LRU also
        // retries its free lists before giving up). Evicting takes other buckets' locks: never while holding one.
        for (int attempt = 0; fresh < 0 && lru && attempt < 16; attempt++) {
            evictOne();
            fresh = allocate();
        }
        if (fresh < 0) return -Errno.E2BIG;
        System.arraycopy(w, at, keys, fresh * keyWords, keyWords);
        keys[fresh * keyWords + keyWords - 1] &= tailMask;
        hashes[fresh] = h;
        if (perCpu) {
            for (int c = 0; c < cpus; c++) slab.segment.asSlice(slab.offsetOf(fresh, c), slab.stride).fill((byte) 0);
        }
        writeValue(fresh, value, cpu);
        if (lru) lastUse[fresh] = clock.incrementAndGet();
        for (int round = 0; ; round++) {
            int outcome = link(b, w, at, h, fresh, mode, value, cpu);
            if (outcome != FULL) return outcome;
            // bounded: under a storm of concurrent inserts, give up as Linux's LRU may (-E2BIG)
            if (!lru || round >= 64 || !evictOne()) {
                free(fresh);
                return -Errno.E2BIG;
            }
        }
    }

    private static final int FULL = 1;

    /** Links {@code fresh} under the bucket's lock; returns 0, a negated errno, or {@link #FULL} (no entry left). */
    private int link(int b, long[] w, int at, int h, int fresh, long mode, MemorySegment value, int cpu) {
        int old = -1;
        synchronized (lock(b)) {
            int pred = -1;
            for (int e = heads[b]; e >= 0; pred = e, e = next[e])
                if (hashes[e] == h && keyEquals(e, w, at)) {
                    old = e;
                    break;
                }
            if (old < 0) {
                if (mode == EXIST) { free(fresh); return -Errno.ENOENT; }
                if (!reserveEntry()) return FULL;
                next[fresh] = heads[b];
                linked[fresh] = true;
                LINK.setRelease(heads, b, fresh);
                return 0;
            }
            if (mode == NOEXIST) { free(fresh); return -Errno.EEXIST; }
            if (perCpu) { // raced with an insert of the same key: update that element in place instead
                writeValue(old, value, cpu);
                free(fresh);
                return 0;
            }
            next[fresh] = next[old];
            linked[fresh] = true;
            if (pred < 0) LINK.setRelease(heads, b, fresh);
            else LINK.setRelease(next, pred, fresh);
            linked[old] = false;
        }
        free(old); // its own link still leads on, for readers standing on it
        return 0;
    }

    private void writeValue(int e, MemorySegment value, int cpu) {
        if (cpu >= 0 || !perCpu) MemorySegment.copy(value, 0, slab.segment, slab.offsetOf(e, Math.max(cpu, 0)), spec.valueSize());
        else slab.writeAllCells(e, value, spec.valueSize());
    }

    /** Counts one more entry unless the map is full; the count never exceeds max_entries, even transiently. */
    private boolean reserveEntry() {
        while (true) {
            int c = count.get();
            if (c >= spec.maxEntries()) return false;
            if (count.compareAndSet(c, c + 1)) return true;
        }
    }

    /** A free element: the oldest freed one if any, else one never used; -1 when all are taken. */
    private int allocate() {
        synchronized (freeRing) {
            if (freeCount > 0) {
                int e = freeRing[freeHead];
                freeHead = freeHead + 1 == elements ? 0 : freeHead + 1;
                freeCount--;
                return e;
            }
            return fresh < elements ? fresh++ : -1;
        }
    }

    private void free(int e) {
        synchronized (freeRing) {
            int tail = freeHead + freeCount;
            freeRing[tail >= elements ? tail - elements : tail] = e;
            freeCount++;
        }
    }

    /** Unlinks the element holding the key in {@code w[at..]}. */
    private int remove(long[] w, int at) {
        int h = hash(w, at), b = h & bucketMask;
        int e;
        synchronized (lock(b)) {
            int pred = -1;
            for (e = heads[b]; e >= 0; pred = e, e = next[e]) if (hashes[e] == h && keyEquals(e, w, at)) break;
            if (e < 0) return -Errno.ENOENT;
            unlink(b, pred, e);
        }
        free(e);
        return 0;
    }

    private void unlink(int b, int pred, int e) {
        if (pred < 0) LINK.setRelease(heads, b, next[e]);
        else LINK.setRelease(next, pred, next[e]);
        linked[e] = false;
        count.decrementAndGet();
    }

    /**
     * Evicts the element with the oldest use stamp among {@link #EVICTION_SAMPLE} linked ones from a rotating
     * cursor. Returns false when nothing could be evicted.
     */
    private boolean evictOne() {
        int start = evictCursor, victim = -1, seen = 0;
        long oldest = Long.MAX_VALUE;
        for (int i = 0; i < elements && seen < EVICTION_SAMPLE; i++) {
            int e = start + i < elements ? start + i : start + i - elements;
            if (!linked[e]) continue;
            seen++;
            if (lastUse[e] < oldest) {
                oldest = lastUse[e];
                victim = e;
            }
        }
        if (victim < 0) return false;
        evictCursor = victim + 1 < elements ? victim + 1 : 0;
        int b = hashes[victim] & bucketMask;
        synchronized (lock(b)) {
            int pred = -1, e;
            for (e = heads[b]; e >= 0 && e != victim; pred = e, e = next[e]) {}
            if (e != victim) return true; // another thread removed or replaced it: room was made anyway
            unlink(b, pred, e);
        }
        free(victim);
        return true;
    }

    // ---- host side ----

    @Override public byte[] lookup(byte[] key) {
        checkKey(key);
        long[] w = words(key);
        int e = find(w, 0, hash(w, 0));
        if (e < 0) return null;
        return perCpu ? slab.allCells(e, spec.valueSize()) : copy(slab.value(e, 0, spec.valueSize()));
    }

    @Override public int update(byte[] key, byte[] value, long flags) {
        checkKey(key);
        if (frozen()) return -Errno.EPERM;
        if (value.length != spec.valueSize() && !(perCpu && value.length == slab.stride * cpus)) return -Errno.EINVAL;
        return put(words(key), 0, MemorySegment.ofArray(value), flags, -1);
    }

    @Override public int delete(byte[] key) {
        checkKey(key);
        if (frozen()) return -Errno.EPERM;
        return remove(words(key), 0);
    }

    @Override public List<byte[]> keys() {
        List<byte[]> out = new ArrayList<>();
        for (int b = 0; b <= bucketMask; b++) {
            if ((int) LINK.getAcquire(heads, b) < 0) continue; // empty: no need for its lock
            synchronized (lock(b)) {
                for (int e = heads[b]; e >= 0; e = next[e]) {
                    byte[] k = new byte[keySize];
                    for (int i = 0; i < keySize; i++) k[i] = (byte) (keys[e * keyWords + (i >>> 3)] >>> (8 * (i & 7)));
                    out.add(k);
                }
            }
        }
        return out;
    }

    @Override public int size() { return count.get(); }

    @Override protected void release() { slab.close(); }
}
