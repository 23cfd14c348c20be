package dev.bypass.vm.maps;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * {@code BPF_MAP_TYPE_PERF_EVENT_ARRAY}: the older event channel {@code bpf_perf_event_output} writes to, one
 * buffer per CPU index. Here the buffers are one bounded queue of records tagged with their CPU index (so a host
 * reads them in commit order); when it is full a record is dropped and counted in {@link #lost()}, as a full perf
 * buffer drops and counts samples. Keys are CPU indexes (4 bytes); values (the perf event fds in Linux) are
 * unused.
 */
public final class PerfEventArray extends BpfMap {
    /** A record as the host receives it. */
    public record Sample(int cpu, byte[] data) {}

    /** {@code BPF_F_CURRENT_CPU}: the index that means "this CPU". */
    public static final long CURRENT_CPU = 0xffffffffL;
    /** Records kept per CPU index before new ones are dropped. */
    public static final int RECORDS_PER_CPU = 4096;

    private final ArrayBlockingQueue<Sample> queue;
    private final AtomicLong lost = new AtomicLong();

    PerfEventArray(MapSpec spec) {
        super(spec);
        if (spec.keySize() != 4 || spec.valueSize() != 4)
            throw new MapException("perf event array " + spec.name() + ": key_size and value_size must be 4");
        if (spec.maxEntries() > 4096) throw new MapException("perf event array " + spec.name() + ": too many entries");
        this.queue = new ArrayBlockingQueue<>(spec.maxEntries() * RECORDS_PER_CPU);
    }

    /** {@code bpf_perf_event_output}: queues a copy of {@code data} for CPU index {@code index}. */
    public int output(long index, int currentCpu, MemorySegment data) {
        long i = index == CURRENT_CPU ? currentCpu : index;
        if (i < 0 || i >= spec.maxEntries()) return -Errno.E2BIG;
        if (!queue.offer(new Sample((int) i, copy(data)))) {
            lost.incrementAndGet();
            return -Errno.ENOSPC;
        }
        return 0;
    }

    /** Records dropped because the buffer was full. */
    public long lost() { return lost.get(); }

    /** Waits up to {@code timeout} for a record, then delivers up to {@code max}; returns how many. */
    public int poll(int max, long timeout, TimeUnit unit, Consumer<Sample> handler) throws InterruptedException {
        Sample first = queue.poll(timeout, unit);
        if (first == null) return 0;
        handler.accept(first);
        int n = 1;
        Sample s;
        while (n < max && (s = queue.poll()) != null) {
            handler.accept(s);
            n++;
        }
        return n;
    }

    /** Every queued record (consumes them). */
    public List<Sample> drain() {
        List<Sample> out = new ArrayList<>();
        queue.drainTo(out);
        return out;
    }

    @Override public int size() { return queue.size(); }
}
