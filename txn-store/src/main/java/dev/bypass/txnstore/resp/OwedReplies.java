package dev.bypass.txnstore.resp;

import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.StoreException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;

/**
 * The replies of one event loop whose commits still owe their log write. Connections hand their replies over at the
 * end of their reads instead of flushing; once the loop has served every ready connection, one wait for the newest
 * write covers all of their commits and the replies go out. A round of reads from many clients thus costs one log
 * write, as Redis writes its append-only file once per event-loop iteration, where waiting per connection would
 * cost one each. Runs on the loop's thread only.
 */
final class OwedReplies implements Runnable {
    private final EventLoop loop;
    private final Store store;
    private final List<Owed> waiting = new ArrayList<>();
    private long newest;

    private record Owed(ChannelHandlerContext ctx, Session session) {}

    OwedReplies(EventLoop loop, Store store) {
        this.loop = loop;
        this.store = store;
    }

    /** Holds a connection's written replies until its session's owed log write is done. */
    void add(ChannelHandlerContext ctx, Session session) {
        if (waiting.isEmpty()) loop.execute(this); // runs after the reads of this loop iteration
        waiting.add(new Owed(ctx, session));
        newest = Math.max(newest, session.owed);
    }

    @Override public void run() {
        long ticket = newest;
        newest = 0;
        List<Owed> batch = List.copyOf(waiting);
        waiting.clear();
        boolean written;
        try {
            store.awaitDurable(ticket);
            written = true;
        } catch (StoreException e) {
            written = false; // the commits are not durable: their clients must not be told OK
        }
        for (Owed o : batch) {
            if (!written) {
                o.ctx().close();
                continue;
            }
            if (o.session().owed <= ticket) o.session().owed = 0;
            o.ctx().flush();
        }
    }
}
