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

    /**
     * Drops versions no snapshot at or above {@code horizon} can see: everything older than the newest version at
     * or below the horizon.
     */
    void prune(long horizon) {
        Version v = visibleAt(horizon);
        if (v != null && v.older != null) v.older = null;
    }
}
