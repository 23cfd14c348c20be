package dev.bypass.observability.telemetry;

import dev.bypass.programs.SqlText;
import java.lang.ref.WeakReference;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * Normalised SQL text and fingerprint per statement object, found by identity: what {@code bypass_arg_sql} reads
 * instead of converting and normalising the same statement on every execution. JDBC drivers hand the same object
 * for every execution of a statement (pgjdbc keeps one {@code Query} per prepared statement and per distinct text of
 * plain statements), so after the first execution a lookup is one identity hash and two array reads, without
 * allocation.
 *
 * <p>Bounded: a fixed table of {@code entries} slots (a power of two), two candidate slots per object; a new
 * statement replaces an entry whose object was collected, or else the older candidate. Entries hold their object
 * weakly, so the cache never keeps a closed statement alive. Safe for any number of threads: entries are immutable,
 * and threads racing on a slot at worst normalise the same text twice.
 */
public final class StatementCache {
    public static final int DEFAULT_ENTRIES = 4096, MAX_ENTRIES = 1 << 20;

    /** The normalised text (without its NUL) and fingerprint of a statement read up to {@code limit} bytes. */
    public record Statement(byte[] text, long fingerprint) {}

    private static final class Entry extends WeakReference<Object> {
        final int limit;
        final Statement statement;

        Entry(Object key, int limit, Statement statement) {
            super(key);
            this.limit = limit;
            this.statement = statement;
        }
    }

    private final Entry[] table;
    private final int mask;
    private final LongAdder misses = new LongAdder();

    /** A cache of at least {@code entries} slots (rounded up to a power of two, at most {@link #MAX_ENTRIES}). */
    public StatementCache(int entries) {
        if (entries < 2 || entries > MAX_ENTRIES)
            throw new IllegalArgumentException("statement cache size must be between 2 and " + MAX_ENTRIES + ", got " + entries);
        int n = Integer.highestOneBit(entries - 1) << 1;
        this.table = new Entry[n];
        this.mask = n - 1;
    }

    public int capacity() { return table.length; }

    /** Statements normalised so far (first executions, and re-reads after an entry was replaced). */
    public long misses() { return misses.sum(); }

    /**
     * The statement whose text is {@code statement}'s (as {@code bypass_arg_bytes} reads it), cut to {@code limit}
     * bytes then normalised; null when the value has no text (a number, a boolean or a character).
     */
    public Statement statement(Object statement, int limit) {
        int h = System.identityHashCode(statement);
        int i = (h ^ (h >>> 16)) & mask, j = i ^ 1;
        Entry a = table[i], b = table[j];
        if (a != null && a.limit == limit && a.get() == statement) return a.statement;
        if (b != null && b.limit == limit && b.get() == statement) return b.statement;
        byte[] raw = ValueText.bytes(statement);
        if (raw == null) return null;
        byte[] text = Arrays.copyOf(raw, Math.min(raw.length, limit));
        long fingerprint = SqlText.normalize(text, text.length);
        int n = 0;
        while (n < text.length && text[n] != 0) n++;
        Statement s = new Statement(Arrays.copyOf(text, n), fingerprint);
        // a free or stale slot first; else alternate between the two by the hash's next bit
        int slot = a == null || a.get() == null ? i : b == null || b.get() == null ? j : ((h >>> 20 & 1) == 0 ? i : j);
        table[slot] = new Entry(statement, limit, s);
        misses.increment();
        return s;
    }

    /** Forgets every statement. */
    public void clear() { Arrays.fill(table, null); }
}
