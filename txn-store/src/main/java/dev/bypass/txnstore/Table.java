package dev.bypass.txnstore;

import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A named, ordered table of byte-string keys. Its records live in a concurrent skip list: readers walk it without
 * locks; committers add versions under the store's commit lock. Obtain tables with {@link Store#table(String)}.
 */
public final class Table {
    private final String name;
    /** The name in UTF-8, as every log record of a change to this table carries it. */
    private final byte[] nameBytes;
    /** Records in key order, for scans. */
    final ConcurrentSkipListMap<byte[], Record> records = new ConcurrentSkipListMap<>(Bytes.ORDER);
    /**
     * The same records by hash, for point reads: a skip-list search over a million keys costs a cache miss per
     * level, a hash probe one or two. Both maps change only under the commit lock (or during recovery).
     */
    private final java.util.concurrent.ConcurrentHashMap<Key, Record> byKey = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A byte-string key with its hash computed once. Comparable, so that a bin of colliding keys (chosen by a client,
     * say) becomes an ordered tree with logarithmic search rather than a list.
     */
    private record Key(byte[] bytes, int hash) implements Comparable<Key> {
        static Key of(byte[] b) { return new Key(b, Bytes.hash(b)); }

        @Override public int compareTo(Key o) { return Bytes.ORDER.compare(bytes, o.bytes); }

        @Override public boolean equals(Object o) { return o instanceof Key k && k.hash == hash && java.util.Arrays.equals(k.bytes, bytes); }

        @Override public int hashCode() { return hash; }
    }

    Record get(byte[] key) { return byKey.get(Key.of(key)); }

    void insert(byte[] key, Record r) {
        byKey.put(Key.of(key), r);
        records.put(key, r);
    }

    void remove(byte[] key) {
        byKey.remove(Key.of(key));
        records.remove(key);
    }

    boolean remove(byte[] key, Record r) {
        if (!byKey.remove(Key.of(key), r)) return false;
        records.remove(key, r);
        return true;
    }

    void clear() {
        byKey.clear();
        records.clear();
    }
    final List<Index> indexes = new CopyOnWriteArrayList<>();
    /** Set on index tables: the index whose entries this table holds. */
    volatile Index indexOf;

    Table(String name) {
        this.name = name;
        this.nameBytes = Bytes.of(name);
    }

    byte[] nameBytes() { return nameBytes; }

    public String name() { return name; }

    public List<Index> indexes() { return List.copyOf(indexes); }

    /** Number of keys with any version (including deleted ones not yet reclaimed): a size estimate. */
    public int approximateSize() { return records.size(); }

    @Override public String toString() { return "table " + name; }
}
