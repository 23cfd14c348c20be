package dev.bypass.proxy.pool;

import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Copies chosen requests to a shadow server. Each (database, user) has a lane: a bounded queue of request bytes
 * (a simple Query, or an extended-protocol batch up to its Sync) run one after another on a connection of the
 * shadow's pool, replies discarded. {@link #submit} never blocks: a full lane drops the request and counts it, so a
 * slow or absent shadow costs the primary path one queue offer.
 */
public final class Mirror {
    private final Function<PoolKey, Pool> pools;
    private final int queueLimit;
    private final Map<PoolKey, Lane> lanes = new ConcurrentHashMap<>();
    private final AtomicLong submitted = new AtomicLong(), dropped = new AtomicLong(), completed = new AtomicLong(), failed = new AtomicLong();

    /** {@code pools} gives the shadow's pool for a (database, user). */
    public Mirror(Function<PoolKey, Pool> pools, int queueLimit) {
        this.pools = pools;
        this.queueLimit = queueLimit;
    }

    private final class Lane {
        final PoolKey key;
        final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
        boolean running;

        Lane(PoolKey key) { this.key = key; }

        /** Runs the next request if none is running. */
        void next() {
            ByteBuf request;
            synchronized (this) {
                if (running || (request = queue.poll()) == null) return;
                running = true;
            }
            Pool pool = pools.apply(key);
            pool.acquire().whenComplete((conn, e) -> {
                if (e != null) {
                    request.release();
                    failed.incrementAndGet();
                    done();
                    return;
                }
                conn.channel().eventLoop().execute(() -> conn.runDetached(request, () -> {
                    completed.incrementAndGet();
                    pool.release(conn);
                    done();
                }, () -> { // the shadow closed the connection or failed fatally: the pool replaces it, the lane goes on
                    failed.incrementAndGet();
                    done();
                }));
            });
        }

        private void done() {
            synchronized (this) { running = false; }
            next();
        }
    }

    /**
     * Queues {@code request} (ownership passes here) for the shadow server of {@code database}/{@code user}; false
     * when the lane is full and the request was dropped.
     */
    public boolean submit(String database, String user, ByteBuf request) {
        Lane lane = lanes.computeIfAbsent(new PoolKey(database, user, -1), Lane::new);
        synchronized (lane) {
            if (lane.queue.size() >= queueLimit) {
                request.release();
                dropped.incrementAndGet();
                return false;
            }
            lane.queue.add(request);
        }
        submitted.incrementAndGet();
        lane.next();
        return true;
    }

    /** Requests queued, dropped because a lane was full, run on the shadow, and lost (no login, or the connection went). */
    public record Stats(long submitted, long dropped, long completed, long failed) {}

    public Stats stats() { return new Stats(submitted.get(), dropped.get(), completed.get(), failed.get()); }

    /** Drops whatever is still queued. */
    public void close() {
        for (Lane lane : lanes.values()) {
            synchronized (lane) {
                ByteBuf b;
                while ((b = lane.queue.poll()) != null) b.release();
            }
        }
    }
}
