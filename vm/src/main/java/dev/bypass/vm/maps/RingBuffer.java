package dev.bypass.vm.maps;

import dev.bypass.vm.memory.Memory;
import dev.bypass.vm.memory.Pointers;
import dev.bypass.vm.memory.Region;
import dev.bypass.vm.memory.SharedObjects;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * {@code BPF_MAP_TYPE_RINGBUF}: a multi-producer, single-consumer byte ring of {@code max_entries} bytes (a power
 * of two, page multiple) with Linux's record format: an 8-byte header (length with BUSY and DISCARD bits) followed
 * by the data, padded to 8 bytes. Producers reserve under a short lock (as the kernel's spinlock), fill the record
 * through the pointer they got, and commit or discard it without the lock; the consumer reads committed records in
 * order and stops at the first one still being written. A record never wraps: when it would not fit before the end
 * of the ring, the producer fills the tail with a discarded padding record and starts at offset 0.
 *
 * <p>The host consumes with {@link #poll} (blocking, with a timeout, batching up to a limit) or {@link #drain}.
 */
public final class RingBuffer extends BpfMap {
    public static final int BUSY = 1 << 31, DISCARD = 1 << 30, HEADER = 8;
    /** Flags of output/submit/discard. */
    public static final long NO_WAKEUP = 1, FORCE_WAKEUP = 2;
    /** Query selectors of {@code bpf_ringbuf_query}. */
    public static final long AVAIL_DATA = 0, RING_SIZE = 1, CONS_POS = 2, PROD_POS = 3;

    private static final VarHandle HDR = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    private final Slab slab;
    private final String recordName;
    private final MemorySegment data;
    private final long capacity;
    private final Object producerLock = new Object();
    private volatile long producerPos;
    private volatile long consumerPos;
    private final ReentrantLock consumerLock = new ReentrantLock();
    private final Condition dataReady = consumerLock.newCondition();
    private volatile int waiters;
    private final java.util.concurrent.atomic.AtomicLong corrupted = new java.util.concurrent.atomic.AtomicLong();

    RingBuffer(MapSpec spec) {
        super(spec);
        int size = spec.maxEntries();
        if (spec.keySize() != 0 || spec.valueSize() != 0)
            throw new MapException("ring buffer " + spec.name() + ": key_size and value_size must be 0");
        if (Integer.bitCount(size) != 1 || size < 4096)
            throw new MapException("ring buffer " + spec.name() + ": max_entries " + size + " must be a power of 2 and at least 4096");
        this.slab = new Slab(spec.name(), id(), 1, size, true);
        this.recordName = "record of ring buffer " + spec.name();
        this.data = slab.segment;
        this.capacity = size;
    }

    private static long round8(long n) { return (n + 7) & ~7L; }

    private int header(long pos) { return (int) HDR.getAcquire(data, pos & (capacity - 1)); }

    /**
     * {@code bpf_ringbuf_reserve}: a host pointer to {@code size} writable bytes, or 0 when the ring is full. Programs
     * do not get it: the helper lends them {@link #record} of it, which stops being addressable at submit or discard.
     */
    public long reserve(long size, long flags) {
        if (flags != 0 || size <= 0 || size > capacity / 2 - HEADER) return 0;
        long total = round8(size + HEADER);
        synchronized (producerLock) {
            long prod = producerPos;
            long used = prod - consumerPos;
            long at = prod & (capacity - 1);
            long pad = at + total > capacity ? capacity - at : 0;
            if (used + pad + total > capacity) return 0;
            if (pad > 0) {
                HDR.setRelease(data, at, (int) (pad - HEADER) | DISCARD);
                at = 0;
            }
            HDR.setRelease(data, at, (int) size | BUSY);
            producerPos = prod + pad + total;
            return slab.pointer(0) + at + HEADER;
        }
    }

    /** The data of the reserved record at {@code pointer} ({@link #reserve}d with {@code size}), as a region of its own. */
    public Region record(long pointer, long size) {
        return new Region(recordName, data.asSlice(Pointers.offset(pointer), size), true);
    }

    /**
     * Lends the reserved record at {@code pointer} ({@link #reserve}d with {@code size}) to the program whose memory is
     * {@code memory}; returns the program's pointer to it, valid until {@link Memory#revoke}. No allocation: the
     * memory moves a window of its own onto the record.
     */
    public long lend(Memory memory, long pointer, long size) {
        return memory.lend(data, recordName, Pointers.offset(pointer), size);
    }

    /** True when {@code pointer} is the data pointer of a record of this ring that is still reserved. */
    public boolean isReserved(long pointer) {
        if (SharedObjects.ofHostPointer(pointer) != this) return false;
        long off = Pointers.offset(pointer) - HEADER;
        return off >= 0 && off % 8 == 0 && off < capacity && (header(off) & BUSY) != 0;
    }

    /** Commits or discards a reserved record; false when the pointer is not a reserved record of this ring. */
    public boolean complete(long pointer, boolean discard, long flags) {
        if (!isReserved(pointer)) return false;
        long off = Pointers.offset(pointer) - HEADER;
        int hdr = header(off);
        HDR.setRelease(data, off, (hdr & ~BUSY) | (discard ? DISCARD : 0));
        wake(flags);
        return true;
    }

    /** {@code bpf_ringbuf_output}: copies {@code src} into a new record. */
    public int output(MemorySegment src, long flags) {
        if ((flags & ~(NO_WAKEUP | FORCE_WAKEUP)) != 0) return -Errno.EINVAL;
        long p = reserve(src.byteSize(), 0);
        if (p == 0) return -Errno.EAGAIN;
        MemorySegment.copy(src, 0, data, Pointers.offset(p), src.byteSize());
        complete(p, false, flags);
        return 0;
    }

    public long query(long what) {
        return switch ((int) what) {
            case 0 -> producerPos - consumerPos;
            case 1 -> capacity;
            case 2 -> consumerPos;
            case 3 -> producerPos;
            default -> 0;
        };
    }

    private void wake(long flags) {
        if ((flags & NO_WAKEUP) != 0 || waiters == 0) return;
        consumerLock.lock();
        try {
            dataReady.signalAll();
        } finally {
            consumerLock.unlock();
        }
    }

    /** Delivers committed records in order, at most {@code max}, each in an array of its own; returns how many. */
    public int drain(int max, Consumer<byte[]> handler) {
        consumerLock.lock();
        try {
            return consumeLocked(max, handler);
        } finally {
            consumerLock.unlock();
        }
    }

    /** Receives a record in the first {@code length} bytes of {@code buffer}, which is the ring's and reused after the call. */
    @FunctionalInterface
    public interface RecordSink {
        void accept(byte[] buffer, int length);
    }

    /** The buffer {@link #drainReusing} copies records into; guarded by the consumer lock. */
    private byte[] consumerBuffer = new byte[256];

    /**
     * Delivers committed records in order, at most {@code max}, as {@link #drain} does but copied one after the other
     * into one buffer the ring reuses (no allocation per record): for consumers that are done with a record when
     * {@code sink} returns, such as a writer formatting it. Returns how many were delivered.
     */
    public int drainReusing(int max, RecordSink sink) {
        consumerLock.lock();
        try {
            return consumeLocked(max, null, sink);
        } finally {
            consumerLock.unlock();
        }
    }

    private int consumeLocked(int max, Consumer<byte[]> handler) { return consumeLocked(max, handler, null); }

    /** Delivers to {@code handler} (a fresh array per record) or else to {@code sink} (the reused buffer). */
    private int consumeLocked(int max, Consumer<byte[]> handler, RecordSink sink) {
        int delivered = 0;
        long cons = consumerPos;
        while (delivered < max && cons < producerPos) {
            int hdr = header(cons);
            if ((hdr & BUSY) != 0) break;
            int len = hdr & ~(BUSY | DISCARD);
            long at = cons & (capacity - 1);
            if (at + round8(len + HEADER) > capacity || cons + round8(len + HEADER) > producerPos) {
                // A header no producer wrote: a program scribbled over the ring outside its record (possible only
                // unverified). Drop what is pending rather than read past the record.
                corrupted.incrementAndGet();
                consumerPos = producerPos;
                break;
            }
            if ((hdr & DISCARD) == 0) {
                byte[] rec = handler != null ? new byte[len] : consumerBuffer.length >= len ? consumerBuffer
                        : (consumerBuffer = new byte[Math.max(len, 2 * consumerBuffer.length)]);
                // copied directly: MemorySegment.toArray costs a class-name lookup per call
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, at + HEADER, rec, 0, len);
                delivered++;
                cons += round8(len + HEADER);
                consumerPos = cons; // free the space before the handler runs, as libbpf does after each record
                if (handler != null) handler.accept(rec);
                else sink.accept(rec, len);
            } else {
                cons += round8(len + HEADER);
                consumerPos = cons;
            }
        }
        return delivered;
    }

    /**
     * Waits up to {@code timeout} for committed records, then delivers up to {@code max} of them (a batch).
     * Returns the number delivered, 0 on timeout.
     */
    public int poll(int max, long timeout, TimeUnit unit, Consumer<byte[]> handler) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        consumerLock.lock();
        try {
            waiters++;
            try {
                while (true) {
                    int n = consumeLocked(max, handler);
                    if (n > 0) return n;
                    long left = deadline - System.nanoTime();
                    if (left <= 0) return 0;
                    // Producers signal only when a waiter is registered; the short bounded wait also covers
                    // records committed with NO_WAKEUP.
                    dataReady.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
                }
            } finally {
                waiters--;
            }
        } finally {
            consumerLock.unlock();
        }
    }

    /** All committed records currently readable (consumes them). */
    public List<byte[]> drain() {
        List<byte[]> out = new ArrayList<>();
        drain(Integer.MAX_VALUE, out::add);
        return out;
    }

    public long capacity() { return capacity; }

    /** Times the consumer found a corrupted record header and dropped the pending data. */
    public long corruptions() { return corrupted.get(); }

    @Override public int size() { return (int) Math.min(Integer.MAX_VALUE, producerPos - consumerPos); }

    @Override protected void release() { slab.close(); }
}
