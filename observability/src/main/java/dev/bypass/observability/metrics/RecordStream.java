package dev.bypass.observability.metrics;

import dev.bypass.vm.maps.RingBuffer;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Moves a ring buffer's records into a {@link RecordWriter} on a collector thread of its own, in batches: the
 * thread wakes every {@code period}, takes every committed record and formats it into the writer's buffer, which
 * goes to the file when it holds 64 KiB or once a second, whichever comes first. Programs submit without waking
 * anyone ({@code BPF_RB_NO_WAKEUP}), so the application's threads pay for the record and nothing else; formatting
 * happens here, and at thousands of records a second a batch costs one wake-up and a write costs one system call
 * for hundreds of records. The ring must hold what arrives during one period (a full ring drops records, which
 * programs count); the file is at most a second behind. {@link #close()} writes what was committed, then stops.
 */
public final class RecordStream implements AutoCloseable {
    /** How often the collector wakes by default. */
    public static final long DEFAULT_PERIOD_MS = 20;
    /** The longest records wait in the writer's buffer. */
    static final long FLUSH_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final RingBuffer ring;
    private final RecordWriter writer;
    private final long periodNanos;
    private final Consumer<Throwable> errors;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long delivered;
    private long lastFlush = System.nanoTime();

    private RecordStream(RingBuffer ring, RecordWriter writer, long periodMillis, Consumer<Throwable> errors) {
        this.ring = ring;
        this.writer = writer;
        this.periodNanos = TimeUnit.MILLISECONDS.toNanos(periodMillis);
        this.errors = errors;
        this.thread = Thread.ofPlatform().daemon().name("bypass-records-" + ring.name()).unstarted(this::loop);
    }

    /** Starts collecting; {@code errors} gets write failures (the stream goes on). */
    public static RecordStream start(RingBuffer ring, RecordWriter writer, long periodMillis, Consumer<Throwable> errors) {
        if (periodMillis < 1) throw new IllegalArgumentException("the collector's period must be at least 1 ms");
        RecordStream s = new RecordStream(ring, writer, periodMillis, errors);
        s.thread.start();
        return s;
    }

    private void loop() {
        while (running) {
            batch(false);
            LockSupport.parkNanos(this, periodNanos);
        }
        batch(true); // what was committed before close
    }

    private void batch(boolean last) {
        try {
            delivered += ring.drainReusing(Integer.MAX_VALUE, writer::write); // formatted at once: no array per record
            long now = System.nanoTime();
            if (last || writer.buffered() > 0 && now - lastFlush >= FLUSH_NANOS) {
                writer.flush();
                lastFlush = now;
            }
        } catch (RuntimeException e) {
            errors.accept(e);
        }
    }

    /** Records written so far. */
    public long delivered() { return delivered; }

    /** Writes the records already committed, stops the collector and closes the writer. */
    @Override public void close() throws IOException {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.close();
    }
}
