package dev.bypass.txnstore;

/**
 * A secondary index over a table. Its entries live in their own table whose keys are the escaped index key
 * followed by the primary key ({@link Bytes#escapeTerminated}), so index order is index-key order and equal index
 * keys are ordered by primary key. Entries are written in the same commit (same timestamp, same log record) as
 * the rows they describe, so an index never disagrees with its table in any snapshot.
 */
public final class Index {
    /** Computes a row's index key; null leaves the row out of the index. */
    @FunctionalInterface
    public interface KeyFunction {
        byte[] indexKey(byte[] primaryKey, byte[] value);
    }

    private final String name;
    private final Table table;
    private final Table entries;
    private final KeyFunction function;

    Index(String name, Table table, Table entries, KeyFunction function) {
        this.name = name;
        this.table = table;
        this.entries = entries;
        this.function = function;
    }

    public String name() { return name; }

    public Table table() { return table; }

    /** The table holding this index's entries. */
    public Table entries() { return entries; }

    byte[] keyOf(byte[] primaryKey, byte[] value) { return value == null ? null : function.indexKey(primaryKey, value); }

    static byte[] entryKey(byte[] indexKey, byte[] primaryKey) { return Bytes.concat(Bytes.escapeTerminated(indexKey), primaryKey); }

    static byte[] primaryKeyOf(byte[] entryKey) {
        int n = Bytes.escapedPartLength(entryKey);
        return java.util.Arrays.copyOfRange(entryKey, n, entryKey.length);
    }

    @Override public String toString() { return "index " + name + " on " + table.name(); }
}
