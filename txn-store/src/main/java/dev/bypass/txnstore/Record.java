package dev.bypass.txnstore;

/** A key's version chain, newest first. Only committers (under the commit lock) replace the head. */
final class Record {
    volatile Version head;

    Record(Version head) { this.head = head; }

    long latestTs() {
        Version h = head;
        return h == null ? 0 : h.ts;
    }
}
