package dev.bypass.txnstore;

import java.util.List;

/**
 * What opening a durable store found: the checkpoint it started from (null: none), how many log records it
 * replayed, and warnings about damage it repaired without losing acknowledged data (a torn log tail cut, a damaged
 * checkpoint skipped in favour of an older one plus a longer replay).
 */
public record RecoveryReport(String checkpoint, long checkpointTimestamp, long checkpointEntries, long replayedRecords,
                             long lastTimestamp, List<String> warnings) {
    public RecoveryReport {
        warnings = List.copyOf(warnings);
    }

    static RecoveryReport none() { return new RecoveryReport(null, 0, 0, 0, 0, List.of()); }
}
