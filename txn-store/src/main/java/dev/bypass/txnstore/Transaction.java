package dev.bypass.txnstore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A transaction: reads see the snapshot taken at begin plus the transaction's own writes; writes are buffered
 * until {@link #commit()}, so no other transaction ever sees them before then (no dirty reads or writes). Use with
 * try-with-resources: closing a transaction that was not committed aborts it. Not thread-safe: one thread at a
 * time.
 */
public final class Transaction implements AutoCloseable {
    /** Marks a buffered deletion in the write set. */
    static final byte[] TOMBSTONE = new byte[0];

    /** Visits scan results in key order; return false to stop. */
    @FunctionalInterface
    public interface Visitor {
        boolean visit(byte[] key, byte[] value);
    }

    /**
     * Work done inside the commit, under the store's commit lock, once validation passed: it reads the newest
     * committed state (every commit ordered before this one) through the transaction it is given, and its writes
     * join this transaction's commit. What it reads is therefore exactly the state at the commit timestamp, so it
     * needs no validation and never causes a conflict: a read-modify-write of a hot record (a counter, a list's
     * ends) that depends on nothing else the transaction read commits without retries, serializably. It must be
     * short (other committers wait) and must not commit, abort or begin transactions; an exception it throws aborts
     * the commit.
     */
    @FunctionalInterface
    public interface CommitAction {
        void run(Transaction latest);
    }

    record KeyRead(Table table, byte[] key) {}

    record RangeRead(Table table, byte[] from, byte[] to) {}

    private enum State { ACTIVE, COMMITTED, ABORTED }

    final Store store;
    final Isolation isolation;
    final boolean readOnly;
    final long snapshot;
    private final int epochSlot;
    private State state = State.ACTIVE;
    final Map<Table, TreeMap<byte[], byte[]>> writes;
    final List<KeyRead> reads;
    final List<RangeRead> ranges;
    private long commitTs;
    private List<CommitAction> actions;
    /** Set on the transaction a commit action runs in: the transaction whose commit it joins. */
    private final Transaction owner;

    Transaction(Store store, Isolation isolation, boolean readOnly, long snapshot, int epochSlot) {
        this.store = store;
        this.isolation = isolation;
        this.readOnly = readOnly;
        this.snapshot = snapshot;
        this.epochSlot = epochSlot;
        boolean track = isolation == Isolation.SERIALIZABLE && !readOnly;
        this.reads = track ? new ArrayList<>() : null;
        this.ranges = track ? new ArrayList<>() : null;
        this.writes = new HashMap<>(4);
        this.owner = null;
    }

    /**
     * The transaction {@code owner}'s commit actions run in: it reads the newest installed commit ({@code latest},
     * whose versions no reclamation cuts while the commit lock is held), untracked, and shares the owner's writes.
     */
    private Transaction(Transaction owner, long latest) {
        this.store = owner.store;
        this.isolation = owner.isolation;
        this.readOnly = false;
        this.snapshot = latest;
        this.epochSlot = -1;
        this.reads = null;
        this.ranges = null;
        this.writes = owner.writes;
        this.owner = owner;
    }

    /** Runs {@code action} inside this transaction's commit; see {@link CommitAction}. */
    public void atCommit(CommitAction action) {
        checkActive();
        if (readOnly) throw new StoreException("commit action in a read-only transaction");
        if (actions == null) actions = new ArrayList<>(2);
        actions.add(action);
    }

    /** Runs the commit actions against the newest installed commit; the store calls it under the commit lock. */
    void runCommitActions(long latest) {
        if (actions == null) return;
        Transaction view = new Transaction(this, latest);
        try {
            for (CommitAction a : actions) a.run(view);
        } finally {
            view.state = State.COMMITTED;
        }
    }

    public Isolation isolation() { return isolation; }

    public boolean isReadOnly() { return readOnly; }

    /** The commit timestamp this transaction reads at. */
    public long snapshot() { return snapshot; }

    public boolean isActive() { return state == State.ACTIVE; }

    /** The commit timestamp, once committed (a read-only or empty transaction reports its snapshot). */
    public long commitTimestamp() {
        if (state != State.COMMITTED) throw new IllegalStateException("transaction is not committed");
        return commitTs;
    }

    public byte[] get(String table, byte[] key) { return get(store.table(table), key); }

    /** The value of {@code key}, or null when absent. */
    public byte[] get(Table table, byte[] key) {
        checkActive();
        TreeMap<byte[], byte[]> w = writes.get(table);
        if (w != null) {
            byte[] v = w.get(key);
            if (v != null) return v == TOMBSTONE ? null : v;
        }
        if (reads != null) reads.add(new KeyRead(table, key.clone()));
        return committedValue(table, key);
    }

    /**
     * The commit timestamp of the version of {@code key} this transaction sees (0 when the key never existed or
     * its history was reclaimed); counts as a read.
     */
    public long versionOf(Table table, byte[] key) {
        checkActive();
        if (reads != null) reads.add(new KeyRead(table, key.clone()));
        Record r = table.get(key);
        if (r == null) return 0;
        Version h = r.head;
        Version v = h == null ? null : h.visibleAt(snapshot);
        return v == null ? 0 : v.ts;
    }

    /**
     * The newest commit timestamp among the versions of keys in {@code [from, to)} this transaction sees, deletions
     * included (0 when none); counts as a read of the range. WATCH uses it for the members of a collection.
     */
    public long versionOfRange(Table table, byte[] from, byte[] to) {
        checkActive();
        if (ranges != null) ranges.add(new RangeRead(table, from == null ? null : from.clone(), to == null ? null : to.clone()));
        long max = 0;
        for (Record r : range(table.records, from, to).values()) {
            Version h = r.head;
            Version v = h == null ? null : h.visibleAt(snapshot);
            if (v != null) max = Math.max(max, v.ts);
        }
        return max;
    }

    private byte[] committedValue(Table table, byte[] key) {
        Record r = table.get(key);
        if (r == null) return null;
        Version h = r.head;
        Version v = h == null ? null : h.visibleAt(snapshot);
        return v == null ? null : v.value;
    }

    public void put(String table, byte[] key, byte[] value) { put(store.table(table), key, value); }

    public void put(Table table, byte[] key, byte[] value) {
        if (value == null) throw new IllegalArgumentException("value is null (use delete)");
        write(table, keyCopy(key), value.clone());
    }

    /**
     * Like {@link #put(Table, byte[], byte[])}, but the store takes both arrays as they are instead of copying them:
     * the caller must never change them afterwards. For servers that decode each value into an array of its own,
     * where a copy would double the memory a large value takes.
     */
    public void putOwned(Table table, byte[] key, byte[] value) {
        if (value == null) throw new IllegalArgumentException("value is null (use delete)");
        write(table, key, value);
    }

    public void delete(String table, byte[] key) { delete(store.table(table), key); }

    /** Deletes {@code key} (a no-op when absent). */
    public void delete(Table table, byte[] key) { write(table, keyCopy(key), TOMBSTONE); }

    private static byte[] keyCopy(byte[] key) {
        if (key == null) throw new IllegalArgumentException("key is null");
        return key.clone();
    }

    private void write(Table table, byte[] key, byte[] value) {
        checkActive();
        if (readOnly) throw new StoreException("write to " + table.name() + " in a read-only transaction");
        if (table.indexOf != null) throw new StoreException(table.name() + " holds index entries; write its base table");
        if (key == null) throw new IllegalArgumentException("key is null");
        writes.computeIfAbsent(table, t -> new TreeMap<>(Bytes.ORDER)).put(key, value);
    }

    /** Visits keys in {@code [from, to)} in order (null bounds are open); the visitor may stop early. */
    public void scan(Table table, byte[] from, byte[] to, Visitor visitor) {
        checkActive();
        // The whole requested range counts as read, even when the visitor stops early: simpler and safe.
        if (ranges != null) ranges.add(new RangeRead(table, from == null ? null : from.clone(), to == null ? null : to.clone()));
        NavigableMap<byte[], Record> committed = range(table.records, from, to);
        TreeMap<byte[], byte[]> w = writes.get(table);
        NavigableMap<byte[], byte[]> own = w == null ? null : range(w, from, to);
        Iterator<Map.Entry<byte[], Record>> ci = committed.entrySet().iterator();
        Iterator<Map.Entry<byte[], byte[]>> oi = own == null ? java.util.Collections.emptyIterator() : own.entrySet().iterator();
        Map.Entry<byte[], Record> c = next(ci);
        Map.Entry<byte[], byte[]> o = next(oi);
        while (c != null || o != null) {
            int cmp = c == null ? 1 : o == null ? -1 : Bytes.ORDER.compare(c.getKey(), o.getKey());
            byte[] key, value;
            if (cmp < 0) {
                key = c.getKey();
                Version h = c.getValue().head;
                Version v = h == null ? null : h.visibleAt(snapshot);
                value = v == null ? null : v.value;
                c = next(ci);
            } else {
                key = o.getKey();
                value = o.getValue() == TOMBSTONE ? null : o.getValue();
                if (cmp == 0) c = next(ci);
                o = next(oi);
            }
            if (value != null && !visitor.visit(key, value)) return;
        }
    }

    /** Up to {@code limit} entries of {@code [from, to)} in key order. */
    public List<Entry> scan(Table table, byte[] from, byte[] to, int limit) {
        List<Entry> out = new ArrayList<>();
        if (limit <= 0) return out;
        scan(table, from, to, (k, v) -> {
            out.add(new Entry(k, v));
            return out.size() < limit;
        });
        return out;
    }

    public List<Entry> scan(String table, byte[] from, byte[] to, int limit) { return scan(store.table(table), from, to, limit); }

    /** Entries with keys starting with {@code prefix}. */
    public List<Entry> scanPrefix(Table table, byte[] prefix, int limit) { return scan(table, prefix, Bytes.prefixEnd(prefix), limit); }

    /**
     * Rows of the index's table whose index key is in {@code [from, to)} (null bounds are open), ordered by index
     * key then primary key; the transaction's own writes are reflected.
     */
    public List<Entry> indexScan(Index index, byte[] from, byte[] to) {
        checkActive();
        byte[] lo = from == null ? null : Bytes.escapeTerminated(from);
        byte[] hi = to == null ? null : Bytes.escapeTerminated(to);
        TreeMap<byte[], Entry> found = new TreeMap<>(Bytes.ORDER);
        List<byte[]> candidates = new ArrayList<>();
        scan(index.entries(), lo, hi, (k, v) -> { candidates.add(Index.primaryKeyOf(k)); return true; });
        for (byte[] pk : candidates) {
            byte[] v = get(index.table(), pk);
            byte[] ik = index.keyOf(pk, v);
            if (ik != null && inRange(ik, from, to)) found.put(Index.entryKey(ik, pk), new Entry(pk, v));
        }
        TreeMap<byte[], byte[]> own = writes.get(index.table());
        if (own != null)
            for (Map.Entry<byte[], byte[]> e : own.entrySet()) {
                if (e.getValue() == TOMBSTONE) continue;
                byte[] ik = index.keyOf(e.getKey(), e.getValue());
                if (ik != null && inRange(ik, from, to)) found.put(Index.entryKey(ik, e.getKey()), new Entry(e.getKey(), e.getValue()));
            }
        return new ArrayList<>(found.values());
    }

    /** Rows whose index key equals {@code indexKey}, in primary-key order. */
    public List<Entry> indexLookup(Index index, byte[] indexKey) {
        byte[] next = Bytes.concat(indexKey, new byte[] {0}); // the least key above indexKey
        return indexScan(index, indexKey, next);
    }

    private static boolean inRange(byte[] k, byte[] from, byte[] to) {
        return (from == null || Bytes.ORDER.compare(k, from) >= 0) && (to == null || Bytes.ORDER.compare(k, to) < 0);
    }

    private static <V> NavigableMap<byte[], V> range(NavigableMap<byte[], V> m, byte[] from, byte[] to) {
        if (from != null && to != null) {
            if (Bytes.ORDER.compare(from, to) >= 0) return java.util.Collections.emptyNavigableMap();
            return m.subMap(from, true, to, false);
        }
        if (from != null) return m.tailMap(from, true);
        if (to != null) return m.headMap(to, false);
        return m;
    }

    private static <T> T next(Iterator<T> it) { return it.hasNext() ? it.next() : null; }

    /** True when the transaction has buffered writes. */
    public boolean hasWrites() {
        for (TreeMap<byte[], byte[]> w : writes.values()) if (!w.isEmpty()) return true;
        return false;
    }

    /**
     * Commits: validates (write-write conflicts; at serializable also every read key and range), then makes the
     * writes visible atomically and durable as the sync policy says. Returns the commit timestamp.
     *
     * @throws SerializationFailure when validation fails; the transaction is then aborted
     */
    public long commit() { return commit(true); }

    /**
     * Commits without waiting for the log write: the commit is ordered and installed but becomes visible, and may be
     * acknowledged, only once {@link Store#awaitDurable} returns for {@link #logTicket()}. For servers that
     * acknowledge many connections' commits after one log write.
     */
    long commitDeferred() { return commit(false); }

    /** The log write this transaction's commit still owes (0: none), for {@link Store#awaitDurable}. */
    long logTicket() { return logTicket; }

    long logTicket;


    private long commit(boolean awaitLog) {
        checkActive();
        if (owner != null) throw new IllegalStateException("a commit action's transaction is committed with the one it belongs to");
        try {
            commitTs = hasWrites() || actions != null ? store.commit(this, awaitLog) : snapshot;
            state = State.COMMITTED;
            return commitTs;
        } catch (RuntimeException e) {
            state = State.ABORTED;
            throw e;
        } finally {
            release();
        }
    }

    /** Discards the buffered writes. */
    public void abort() {
        if (state != State.ACTIVE || owner != null) return;
        state = State.ABORTED;
        release();
    }

    @Override public void close() { abort(); }

    private boolean released;

    private void release() {
        if (released || owner != null) return;
        released = true;
        writes.clear();
        store.epochs.exit(epochSlot);
    }

    private void checkActive() {
        if (state != State.ACTIVE) throw new IllegalStateException("transaction is " + state.name().toLowerCase());
    }
}
