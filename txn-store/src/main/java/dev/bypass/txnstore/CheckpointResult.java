package dev.bypass.txnstore;

/**
 * A finished checkpoint: its snapshot timestamp, entry count, the time writers were held to take the snapshot
 * (one lock hold and a log segment switch, independent of data size) and the total time writing it.
 */
public record CheckpointResult(long timestamp, long entries, long snapshotNanos, long totalNanos, String file) {}
