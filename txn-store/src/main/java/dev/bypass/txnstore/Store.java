package dev.bypass.txnstore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * An embedded multi-versioned transactional store. See the package documentation for the design.
 *
 * <pre>{@code
 * try (Store store = Store.open(StoreOptions.durable(dir))) {
 *     Table accounts = store.table("accounts");
 *     store.run(Isolation.SERIALIZABLE, tx -> { tx.put(accounts, key, value); });
 * }
 * }</pre>
 */
public final class Store implements AutoCloseable {
    /** Attempts {@link #call} makes before giving up on repeated serialization failures. */
    public static final int MAX_ATTEMPTS = 1000;

    final Epochs epochs = new Epochs(1024);
    private final StoreOptions options;
    private final ConcurrentHashMap<String, Table> tables = new ConcurrentHashMap<>();
    private final ReentrantLock commitLock = new ReentrantLock();
    /** Newest commit timestamp handed out; guarded by the commit lock. */
    private long lastAssigned;
    /** Newest commit timestamp visible to new snapshots (durable as the sync policy promises). */
    private final AtomicLong visible = new AtomicLong();
    /**
     * Newest commit installed (ordered, its log write possibly still owed), and the log write it owes: deferred
     * transactions read at this timestamp and acknowledge nothing before that write. The ticket is published before
     * the timestamp, so a reader that sees a timestamp sees a ticket at least as new.
     */
    private volatile long installed, installedTicket;
    private volatile long horizon;
    private int commitsSinceHorizon;
    private final Wal wal;
    /** The log deciding commits in place of {@link #wal} (a replicated store), or null. */
    private final CommitLog external;
    /** True while {@link #reload} replaces the data: transactions wait to begin. */
    private volatile boolean reloading;
    private final FileChannel lockChannel;
    private final FileLock dirLock;
    private final RecoveryReport recovery;
    private final ExecutorService background;
    private final Object checkpointMonitor = new Object();
    private volatile CompletableFuture<CheckpointResult> runningCheckpoint;
    private volatile boolean closed;
    private final LongAdder commits = new LongAdder(), conflicts = new LongAdder(), deletions = new LongAdder();
    /** Estimated heap bytes of the committed data (keys, versions and their values, per-record overhead). */
    private final LongAdder dataBytes = new LongAdder();
    private volatile CheckpointResult lastCheckpoint;

    private Store(StoreOptions options, CommitLog external) throws IOException {
        this.options = options;
        this.external = external;
        if (external != null && options.inMemoryMode())
            throw new IllegalArgumentException("a store on an external commit log needs a directory for its checkpoints");
        this.background = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("txn-store-checkpoint").daemon().unstarted(r));
        if (options.inMemoryMode()) {
            wal = null;
            lockChannel = null;
            dirLock = null;
            recovery = RecoveryReport.none();
            return;
        }
        Path dir = options.directory();
        Files.createDirectories(dir);
        lockChannel = FileChannel.open(dir.resolve("LOCK"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) {
            lockChannel.close();
            throw new StoreException("store directory " + dir + " is in use by another store");
        }
        dirLock = l;
        try {
            Recovery r = new Recovery(dir, this);
            recovery = r.run();
            lastAssigned = recovery.lastTimestamp();
            visible.set(lastAssigned);
            installed = lastAssigned;
            horizon = lastAssigned;
            if (external != null) {
                if (!Wal.segments(dir).isEmpty())
                    throw new StoreException("store directory " + dir + " holds a write-ahead log of a single-node store; a replica's directory holds checkpoints only");
                wal = null;
            } else wal = new Wal(dir, r.nextSegment(), options.syncPolicy(), options.syncIntervalMillis(), visible);
        } catch (IOException | RuntimeException e) {
            dirLock.release();
            lockChannel.close();
            throw e;
        }
    }

    /** Opens (creating or recovering) a store. */
    public static Store open(StoreOptions options) { return open(options, null); }

    /**
     * Opens a store whose commits are decided by {@code log} (a replicated log) instead of its own write-ahead log:
     * the directory holds only checkpoints, loaded at open; the log brings the commits after the newest one.
     */
    public static Store open(StoreOptions options, CommitLog log) {
        Store s;
        try {
            s = new Store(options, log);
        } catch (IOException e) {
            throw new StoreException("cannot open store in " + options.directory() + ": " + e.getMessage(), e);
        }
        if (log != null) {
            log.attach(new Replica(s));
            s.installedTicket = log.appended();
        }
        return s;
    }

    /** A store that lives only in memory. */
    public static Store inMemory() { return open(StoreOptions.inMemory()); }

    public StoreOptions options() { return options; }

    public RecoveryReport recovery() { return recovery; }

    /** The table with this name, created when absent. Names are non-empty and may not contain '#'. */
    public Table table(String name) {
        Table t = tables.get(name);
        if (t != null) return t;
        if (name.isEmpty() || name.indexOf('#') >= 0) throw new IllegalArgumentException("bad table name '" + name + "'");
        return tables.computeIfAbsent(name, Table::new);
    }

    /**
     * A table of the store's own, named {@code #name}: logged, checkpointed and recovered like any other, but out of
     * reach of {@link #table}, so neither programs nor RESP clients can write it.
     */
    public Table systemTable(String name) {
        if (name.isEmpty() || name.indexOf('#') >= 0) throw new IllegalArgumentException("bad system table name '" + name + "'");
        return tableForReplay("#" + name);
    }

    /** Tables created so far (including index tables, whose names contain '#'), by name. */
    public Collection<Table> tables() {
        TreeMap<String, Table> sorted = new TreeMap<>(tables);
        return List.copyOf(sorted.values());
    }

    /** Table lookup used by recovery and the log: index tables by their internal name too. */
    Table tableForReplay(String name) { return tables.computeIfAbsent(name, Table::new); }

    /**
     * Declares a secondary index over {@code table}: entries are maintained in every later commit, and existing
     * rows are indexed now. Declaring it again after a restart (index entries were recovered) is cheap.
     */
    public Index createIndex(String table, String name, Index.KeyFunction function) {
        Table base = table(table);
        for (Index ix : base.indexes) if (ix.name().equals(name)) throw new IllegalArgumentException("index " + name + " on " + table + " already exists");
        Table entries = tableForReplay(table + "#" + name);
        Index ix = new Index(name, base, entries, function);
        commitLock.lock();
        try {
            entries.indexOf = ix;
            boolean rebuild = entries.records.isEmpty() && !base.records.isEmpty();
            base.indexes.add(ix);
            if (rebuild) {
                // Index the current rows in one commit, as if the index had always existed.
                List<Wal.Op> ops = new ArrayList<>();
                for (Map.Entry<byte[], Record> e : base.records.entrySet()) {
                    Version h = e.getValue().head;
                    if (h == null || h.value == null) continue;
                    byte[] ik = ix.keyOf(e.getKey(), h.value);
                    if (ik != null) ops.add(op(entries, Index.entryKey(ik, e.getKey()), new byte[0]));
                }
                if (!ops.isEmpty()) publishLocked(ops);
            }
        } finally {
            commitLock.unlock();
        }
        return ix;
    }

    /** The index of that name on that table, or null. */
    public Index index(String table, String name) {
        for (Index ix : table(table).indexes) if (ix.name().equals(name)) return ix;
        return null;
    }

    /** Begins a read-write transaction at {@link Isolation#SERIALIZABLE}. */
    public Transaction begin() { return begin(Isolation.SERIALIZABLE); }

    public Transaction begin(Isolation isolation) { return start(isolation, false); }

    /**
     * Begins a read-only transaction: it reads one consistent snapshot, takes no locks, is never blocked and never
     * aborts (it is serializable too: writers are serialized in commit order, and a snapshot is a prefix of it).
     */
    public Transaction beginReadOnly() { return start(Isolation.SNAPSHOT, true); }

    private Transaction start(Isolation isolation, boolean readOnly) {
        if (closed) throw new StoreException("store is closed");
        long first = visible.get();
        int slot = enterEpoch(first);
        return new Transaction(this, isolation, readOnly, visible.get(), slot);
    }

    /** Claims an epoch slot, first waiting out a {@link #reload} (which waits for every slot to be free). */
    private int enterEpoch(long ts) {
        for (;;) {
            int slot = epochs.enter(ts);
            if (!reloading) return slot;
            epochs.exit(slot);
            while (reloading) java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    /**
     * A transaction reading every installed commit, including those whose log write is still owed; it must not
     * acknowledge anything before {@link #awaitDurable} returns for its {@link Transaction#logTicket()}, which
     * starts at the log write of the newest commit it can see.
     */
    private Transaction startDeferred(Isolation isolation, boolean readOnly) {
        if (closed) throw new StoreException("store is closed");
        int slot = enterEpoch(installed);
        long snapshot = installed, ticket = installedTicket;
        if (wal == null && external == null && snapshot > visible.get()) snapshot = visible.get();
        Transaction tx = new Transaction(this, isolation, readOnly, snapshot, slot);
        tx.logTicket = ticket;
        return tx;
    }

    /**
     * Runs {@code body} in a transaction, commits it and returns the body's result, running it again (in a fresh transaction) after each
     * {@link SerializationFailure}, up to {@link #MAX_ATTEMPTS} times. The body may commit or abort itself.
     */
    public <T> T call(Isolation isolation, Function<Transaction, T> body) {
        for (int attempt = 1; ; attempt++) {
            try (Transaction tx = begin(isolation)) {
                T result = body.apply(tx);
                if (tx.isActive()) tx.commit();
                return result;
            } catch (SerializationFailure e) {
                if (attempt >= MAX_ATTEMPTS) throw e;
                prepareRetry(attempt);
            }
        }
    }

    /**
     * Like {@link #call}, but the commit does not wait for its log write: the result comes with the ticket to pass
     * to {@link #awaitDurable} before acknowledging it (0 when nothing is owed). The transaction reads every installed
     * commit, durable or not (so a client's next command sees its writes, and writers of one key in one round do
     * not conflict with each other); its ticket covers the newest of them too. Until the ticket is written, the
     * commit is not durable and not visible to {@link #begin} or {@link #read}. A server uses this to cover all the
     * commits of one round of reads with one log write.
     */
    public <T> Deferred<T> callDeferred(Isolation isolation, Function<Transaction, T> body) {
        for (int attempt = 1; ; attempt++) {
            try (Transaction tx = startDeferred(isolation, false)) {
                T result = body.apply(tx);
                boolean committed = tx.isActive() && tx.commitDeferred() > tx.snapshot;
                return new Deferred<>(result, tx.logTicket(), committed);
            } catch (SerializationFailure e) {
                if (attempt >= MAX_ATTEMPTS) throw e;
                backoff(attempt); // the winner is installed, so the next attempt sees it: no need to wait for its log write
            }
        }
    }

    /** Like {@link #read}, reading installed commits whose log write may be owed; see {@link #callDeferred}. */
    public <T> Deferred<T> readDeferred(Function<Transaction, T> body) {
        try (Transaction tx = startDeferred(Isolation.SNAPSHOT, true)) {
            T result = body.apply(tx);
            return new Deferred<>(result, tx.logTicket());
        }
    }

    /**
     * A result whose commit owes the log write {@code ticket} (0: none); see {@link #awaitDurable}. {@code committed}:
     * the transaction committed writes of its own (whose log write then certifies what it read); false for reads and
     * for transactions that wrote nothing.
     */
    public record Deferred<T>(T result, long ticket, boolean committed) {
        public Deferred(T result, long ticket) { this(result, ticket, false); }
    }

    /**
     * Waits until the commit holding {@code ticket}, and every commit before it, is written to the log (and synced
     * under {@link SyncPolicy#ALWAYS}) and visible. Tickets grow with commit order, so awaiting the largest of
     * several covers them all.
     *
     * @throws StoreException when the log cannot be written: the commits are then not durable
     */
    public void awaitDurable(long ticket) {
        if (ticket <= 0) return;
        if (external != null) {
            external.await(ticket);
            return;
        }
        if (wal == null) return;
        wal.await(ticket);
        maybeAutoCheckpoint();
    }

    /**
     * Like {@link #awaitDurable}, for callers that must not be held: a server's I/O thread that goes on reading and
     * proposing while a round's commits are under way. {@code confirmReads}: some of what the ticket covers is a
     * read whose reply needs no commit of its own (it is confirmed linearizable on a replicated leader); false when
     * every reply is a commit's own. On a store with its own write-ahead log this waits in the call (the caller is the
     * one writing the log) and returns a completed future. Fails with {@link StoreException} when the commits must
     * not be acknowledged.
     */
    public CompletableFuture<Void> whenDurable(long ticket, boolean confirmReads) {
        if (ticket > 0 && external != null) return external.durable(ticket, confirmReads);
        return DurableWaits.waitedInCall(() -> awaitDurable(ticket));
    }

    /** Like {@link #call}, for bodies without a result. */
    public void run(Isolation isolation, Consumer<Transaction> body) {
        call(isolation, tx -> {
            body.accept(tx);
            return null;
        });
    }

    /** Runs a read-only transaction. */
    public <T> T read(Function<Transaction, T> body) {
        try (Transaction tx = beginReadOnly()) {
            return body.apply(tx);
        }
    }

    /**
     * Waits before attempt {@code attempt + 1} of a transaction that lost validation, for callers that run their own
     * retry loop (as {@link #call} does). The commit that won may be one whose log write is still owed (a commit in
     * flight on another thread, or a deferred commit of this one); until it is written it stays invisible and a
     * retry would meet the same conflict again, so the log is brought up to date first; then a randomised backoff
     * growing with {@code attempt} spreads the contenders out.
     *
     * @param attempt the number of attempts made so far, from 1
     */
    public void prepareRetry(int attempt) {
        if (wal != null) wal.await(wal.appended());
        else if (external != null) external.await(external.appended());
        backoff(attempt);
    }

    private static void backoff(int attempt) {
        if (attempt < 4) {
            Thread.onSpinWait();
            return;
        }
        long nanos = ThreadLocalRandom.current().nextLong(1_000, 1_000L * Math.min(1 << Math.min(attempt, 10), 1000));
        java.util.concurrent.locks.LockSupport.parkNanos(nanos);
    }

    private static Wal.Op op(Table t, byte[] key, byte[] value) { return new Wal.Op(t, key, value); }

    /** Validation, timestamp, install and log append under the commit lock; the durability wait outside it. */
    long commit(Transaction tx, boolean awaitLog) {
        long seq;
        long ts;
        commitLock.lock();
        try {
            if (closed) throw new StoreException("store is closed");
            validate(tx);
            tx.runCommitActions(lastAssigned);
            List<Wal.Op> ops = new ArrayList<>();
            for (Map.Entry<Table, TreeMap<byte[], byte[]>> tw : tx.writes.entrySet()) {
                Table t = tw.getKey();
                List<Index> indexes = t.indexes;
                for (Map.Entry<byte[], byte[]> w : tw.getValue().entrySet()) {
                    byte[] value = w.getValue() == Transaction.TOMBSTONE ? null : w.getValue();
                    byte[] key = w.getKey();
                    if (!indexes.isEmpty()) {
                        Record r = t.get(key);
                        byte[] old = r == null || r.head == null ? null : r.head.value;
                        for (Index ix : indexes) {
                            byte[] oldKey = ix.keyOf(key, old), newKey = ix.keyOf(key, value);
                            if (oldKey != null && newKey != null && java.util.Arrays.equals(oldKey, newKey)) continue;
                            if (oldKey != null) ops.add(op(ix.entries(), Index.entryKey(oldKey, key), null));
                            if (newKey != null) ops.add(op(ix.entries(), Index.entryKey(newKey, key), new byte[0]));
                        }
                    }
                    if (value == null) {
                        Record r = t.get(key);
                        if (r == null || r.head == null || r.head.value == null) continue; // deleting nothing
                        deletions.increment();
                    }
                    ops.add(op(t, key, value));
                }
            }
            if (ops.isEmpty()) return tx.snapshot;
            int size = checkRecordSize(ops);
            ts = lastAssigned + 1;
            // An external log may refuse the commit (a follower): it is asked before anything is installed.
            long externalSeq = external == null ? -1 : external.append(ts, Wal.encode(ts, ops, size));
            lastAssigned = ts;
            install(ops, ts);
            if (external != null) {
                seq = externalSeq;
                installedTicket = seq;
            } else if (wal == null) {
                visible.set(ts);
                seq = -1;
            } else {
                seq = wal.append(ts, ops, size);
                installedTicket = seq;
            }
            installed = ts;
        } finally {
            commitLock.unlock();
        }
        commits.increment();
        if (seq >= 0) {
            if (!awaitLog) {
                tx.logTicket = seq;
                return ts;
            }
            awaitDurable(seq);
        }
        return ts;
    }

    /** Installs and logs ops as one commit; caller holds the commit lock. */
    private void publishLocked(List<Wal.Op> ops) {
        int size = checkRecordSize(ops);
        long ts = lastAssigned + 1;
        long externalSeq = external == null ? -1 : external.append(ts, Wal.encode(ts, ops, size));
        lastAssigned = ts;
        install(ops, ts);
        if (external != null) {
            long seq = externalSeq;
            installedTicket = seq;
            installed = ts;
            external.await(seq);
        } else if (wal == null) visible.set(ts);
        else {
            long seq = wal.append(ts, ops, size);
            installedTicket = seq;
            installed = ts;
            wal.await(seq);
        }
        installed = ts;
    }

    /**
     * The size of the commit's log record, checked against the limit before anything is installed: a commit the
     * log could not hold, or recovery could not read back, is refused rather than acknowledged.
     */
    private int checkRecordSize(List<Wal.Op> ops) {
        long size = Wal.recordSize(ops);
        if (size > options.maxRecordBytes())
            throw new CommitTooLargeException("commit refused: its log record would be " + size + " bytes, above the limit of "
                    + options.maxRecordBytes() + " bytes per commit");
        return (int) size;
    }

    private void install(List<Wal.Op> ops, long ts) {
        if (++commitsSinceHorizon >= 64) {
            commitsSinceHorizon = 0;
            horizon = epochs.horizon(visible.get());
        }
        long h = horizon;
        long added = 0;
        for (Wal.Op o : ops) {
            Table t = o.table();
            byte[] key = o.key(), value = o.value();
            Record r = t.get(key);
            if (r == null) {
                if (value != null) {
                    t.insert(key, new Record(new Version(ts, value, null)));
                    added += Version.recordBytes(key, value);
                }
            } else {
                Version head = new Version(ts, value, r.head);
                added += Version.bytes(value);
                if (h > r.prunedAt) {
                    added -= head.prune(h);
                    r.prunedAt = h;
                }
                r.head = head;
            }
        }
        dataBytes.add(added);
    }

    private void validate(Transaction tx) {
        long s = tx.snapshot;
        for (Map.Entry<Table, TreeMap<byte[], byte[]>> tw : tx.writes.entrySet())
            for (byte[] key : tw.getValue().keySet()) {
                Record r = tw.getKey().get(key);
                if (r != null && r.latestTs() > s) fail("write-write conflict on " + tw.getKey().name() + " key " + show(key));
            }
        if (tx.reads == null) return;
        for (Transaction.KeyRead kr : tx.reads) {
            Record r = kr.table().get(kr.key());
            if (r != null && r.latestTs() > s) fail("read of " + kr.table().name() + " key " + show(kr.key()) + " is stale");
        }
        for (Transaction.RangeRead rr : tx.ranges) {
            var m = rr.table().records;
            var sub = rr.from() != null && rr.to() != null
                    ? (Bytes.ORDER.compare(rr.from(), rr.to()) >= 0 ? java.util.Collections.<byte[], Record>emptyNavigableMap() : m.subMap(rr.from(), true, rr.to(), false))
                    : rr.from() != null ? m.tailMap(rr.from(), true) : rr.to() != null ? m.headMap(rr.to(), false) : m;
            for (Record r : sub.values())
                if (r.latestTs() > s) fail("range read of " + rr.table().name() + " changed (phantom or update)");
        }
    }

    private void fail(String why) {
        conflicts.increment();
        throw new SerializationFailure("serialization failure: " + why);
    }

    static String show(byte[] key) {
        StringBuilder sb = new StringBuilder();
        for (byte b : key) {
            if (b >= 0x20 && b < 0x7f && b != '\\') sb.append((char) b);
            else sb.append(String.format("\\x%02x", b & 0xff));
            if (sb.length() > 64) return sb.append("...").toString();
        }
        return sb.toString();
    }

    /** Removes versions no snapshot can read and deleted keys whose deletion every snapshot sees. */
    public void vacuum() {
        long h = epochs.horizon(visible.get());
        List<Map.Entry<Table, Map.Entry<byte[], Record>>> dead = new ArrayList<>();
        for (Table t : tables.values())
            for (Map.Entry<byte[], Record> e : t.records.entrySet()) {
                Version head = e.getValue().head;
                if (head == null) continue;
                dataBytes.add(-head.prune(h));
                if (head.value == null && head.ts <= h) dead.add(Map.entry(t, Map.entry(e.getKey(), e.getValue())));
            }
        if (dead.isEmpty()) return;
        commitLock.lock();
        try {
            for (var d : dead) {
                Record r = d.getValue().getValue();
                Version head = r.head;
                if (head != null && head.value == null && head.ts <= h && d.getKey().remove(d.getValue().getKey(), r))
                    dataBytes.add(-Version.recordOverhead(d.getValue().getKey()) - head.chainBytes());
            }
        } finally {
            commitLock.unlock();
        }
    }

    /**
     * Estimated heap bytes held by committed data: keys, every version still reachable and its value, and a fixed
     * per-record and per-version overhead. Servers compare it with their memory limit.
     */
    public long memoryUsage() { return Math.max(0, dataBytes.sum()); }

    /** Counts data recovery loaded. */
    void accountRecovered(long bytes) { dataBytes.add(bytes); }

    /** Newest timestamp visible to new transactions. */
    public long lastCommitTimestamp() { return visible.get(); }

    /**
     * Takes a checkpoint on the calling thread: a snapshot (writers are held only to read the timestamp and switch
     * the log segment) written to a new checkpoint file while writers go on; then old log segments and checkpoints
     * are removed, keeping the previous checkpoint and the log since it as a fallback.
     */
    public CheckpointResult checkpoint() {
        if (wal == null && external == null) throw new StoreException("an in-memory store has no checkpoints");
        synchronized (checkpointMonitor) {
            long t0 = System.nanoTime();
            long ts, firstSegment;
            int slot;
            commitLock.lock();
            try {
                if (closed) throw new StoreException("store is closed");
                // On an external log only durable commits go into a checkpoint: the others may still be dropped.
                ts = external != null ? visible.get() : lastAssigned;
                slot = epochs.enter(ts);
                firstSegment = external != null ? 0 : wal.roll();
            } finally {
                commitLock.unlock();
            }
            long t1 = System.nanoTime();
            try {
                Path dir = options.directory();
                long n = Checkpoints.write(dir, ts, firstSegment, tables());
                removeObsolete(dir);
                CheckpointResult r = new CheckpointResult(ts, n, t1 - t0, System.nanoTime() - t0, Checkpoints.path(dir, ts).toString());
                lastCheckpoint = r;
                return r;
            } catch (IOException e) {
                throw new StoreException("checkpoint failed: " + e.getMessage(), e);
            } finally {
                epochs.exit(slot);
                vacuum();
            }
        }
    }

    /** Starts a checkpoint on the store's background thread (one at a time: a running one is returned). */
    public synchronized CompletableFuture<CheckpointResult> checkpointAsync() {
        CompletableFuture<CheckpointResult> running = runningCheckpoint;
        if (running != null && !running.isDone()) return running;
        CompletableFuture<CheckpointResult> f = CompletableFuture.supplyAsync(this::checkpoint, background);
        runningCheckpoint = f;
        return f;
    }

    public boolean checkpointRunning() {
        CompletableFuture<CheckpointResult> r = runningCheckpoint;
        return r != null && !r.isDone();
    }

    public CheckpointResult lastCheckpoint() { return lastCheckpoint; }

    private void maybeAutoCheckpoint() {
        long every = options.checkpointLogBytes();
        if (every > 0 && !closed && wal != null && wal.bytesSinceRoll() >= every && !checkpointRunning()) checkpointAsync();
    }

    private void removeObsolete(Path dir) throws IOException {
        List<Path> ckpts = Checkpoints.list(dir);
        if (ckpts.size() < 2) return;
        // keep the newest two; the log from the older one's first segment on stays for a fallback replay
        Path previous = ckpts.get(1);
        long keepFrom;
        try {
            keepFrom = Checkpoints.read(previous, (ts, t, k, v) -> {}).firstSegment();
        } catch (StoreCorruptedException e) {
            return; // the fallback is damaged: keep everything, recovery will report it
        }
        for (int i = 2; i < ckpts.size(); i++) Files.deleteIfExists(ckpts.get(i));
        for (long id : Wal.segments(dir)) if (id < keepFrom) Files.deleteIfExists(Wal.segmentPath(dir, id));
    }

    /** Counters for INFO and monitoring; {@code logWrites}: writes of the log, each covering one or more commits (0 in memory mode). */
    public record Stats(long commits, long conflicts, long lastCommitTimestamp, int tables, int openTransactions, long logWrites) {}

    public Stats stats() {
        return new Stats(commits.sum(), conflicts.sum(), visible.get(), tables.size(), epochs.held(), wal == null ? 0 : wal.writes());
    }

    @Override public void close() {
        if (closed) return;
        CompletableFuture<CheckpointResult> r = runningCheckpoint;
        if (r != null) {
            try {
                r.join();
            } catch (RuntimeException ignored) {
                // reported to whoever started it
            }
        }
        commitLock.lock();
        try {
            closed = true;
        } finally {
            commitLock.unlock();
        }
        background.shutdown();
        try {
            if (wal != null) wal.close();
            if (dirLock != null) {
                dirLock.release();
                lockChannel.close();
            }
        } catch (IOException e) {
            throw new StoreException("closing store: " + e.getMessage(), e);
        }
    }

    static Comparator<byte[]> order() { return Bytes.ORDER; }

    /** Installs a commit decided by another replica; see {@link Replica#apply}. */
    long applyRecord(byte[] record) {
        Replica.Decoded d = Replica.decode(record);
        commitLock.lock();
        try {
            if (closed) throw new StoreException("store is closed");
            if (d.ts() <= lastAssigned)
                throw new StoreException("replicated commit " + d.ts() + " does not follow this store's newest commit " + lastAssigned);
            List<Wal.Op> ops = new ArrayList<>(d.keys().size());
            for (int i = 0; i < d.keys().size(); i++) ops.add(op(tableForReplay(d.tables().get(i)), d.keys().get(i), d.values().get(i)));
            install(ops, d.ts());
            lastAssigned = d.ts();
            installed = d.ts();
            visible.set(d.ts());
        } finally {
            commitLock.unlock();
        }
        commits.increment();
        return d.ts();
    }

    /** Own commits up to {@code ts} became durable in the external log. */
    void publishDurable(long ts) {
        // Under the commit lock: the log may report a commit durable before its committer finished installing it.
        commitLock.lock();
        try {
            visible.accumulateAndGet(ts, Math::max);
        } finally {
            commitLock.unlock();
        }
    }

    boolean hasUndurable() { return installed > visible.get(); }

    /** Replaces all data with the newest checkpoint's; see {@link Replica#reload}. */
    long reload() throws IOException {
        synchronized (checkpointMonitor) {
            reloading = true;
            try {
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (epochs.held() > 0 && System.nanoTime() < deadline) java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                commitLock.lock();
                try {
                    if (closed) throw new StoreException("store is closed");
                    dataBytes.reset();
                    RecoveryReport r = new Recovery(options.directory(), this).run();
                    lastAssigned = r.lastTimestamp();
                    visible.set(lastAssigned);
                    installed = lastAssigned;
                    horizon = lastAssigned;
                    return lastAssigned;
                } finally {
                    commitLock.unlock();
                }
            } finally {
                reloading = false;
            }
        }
    }
}
