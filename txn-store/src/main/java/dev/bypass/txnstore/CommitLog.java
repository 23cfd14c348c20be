package dev.bypass.txnstore;

import java.util.concurrent.CompletableFuture;

/**
 * A log kept outside the store that decides which commits happen, in place of the store's own write-ahead log: a
 * replicated log, for example. The store still validates and orders commits under its commit lock and installs them
 * (invisible) at once; it hands each commit's record to {@link #append} and makes it visible only once the log says
 * it is durable, which the log reports through the {@link Replica} handed to {@link #attach}. Records decided
 * elsewhere (on another replica) come in through {@link Replica#apply}.
 */
public interface CommitLog {
    /** Called once when the store opens, before any other call. */
    void attach(Replica replica);

    /**
     * Takes one commit's record, called under the store's commit lock in commit-timestamp order; returns a ticket
     * that grows with each call. Throws {@link StoreException} when this log takes no commits here (a follower).
     */
    long append(long ts, byte[] record);

    /**
     * Waits until the commit with this ticket and all before it are durable and visible; also confirms, for
     * linearizable reads, that the records this store holds are still the log's. Throws {@link StoreException} when
     * the commit will not happen or its outcome is unknown: it must then not be acknowledged.
     */
    void await(long ticket);

    /**
     * Like {@link #await} without holding the caller: completes once the commit with this ticket and all before it
     * are durable and visible, and, when {@code confirmReads}, once the records this store held when the call was made
     * are known to be the log's (reads made before the call are linearizable); fails with a {@link StoreException}
     * when they must not be acknowledged. A server's I/O thread goes on reading and proposing meanwhile. The default
     * waits in the call.
     */
    default CompletableFuture<Void> durable(long ticket, boolean confirmReads) {
        return DurableWaits.waitedInCall(() -> await(ticket));
    }

    /** The newest ticket handed out, or a positive ticket standing for "nothing owed" before the first append. */
    long appended();
}
