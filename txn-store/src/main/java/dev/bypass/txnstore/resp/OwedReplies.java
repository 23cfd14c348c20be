package dev.bypass.txnstore.resp;

import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.StoreException;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;

/**
 * The replies of one event loop whose commits still owe their log write. Connections hand their replies over at the
 * end of their reads instead of sending them; once the loop has served every ready connection, one wait for the
 * newest write covers all of their commits and the replies go out. A round of reads from many clients thus costs
 * one log write, as Redis writes its append-only file once per event-loop iteration, where waiting per connection
 * would cost one each. Runs on the loop's thread only.
 */
final class OwedReplies implements Runnable {
    private final EventLoop loop;
    private final Store store;
    private final List<Connection> waiting = new ArrayList<>();
    private List<Connection> spare = new ArrayList<>();
    private long newest;

    OwedReplies(EventLoop loop, Store store) {
        this.loop = loop;
        this.store = store;
    }

    /** Holds a connection's replies until its session's owed log write is done. */
    void add(Connection c) {
        if (waiting.isEmpty()) loop.execute(this); // runs after the reads of this loop iteration
        if (!waiting.contains(c)) waiting.add(c);
        newest = Math.max(newest, c.session.owed);
    }

    @Override public void run() {
        long ticket = newest;
        newest = 0;
        List<Connection> batch = spare;
        batch.addAll(waiting);
        waiting.clear();
        boolean written;
        try {
            store.awaitDurable(ticket);
            written = true;
        } catch (StoreException e) {
            written = false; // the commits are not durable: their clients must not be told OK
        }
        for (Connection c : batch) {
            if (!written) {
                c.abortConnection();
                continue;
            }
            if (c.session.owed <= ticket) c.session.owed = 0;
            c.flushOut();
        }
        batch.clear();
        spare = batch;
    }
}
