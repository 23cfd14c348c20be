package dev.bypass.txnstore;

/**
 * One committed version of a record: the commit timestamp, the value (null for a deletion) and the next older
 * version. Immutable except {@code older}, which reclamation cuts once no snapshot can reach past this version.
 */
final class Version {
    final long ts;
    final byte[] value;
    volatile Version older;

    Version(long ts, byte[] value, Version older) {
        this.ts = ts;
        this.value = value;
        this.older = older;
    }

    /** The newest version at or below {@code snapshot} along this chain, or null. */
    Version visibleAt(long snapshot) {
        Version v = this;
        while (v != null && v.ts > snapshot) v = v.older;
        return v;
    }

    /** Estimated heap bytes of a version: the object, its value array (null for a deletion). */
    static long bytes(byte[] value) { return 32 + (value == null ? 0 : 16 + value.length); }

    /** Estimated heap bytes of a new record with its first version: key array, record, both maps' entries. */
    static long recordBytes(byte[] key, byte[] value) { return recordOverhead(key) + bytes(value); }

    /** Estimated heap bytes of a record without its versions. */
    static long recordOverhead(byte[] key) { return 16 + key.length + 112; }

    /** Estimated bytes of this version and every older one still linked. */
    long chainBytes() {
        long n = 0;
        for (Version v = this; v != null; v = v.older) n += bytes(v.value);
        return n;
    }

    private static final java.lang.invoke.VarHandle OLDER;

    static {
        try {
            OLDER = java.lang.invoke.MethodHandles.lookup().findVarHandle(Version.class, "older", Version.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Drops versions no snapshot at or above {@code horizon} can see: everything older than the newest version at
     * or below the horizon. Returns the estimated bytes dropped (0 when another pruner cut the same chain first).
     */
    long prune(long horizon) {
        Version v = visibleAt(horizon);
        if (v == null) return 0;
        Version cut = v.older;
        if (cut == null || !OLDER.compareAndSet(v, cut, (Version) null)) return 0;
        return cut.chainBytes();
    }
}
