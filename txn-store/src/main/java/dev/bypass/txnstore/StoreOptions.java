package dev.bypass.txnstore;

import java.nio.file.Path;

/**
 * How a store is opened. {@code directory == null} is the in-memory mode: no log, no checkpoints, nothing
 * survives {@link Store#close()}.
 */
public record StoreOptions(Path directory, SyncPolicy syncPolicy, long syncIntervalMillis, long checkpointLogBytes) {
    public StoreOptions {
        if (syncPolicy == null) throw new IllegalArgumentException("sync policy is required");
        if (syncIntervalMillis <= 0) throw new IllegalArgumentException("sync interval must be positive: " + syncIntervalMillis);
    }

    public static StoreOptions inMemory() { return new StoreOptions(null, SyncPolicy.NEVER, 1000, 0); }

    /** A durable store in {@code dir} that fsyncs every commit (group commit); no automatic checkpoints. */
    public static StoreOptions durable(Path dir) { return new StoreOptions(dir, SyncPolicy.ALWAYS, 1000, 0); }

    public StoreOptions withSync(SyncPolicy policy) { return new StoreOptions(directory, policy, syncIntervalMillis, checkpointLogBytes); }

    /** Takes a checkpoint in the background whenever this many bytes were logged since the last one (0: never). */
    public StoreOptions withAutoCheckpoint(long logBytes) { return new StoreOptions(directory, syncPolicy, syncIntervalMillis, logBytes); }

    public boolean inMemoryMode() { return directory == null; }
}
