package dev.bypass.vm.maps;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code QUEUE} (FIFO) and {@code STACK} (LIFO): keyless maps of at most {@code max_entries} values in one compact
 * circular array. Programs use push/pop/peek; a push to a full map fails with {@code -E2BIG} unless the flag
 * {@code BPF_EXIST} asks to drop the oldest value. Operations hold the map's own lock only briefly (as Linux's
 * raw spinlock does); values are copied in and out, never pointed to.
 */
public final class QueueMap extends BpfMap {
    private final boolean fifo;
    private final byte[] ring;
    private final int valueSize;
    private int head;
    private int count;

    QueueMap(MapSpec spec, boolean fifo) {
        super(spec);
        if (spec.keySize() != 0) throw new MapException((fifo ? "queue " : "stack ") + spec.name() + ": key_size must be 0");
        if (spec.valueSize() == 0) throw new MapException((fifo ? "queue " : "stack ") + spec.name() + ": value_size must be positive");
        long bytes = (long) spec.maxEntries() * spec.valueSize();
        if (bytes > Slab.MAX_BYTES / 16) throw new MapException("map " + spec.name() + ": too large (" + bytes + " bytes)");
        this.fifo = fifo;
        this.valueSize = spec.valueSize();
        this.ring = new byte[(int) bytes];
    }

    public boolean fifo() { return fifo; }

    /** {@code bpf_map_push_elem}. */
    public synchronized int push(MemorySegment value, long flags) {
        if (flags != ANY && flags != EXIST) return -Errno.EINVAL;
        int cap = spec.maxEntries();
        if (count == cap) {
            if (flags != EXIST) return -Errno.E2BIG;
            head = (head + 1) % cap; // drop the oldest
            count--;
        }
        int at = (head + count) % cap;
        MemorySegment.copy(value, 0, MemorySegment.ofArray(ring), (long) at * valueSize, valueSize);
        count++;
        return 0;
    }

    /** {@code bpf_map_pop_elem} / {@code peek}: copies the next value into {@code out}. */
    public synchronized int take(MemorySegment out, boolean remove) {
        if (count == 0) return -Errno.ENOENT;
        int cap = spec.maxEntries();
        int at = fifo ? head : (head + count - 1) % cap;
        MemorySegment.copy(MemorySegment.ofArray(ring), (long) at * valueSize, out, 0, valueSize);
        if (remove) {
            if (fifo) head = (head + 1) % cap;
            count--;
        }
        return 0;
    }

    public int push(byte[] value, long flags) {
        if (frozen()) return -Errno.EPERM;
        if (value.length != valueSize) return -Errno.EINVAL;
        return push(MemorySegment.ofArray(value), flags);
    }

    /** Removes and returns the next value, or null when empty. */
    public byte[] pop() {
        byte[] out = new byte[valueSize];
        return take(MemorySegment.ofArray(out), true) == 0 ? out : null;
    }

    public byte[] peek() {
        byte[] out = new byte[valueSize];
        return take(MemorySegment.ofArray(out), false) == 0 ? out : null;
    }

    /** The values in the order pops would return them. */
    public synchronized List<byte[]> values() {
        List<byte[]> out = new ArrayList<>(count);
        int cap = spec.maxEntries();
        for (int i = 0; i < count; i++) {
            int at = fifo ? (head + i) % cap : (head + count - 1 - i) % cap;
            byte[] v = new byte[valueSize];
            System.arraycopy(ring, at * valueSize, v, 0, valueSize);
            out.add(v);
        }
        return out;
    }

    @Override public int update(MemorySegment key, MemorySegment value, long flags) { return push(value, flags); }

    @Override public int update(byte[] key, byte[] value, long flags) { return push(value, flags); }

    @Override public synchronized int size() { return count; }

    @Override public List<byte[]> keys() { return List.of(); }
}
