package dev.bypass.programs;

import dev.bypass.vm.maps.RingBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Drains a ring buffer on a background thread and hands records to a listener in batches, the host-side half of
 * an event stream (what libbpf's {@code ring_buffer__poll} loop does). The thread blocks in
 * {@link RingBuffer#poll} while the ring is empty; {@link #close()} stops it after delivering what was committed.
 * Listener exceptions are passed to the error handler and do not stop the stream.
 */
public final class RingBufferConsumer implements AutoCloseable {
    private final RingBuffer ring;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long delivered;

    private RingBufferConsumer(RingBuffer ring, int batch, Consumer<List<byte[]>> listener, Consumer<Throwable> errors) {
        this.ring = ring;
        this.thread = Thread.ofPlatform().daemon().name("bypass-ringbuf-" + ring.name()).unstarted(() -> loop(batch, listener, errors));
    }

    /** Starts consuming: {@code listener} gets up to {@code batch} records at a time, in commit order. */
    public static RingBufferConsumer start(RingBuffer ring, int batch, Consumer<List<byte[]>> listener, Consumer<Throwable> errors) {
        if (batch < 1) throw new IllegalArgumentException("batch must be positive");
        RingBufferConsumer c = new RingBufferConsumer(ring, batch, listener, errors);
        c.thread.start();
        return c;
    }

    private void loop(int batch, Consumer<List<byte[]>> listener, Consumer<Throwable> errors) {
        List<byte[]> pending = new java.util.ArrayList<>(batch);
        while (running || ring.query(RingBuffer.AVAIL_DATA) > 0) {
            try {
                int n = ring.poll(batch, 50, TimeUnit.MILLISECONDS, pending::add);
                if (n == 0) {
                    if (!running) break; // only uncommitted records are left
                    continue;
                }
                List<byte[]> out = List.copyOf(pending);
                pending.clear();
                delivered += out.size();
                try {
                    listener.accept(out);
                } catch (RuntimeException e) {
                    errors.accept(e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Records handed to the listener so far. */
    public long delivered() { return delivered; }

    /** Stops after delivering the records already committed; waits for the consumer thread. */
    @Override public void close() {
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
