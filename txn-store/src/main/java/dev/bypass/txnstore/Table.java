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
    final ConcurrentSkipListMap<byte[], Record> records = new ConcurrentSkipListMap<>(Bytes.ORDER);
    final List<Index> indexes = new CopyOnWriteArrayList<>();
    /** Set on index tables: the index whose entries this table holds. */
    volatile Index indexOf;

    Table(String name) { this.name = name; }

    public String name() { return name; }

    public List<Index> indexes() { return List.copyOf(indexes); }

    /** Number of keys with any version (including deleted ones not yet reclaimed): a size estimate. */
    public int approximateSize() { return records.size(); }

    @Override public String toString() { return "table " + name; }
}
