package dev.bypass.txnstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The write-ahead log: numbered segment files {@code wal-N.log} of CRC'd frames, one frame per committed
 * transaction ({@code ts, ops}). Committers append frames to a memory buffer in commit-timestamp order (under the
 * store's commit lock), then wait outside it. Group commit without a hand-off: the first waiter that finds no
 * write in progress becomes the leader, takes everything buffered so far (its own frame and any that arrived
 * meanwhile), writes it with one write and (policy {@link SyncPolicy#ALWAYS}) one fsync, publishes the newest
 * timestamp as visible and wakes the others. A commit therefore becomes visible to new snapshots only once it is
 * as durable as the policy promises. A background thread switches segments for checkpoints and runs the periodic
 * fsync of {@link SyncPolicy#INTERVAL}.
 */
final class Wal implements AutoCloseable {
    static final int MAGIC = 0x4c415742; // "BWAL"
    static final int PUT = 1, DELETE = 2;

    private final Path dir;
    private final SyncPolicy policy;
    private final long intervalNanos;
    private final AtomicLong visible;
    private FileChannel channel;
    private long segment;

    private Frames.Out pending = new Frames.Out();
    /** The segment frames appended now go to (the writer may still be on an older one). */
    private long appendSegment;
    /** Segment switches not yet carried out: frames before each switch, in order. */
    private record Roll(Frames.Out frames, long ts, long seq) {}

    private final java.util.ArrayDeque<Roll> rolls = new java.util.ArrayDeque<>();
    /** Finished segments whose fsync and close the background thread still owes (policies other than ALWAYS). */
    private final java.util.ArrayDeque<FileChannel> retired = new java.util.ArrayDeque<>();
    private long appendedSeq, writtenSeq, pendingTs;
    private long bytesSinceRoll;
    /** True while one thread (a leading committer or the background thread) owns the file. */
    private boolean writing;
    private boolean ownedByBackground;
    private boolean dirty;
    private long lastSync = System.nanoTime();
    private boolean closing;
    private IOException failure;
    private final Thread background;

    Wal(Path dir, long segment, SyncPolicy policy, long intervalMillis, AtomicLong visible) throws IOException {
        this.dir = dir;
        this.policy = policy;
        this.intervalNanos = intervalMillis * 1_000_000L;
        this.visible = visible;
        this.segment = segment;
        this.appendSegment = segment;
        this.channel = open(segment);
        this.background = Thread.ofPlatform().name("txn-store-wal").daemon().start(this::backgroundLoop);
    }

    static Path segmentPath(Path dir, long id) { return dir.resolve(String.format("wal-%016d.log", id)); }

    private FileChannel open(long id) throws IOException {
        FileChannel ch = FileChannel.open(segmentPath(dir, id), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        // Under ALWAYS an acknowledged commit may sit in this file: its directory entry must be durable first.
        // Otherwise the background thread syncs the directory with the retired segment.
        if (policy == SyncPolicy.ALWAYS) Checkpoints.syncDirectory(dir);
        return ch;
    }

    static byte[] encode(long ts, List<Map.Entry<Table, Map.Entry<byte[], byte[]>>> ops) {
        int size = 12;
        for (Map.Entry<Table, Map.Entry<byte[], byte[]>> op : ops) {
            byte[] value = op.getValue().getValue();
            size += 1 + 4 + op.getKey().nameBytes().length + 4 + op.getValue().getKey().length + (value == null ? 0 : 4 + value.length);
        }
        Frames.Out o = new Frames.Out(size);
        o.i64(ts).i32(ops.size());
        for (Map.Entry<Table, Map.Entry<byte[], byte[]>> op : ops) {
            byte[] value = op.getValue().getValue();
            o.u8(value == null ? DELETE : PUT).bytes(op.getKey().nameBytes()).bytes(op.getValue().getKey());
            if (value != null) o.bytes(value);
        }
        return o.frame(MAGIC);
    }

    /** Buffers a frame; returns the sequence number to wait for. Called in commit-timestamp order. */
    synchronized long append(byte[] frame, long ts) {
        if (failure != null) throw new StoreException("write-ahead log failed earlier: " + failure.getMessage(), failure);
        if (closing) throw new StoreException("store is closed");
        pending.ensure(frame.length);
        System.arraycopy(frame, 0, pending.buf, pending.len, frame.length);
        pending.len += frame.length;
        pendingTs = ts;
        bytesSinceRoll += frame.length;
        return ++appendedSeq;
    }

    /** The sequence number of the newest frame buffered so far. */
    synchronized long appended() { return appendedSeq; }

    /** Waits until the frame with this sequence number is written (and synced, under {@link SyncPolicy#ALWAYS}). */
    void await(long seq) {
        boolean interrupted = false;
        synchronized (this) {
            while (writtenSeq < seq) {
                if (failure != null) throw new StoreException("write-ahead log failed: " + failure.getMessage(), failure);
                if (!writing) {
                    writing = true;
                    break;
                }
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true; // the commit is already in the log buffer; finish it
                }
            }
            if (writtenSeq >= seq) {
                if (interrupted) Thread.currentThread().interrupt();
                return;
            }
        }
        try {
            drain();
        } finally {
            release();
            if (interrupted) Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (failure != null && writtenSeq < seq) throw new StoreException("write-ahead log failed: " + failure.getMessage(), failure);
        }
    }

    private synchronized void release() {
        writing = false;
        notifyAll();
    }

    /** Writes everything buffered (finishing a pending segment switch first); the caller owns the file. */
    private void drain() {
        Frames.Out cur;
        long curTs, curSeq;
        List<Roll> pre;
        synchronized (this) {
            pre = new ArrayList<>(rolls);
            rolls.clear();
            cur = pending;
            curTs = pendingTs;
            curSeq = appendedSeq;
            pending = new Frames.Out();
        }
        try {
            for (Roll r : pre) {
                write(r.frames());
                if (policy == SyncPolicy.ALWAYS) {
                    channel.force(false);
                    channel.close();
                } else {
                    // a committer may be the one switching: leave the fsync and close to the background thread
                    FileChannel old = channel;
                    synchronized (this) {
                        retired.add(old);
                        notifyAll();
                    }
                }
                segment++;
                channel = open(segment);
                publish(r.ts(), r.seq());
            }
            if (cur.len > 0) {
                write(cur);
                if (policy == SyncPolicy.ALWAYS) {
                    channel.force(false);
                    lastSync = System.nanoTime();
                } else dirty = true;
                publish(curTs, curSeq);
            }
        } catch (IOException e) {
            synchronized (this) {
                failure = e;
                notifyAll();
            }
        }
    }

    /**
     * Starts a new segment: frames appended so far go to the current one, later frames to the next. Returns the new
     * segment's number. Called under the commit lock, so the split is at a commit-timestamp boundary; never waits:
     * the next writer (a committer or the background thread) carries the switch out.
     */
    synchronized long roll() {
        if (failure != null) throw new StoreException("write-ahead log failed: " + failure.getMessage(), failure);
        rolls.add(new Roll(pending, pendingTs, appendedSeq));
        pending = new Frames.Out();
        bytesSinceRoll = 0;
        notifyAll();
        return ++appendSegment;
    }

    synchronized long bytesSinceRoll() { return bytesSinceRoll; }

    /** Finishes segment switches and runs the periodic fsync of {@link SyncPolicy#INTERVAL}. */
    private void backgroundLoop() {
        while (true) {
            synchronized (this) {
                while (true) {
                    if (closing || failure != null) return;
                    boolean syncDue = dirty && policy == SyncPolicy.INTERVAL && System.nanoTime() - lastSync >= intervalNanos;
                    if (!retired.isEmpty()) break; // no need to own the file for a retired segment
                    if (!writing && (!rolls.isEmpty() || syncDue)) {
                        writing = true;
                        ownedByBackground = true;
                        break;
                    }
                    try {
                        wait(dirty && policy == SyncPolicy.INTERVAL ? Math.max(1, intervalNanos / 1_000_000) : 0);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            boolean owner;
            FileChannel old;
            synchronized (this) {
                owner = writing && ownedByBackground;
                old = retired.poll();
            }
            try {
                if (old != null) {
                    old.force(false);
                    old.close();
                    Checkpoints.syncDirectory(dir);
                }
                if (owner) {
                    drain();
                    if (dirty && policy == SyncPolicy.INTERVAL && System.nanoTime() - lastSync >= intervalNanos) {
                        channel.force(false);
                        dirty = false;
                        lastSync = System.nanoTime();
                    }
                }
            } catch (IOException e) {
                synchronized (this) {
                    failure = e;
                    notifyAll();
                }
            } finally {
                if (owner) {
                    synchronized (this) {
                        ownedByBackground = false;
                    }
                    release();
                }
            }
        }
    }

    private void write(Frames.Out o) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(o.buf, 0, o.len);
        while (b.hasRemaining()) channel.write(b);
        writes.increment();
    }

    private final java.util.concurrent.atomic.LongAdder writes = new java.util.concurrent.atomic.LongAdder();

    /** Writes of buffered frames so far (each covers every commit buffered when it started: group commit). */
    long writes() { return writes.sum(); }

    private synchronized void publish(long ts, long seq) {
        if (seq > writtenSeq) {
            visible.set(ts);
            writtenSeq = seq;
        }
        notifyAll();
    }

    synchronized long segment() { return segment; }

    @Override public void close() throws IOException {
        synchronized (this) {
            closing = true;
            notifyAll();
            while (writing) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            writing = true;
        }
        try {
            background.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drain();
        for (FileChannel old; (old = retired.poll()) != null; ) {
            old.force(false);
            old.close();
        }
        if (channel.isOpen()) {
            channel.force(false);
            channel.close();
        }
        Checkpoints.syncDirectory(dir);
    }

    /** Segment numbers present in {@code dir}, ascending. */
    static List<Long> segments(Path dir) throws IOException {
        List<Long> ids = new ArrayList<>();
        try (var s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (n.startsWith("wal-") && n.endsWith(".log")) {
                    try {
                        ids.add(Long.parseLong(n.substring(4, n.length() - 4)));
                    } catch (NumberFormatException ignored) {
                        // not ours
                    }
                }
            }
        }
        ids.sort(null);
        return ids;
    }
}
