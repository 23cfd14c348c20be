package dev.bypass.txnstore;

/** A key's version chain, newest first. Only committers (under the commit lock) replace the head. */
final class Record {
    volatile Version head;
    /**
     * The horizon this record's chain was last pruned at by a committer (under the commit lock). Until the horizon
     * moves past it there is nothing more to cut: versions added since are newer than it. Without this, a record
     * written on every commit while a long checkpoint holds the horizon back would be walked end to end at each write.
     */
    long prunedAt;

    Record(Version head) { this.head = head; }

    long latestTs() {
        Version h = head;
        return h == null ? 0 : h.ts;
    }
}
