package dev.bypass.txnstore;

/** When the write-ahead log is forced to stable storage. */
public enum SyncPolicy {
    /** A commit is acknowledged after its log record is fsync'd (batched with concurrent commits: group commit). */
    ALWAYS,
    /**
     * A commit is acknowledged once its record is written to the operating system; a background fsync runs every
     * {@link StoreOptions#syncIntervalMillis()}. Survives a process crash, may lose the last interval on power loss.
     */
    INTERVAL,
    /** Records are written to the operating system and never forced (survives a process crash only). */
    NEVER
}
