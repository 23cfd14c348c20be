package dev.bypass.txnstore;

/** Isolation levels a transaction runs at. */
public enum Isolation {
    /**
     * Snapshot isolation: reads see the snapshot taken at begin; a commit fails when another transaction committed
     * a write to one of its keys after that snapshot (first committer wins). Permits write skew (G2-item, G2).
     */
    SNAPSHOT,
    /**
     * Serializable: snapshot isolation plus commit-time validation of every key and range read, so the
     * transaction is equivalent to running alone at its commit timestamp.
     */
    SERIALIZABLE
}
