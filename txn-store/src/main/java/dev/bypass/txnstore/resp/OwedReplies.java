package dev.bypass.txnstore.resp;

import dev.bypass.txnstore.Store;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The replies of one event loop whose commits still owe their log write. Connections hand their replies over at the
 * end of their reads instead of sending them; once the loop has served every ready connection, one wait for the
 * newest write covers all of their commits and the replies go out. A round of reads from many clients thus costs
 * one log write, as Redis writes its append-only file once per event-loop iteration, where waiting per connection
 * would cost one each.
 *
 * <p>On a store with its own write-ahead log the loop's thread writes the log itself, so the round waits there. On a
 * replicated store the round's commits go to the Raft log as one entry and the loop does not wait: it goes on
 * reading and running the next commands (whose commits form the next entry) while a majority stores this one; the
 * replies go out when it commits, each connection's in order behind its {@link Connection.Gate}s. Runs on the loop's
 * thread only.
 */
final class OwedReplies implements Runnable {
    private final EventLoop loop;
    private final Store store;
    private List<Connection> waiting = new ArrayList<>();
    private List<Connection.Gate> gates = new ArrayList<>();
    private long newest;
    private boolean reads;

    OwedReplies(EventLoop loop, Store store) {
        this.loop = loop;
        this.store = store;
    }

    /** Holds a connection's replies behind gate {@code g} until its log write is done; {@code read}: some are reads. */
    void add(Connection c, Connection.Gate g, boolean read) {
        if (waiting.isEmpty()) loop.execute(this); // runs after the reads of this loop iteration
        waiting.add(c);
        gates.add(g);
        newest = Math.max(newest, g.ticket);
        reads |= read;
    }

    @Override public void run() {
        List<Connection> batch = waiting;
        List<Connection.Gate> opened = gates;
        waiting = new ArrayList<>();
        gates = new ArrayList<>();
        CompletableFuture<Void> durable = store.whenDurable(newest, reads);
        newest = 0;
        reads = false;
        if (durable.isDone()) finish(batch, opened, durable);
        else durable.whenComplete((v, e) -> loop.execute(() -> finish(batch, opened, durable)));
    }

    private static void finish(List<Connection> batch, List<Connection.Gate> opened, CompletableFuture<Void> durable) {
        boolean written = !durable.isCompletedExceptionally(); // else the commits are not durable: their clients must not be told OK
        for (int i = 0; i < batch.size(); i++) {
            if (written) batch.get(i).opened(opened.get(i));
            else batch.get(i).abortConnection();
        }
    }
}
