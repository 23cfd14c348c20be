package dev.bypass.vm.maps;

import dev.bypass.vm.exec.Engine;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * {@code BPF_MAP_TYPE_PROG_ARRAY}: slots holding programs (their engines) that {@code bpf_tail_call} jumps to.
 * Only the host fills it ({@link #set}); programs may not update it, as in Linux. Slots are swapped atomically
 * so a host can replace a program while others run through the array.
 */
public final class ProgramArray extends BpfMap {
    private final AtomicReferenceArray<Engine> slots;

    ProgramArray(MapSpec spec) {
        super(spec);
        if (spec.keySize() != 4 || spec.valueSize() != 4)
            throw new MapException("program array " + spec.name() + ": key_size and value_size must be 4");
        if (spec.maxEntries() > 1 << 20) throw new MapException("program array " + spec.name() + ": too many entries");
        this.slots = new AtomicReferenceArray<>(spec.maxEntries());
    }

    /** Puts a program in a slot (null empties it); returns the previous one. */
    public Engine set(int index, Engine program) {
        if (index < 0 || index >= slots.length()) throw new MapException("program array " + name() + ": index " + index + " out of range", -Errno.E2BIG);
        return slots.getAndSet(index, program);
    }

    /** The program in slot {@code index}, or null (also for out-of-range indexes). */
    public Engine get(long index) {
        return index >= 0 && index < slots.length() ? slots.get((int) index) : null;
    }

    @Override public int update(MemorySegment key, MemorySegment value, long flags) { return -Errno.EINVAL; }

    @Override public int delete(MemorySegment key) {
        long i = key.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0) & 0xffffffffL;
        if (i >= slots.length()) return -Errno.E2BIG;
        return slots.getAndSet((int) i, null) == null ? -Errno.ENOENT : 0;
    }

    @Override public int update(byte[] key, byte[] value, long flags) { return -Errno.EINVAL; }

    @Override public int delete(byte[] key) {
        checkKey(key);
        return delete(MemorySegment.ofArray(key));
    }

    @Override public List<byte[]> keys() {
        List<byte[]> all = indexKeys(slots.length());
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < slots.length(); i++) if (slots.get(i) != null) out.add(all.get(i));
        return out;
    }
}
