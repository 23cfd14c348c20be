package dev.bypass.txnstore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
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

    private Batch pending = new Batch();
    /** The batch written last, cleared, for reuse by the next swap (only the thread owning the file swaps). */
    private Batch spare = new Batch();
    /** The segment frames appended now go to (the writer may still be on an older one). */
    private long appendSegment;
    /** Segment switches not yet carried out: frames before each switch, in order. */
    private record Roll(Batch frames, long ts, long seq) {}

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

    /** One change of a commit: a put, or a deletion when {@code value} is null. */
    record Op(Table table, byte[] key, byte[] value) {}

    /** The payload size of a commit's log record. */
    static long recordSize(List<Op> ops) {
        long size = 12;
        for (Op op : ops) size += 1 + 4 + op.table().nameBytes().length + 4 + op.key().length + (op.value() == null ? 0 : 4 + op.value().length);
        return size;
    }

    /**
     * Frames waiting for the file: small fields are copied into the buffer, fields of {@link Frames#LARGE_FIELD} bytes
     * or more are referred to (their arrays are immutable once committed), so a large value is never copied on its
     * way to the log.
     */
    static final class Batch extends Frames.Out {
        /** Large fields, each written after the buffer's bytes before {@code at[i]}. */
        private final List<byte[]> large = new ArrayList<>();
        private int[] at = new int[4];
        private final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();

        /** Appends one commit's frame. */
        void frame(long ts, List<Op> ops, int payload) {
            int start = len, firstLarge = large.size();
            ensure(Frames.HEADER);
            len += Frames.HEADER;
            i64(ts).i32(ops.size());
            for (Op op : ops) {
                u8(op.value() == null ? DELETE : PUT).bytes(op.table().nameBytes());
                field(op.key());
                if (op.value() != null) field(op.value());
            }
            crc.reset();
            Frames.updateLength(crc, payload);
            int from = start + Frames.HEADER;
            for (int i = firstLarge; i < large.size(); i++) {
                crc.update(buf, from, at[i] - from);
                crc.update(large.get(i));
                from = at[i];
            }
            crc.update(buf, from, len - from);
            putInt(start, MAGIC);
            putInt(start + 4, payload);
            putInt(start + 8, (int) crc.getValue());
        }

        private void field(byte[] b) {
            if (b.length < Frames.LARGE_FIELD) {
                bytes(b);
                return;
            }
            i32(b.length);
            if (large.size() == at.length) at = java.util.Arrays.copyOf(at, at.length * 2);
            at[large.size()] = len;
            large.add(b);
        }

        long size() {
            long n = len;
            for (byte[] b : large) n += b.length;
            return n;
        }

        boolean isEmpty() { return len == 0; }

        /** The frames as one array (large fields copied in). */
        byte[] toArray() {
            byte[] out = new byte[Math.toIntExact(size())];
            int from = 0, to = 0;
            for (int i = 0; i < large.size(); i++) {
                System.arraycopy(buf, from, out, to, at[i] - from);
                to += at[i] - from;
                System.arraycopy(large.get(i), 0, out, to, large.get(i).length);
                to += large.get(i).length;
                from = at[i];
            }
            System.arraycopy(buf, from, out, to, len - from);
            return out;
        }

        void writeTo(FileChannel ch) throws IOException {
            int from = 0;
            for (int i = 0; i < large.size(); i++) {
                Frames.writeFully(ch, buf, from, at[i] - from);
                Frames.writeFully(ch, large.get(i), 0, large.get(i).length);
                from = at[i];
            }
            Frames.writeFully(ch, buf, from, len - from);
        }

        void clear() {
            len = 0;
            large.clear();
            if (buf.length > 1 << 20) buf = new byte[256]; // give back what one burst needed
        }
    }

    /** One commit's frame as an array: the record a {@link CommitLog} carries. */
    static byte[] encode(long ts, List<Op> ops, int payload) {
        Batch b = new Batch();
        b.frame(ts, ops, payload);
        return b.toArray();
    }

    /** Buffers a commit's frame; returns the sequence number to wait for. Called in commit-timestamp order. */
    synchronized long append(long ts, List<Op> ops, int payload) {
        if (failure != null) throw new StoreException("write-ahead log failed earlier: " + failure.getMessage(), failure);
        if (closing) throw new StoreException("store is closed");
        long before = pending.size();
        pending.frame(ts, ops, payload);
        pendingTs = ts;
        bytesSinceRoll += pending.size() - before;
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
        Batch cur;
        long curTs, curSeq;
        List<Roll> pre;
        synchronized (this) {
            pre = new ArrayList<>(rolls);
            rolls.clear();
            cur = pending;
            curTs = pendingTs;
            curSeq = appendedSeq;
            pending = spare != null ? spare : new Batch();
            spare = null;
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
            if (!cur.isEmpty()) {
                write(cur);
                if (policy == SyncPolicy.ALWAYS) {
                    channel.force(false);
                    lastSync = System.nanoTime();
                } else dirty = true;
                publish(curTs, curSeq);
            }
            cur.clear();
            synchronized (this) {
                spare = cur;
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
        pending = new Batch();
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

    private void write(Batch b) throws IOException {
        b.writeTo(channel);
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
