package dev.bypass.txnstore;

import java.nio.file.Path;

/**
 * How a store is opened. {@code directory == null} is the in-memory mode: no log, no checkpoints, nothing
 * survives {@link Store#close()}. {@code maxRecordBytes} bounds one commit's log record (its keys, values and a few
 * bytes per change): a larger commit is refused before anything is installed, never acknowledged and then lost.
 * It may not exceed the log format's bound, which every reader accepts.
 */
public record StoreOptions(Path directory, SyncPolicy syncPolicy, long syncIntervalMillis, long checkpointLogBytes, int maxRecordBytes) {
    /** The largest commit record the log format carries (about 2 GiB): the default limit. */
    public static final int MAX_RECORD_BYTES = Frames.MAX_PAYLOAD;

    public StoreOptions {
        if (syncPolicy == null) throw new IllegalArgumentException("sync policy is required");
        if (syncIntervalMillis <= 0) throw new IllegalArgumentException("sync interval must be positive: " + syncIntervalMillis);
        if (maxRecordBytes < 64 || maxRecordBytes > MAX_RECORD_BYTES)
            throw new IllegalArgumentException("record limit must be between 64 and " + MAX_RECORD_BYTES + " bytes: " + maxRecordBytes);
    }

    public StoreOptions(Path directory, SyncPolicy syncPolicy, long syncIntervalMillis, long checkpointLogBytes) {
        this(directory, syncPolicy, syncIntervalMillis, checkpointLogBytes, MAX_RECORD_BYTES);
    }

    public static StoreOptions inMemory() { return new StoreOptions(null, SyncPolicy.NEVER, 1000, 0); }

    /** A durable store in {@code dir} that fsyncs every commit (group commit); no automatic checkpoints. */
    public static StoreOptions durable(Path dir) { return new StoreOptions(dir, SyncPolicy.ALWAYS, 1000, 0); }

    public StoreOptions withSync(SyncPolicy policy) { return new StoreOptions(directory, policy, syncIntervalMillis, checkpointLogBytes, maxRecordBytes); }

    /** Takes a checkpoint in the background whenever this many bytes were logged since the last one (0: never). */
    public StoreOptions withAutoCheckpoint(long logBytes) { return new StoreOptions(directory, syncPolicy, syncIntervalMillis, logBytes, maxRecordBytes); }

    /** Refuses commits whose log record would be larger than {@code bytes}. */
    public StoreOptions withMaxRecordBytes(int bytes) { return new StoreOptions(directory, syncPolicy, syncIntervalMillis, checkpointLogBytes, bytes); }

    public boolean inMemoryMode() { return directory == null; }
}
