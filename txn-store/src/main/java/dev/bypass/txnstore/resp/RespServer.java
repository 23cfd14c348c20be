package dev.bypass.txnstore.resp;

import dev.bypass.txnstore.Isolation;
import dev.bypass.txnstore.SerializationFailure;
import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.StoreException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A Redis-protocol server over a {@link Store}. Listens on 127.0.0.1 unless {@link RespAccess} names another address,
 * with TLS when it has a context; users and their permissions are {@link Acl}'s. Commands run on the I/O threads; their
 * commits do not wait there one by one: the replies of a round of reads wait together for one log write (as Redis
 * writes its append-only file once per event-loop iteration); on a replicated store the I/O thread does not wait at
 * all, and the replies go out, in order per connection, when the round's log entry commits ({@link OwedReplies}). A housekeeping thread removes expired keys in small
 * transactions of their own (active expiry: writers are never held for it) and closes idle clients.
 */
public final class RespServer implements AutoCloseable {
    /** Keys active expiry removes per database and round; a round runs every 100 ms. */
    static final int EXPIRE_BATCH = 200;

    private final EventLoopGroup boss, workers;
    private final Channel channel;
    private final Server server;
    private final ScheduledExecutorService housekeeping;

    private RespServer(Store store, Procedures procedures, int port, int threads, RespConfig config, RespAccess access) throws InterruptedException {
        Map<EventLoop, OwedReplies> owed = new ConcurrentHashMap<>();
        // Linux epoll when its native library loads (fewer system calls per read than NIO's selector), NIO otherwise.
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory handlers = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        boss = new MultiThreadIoEventLoopGroup(1, handlers);
        workers = new MultiThreadIoEventLoopGroup(threads, handlers);
        Server shared = new Server(store, procedures, config, access);
        try {
            channel = new ServerBootstrap().group(boss, workers)
                    .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(Connection.PAUSE_BYTES / 2, Connection.PAUSE_BYTES))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override protected void initChannel(SocketChannel ch) {
                            if (access.tls() != null) ch.pipeline().addLast(access.tls().newHandler(ch.alloc()));
                            Runnable serve = () -> ch.pipeline().addLast(new Connection(shared, loop -> owed.computeIfAbsent(loop, l -> new OwedReplies(l, store))));
                            Router r = router;
                            if (r == null) serve.run();
                            else r.route(ch, serve);
                        }
                    })
                    .bind(new InetSocketAddress(access.bind(), port)).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
            throw e;
        }
        server = shared;
        server.port = ((InetSocketAddress) channel.localAddress()).getPort();
        housekeeping = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("resp-housekeeping").daemon().unstarted(r));
        housekeeping.scheduleWithFixedDelay(this::housekeep, 100, 100, TimeUnit.MILLISECONDS);
    }

    /**
     * I/O threads by default: half the cores. A thread no longer blocks per commit (a round of reads shares one log
     * write, see {@link OwedReplies}), so more threads than that only contend.
     */
    public static int defaultThreads() { return Math.max(1, Runtime.getRuntime().availableProcessors() / 2); }

    /** Starts a server with the default limits; port 0 picks a free one (see {@link #port()}). */
    public static RespServer start(Store store, Procedures procedures, int port) throws InterruptedException {
        return start(store, procedures, port, defaultThreads(), RespConfig.defaults());
    }

    public static RespServer start(Store store, Procedures procedures, int port, int threads) throws InterruptedException {
        return start(store, procedures, port, threads, RespConfig.defaults());
    }

    public static RespServer start(Store store, Procedures procedures, int port, int threads, RespConfig config) throws InterruptedException {
        return start(store, procedures, port, threads, config, RespAccess.defaults());
    }

    /**
     * Starts a server listening where {@code access} says, with its users and TLS.
     *
     * @throws IllegalArgumentException for an ACL file or user line that cannot be read, naming it and the line
     */
    public static RespServer start(Store store, Procedures procedures, int port, int threads, RespConfig config, RespAccess access) throws InterruptedException {
        if (threads < 1) throw new IllegalArgumentException("threads must be positive: " + threads);
        return new RespServer(store, procedures, port, threads, config, access);
    }

    public int port() { return server.port; }

    /** Decides for each accepted connection whether this server serves it (a replica's follower relays to its leader). */
    @FunctionalInterface
    public interface Router {
        /**
         * Called on the connection's event loop before anything is read: runs {@code serve} to have this server serve
         * the connection (at once or after looking at its first bytes), or takes the channel's pipeline over.
         */
        void route(SocketChannel channel, Runnable serve);
    }

    private volatile Router router;

    /** Routes connections accepted from now on through {@code r} (null: serve them all here). */
    public void router(Router r) { router = r; }

    /** Supplies the lines of {@code INFO replication} (without the section header); null restores the single-node lines. */
    public void replicationInfo(java.util.function.Supplier<String> lines) { server.replicationInfo = lines; }

    public RespConfig config() { return server.config(); }

    /** The server's users (for tests in this package). */
    Acl acl() { return server.acl; }

    /** Bytes counted against {@code maxmemory} now. */
    public long usedMemory() { return server.usedMemory(); }

    /** Resolves when the server channel closes. */
    public void awaitClose() throws InterruptedException { channel.closeFuture().sync(); }

    private void housekeep() {
        try {
            int timeout = server.config().timeoutSeconds();
            if (timeout > 0) {
                long now = System.currentTimeMillis();
                for (Connection c : server.clients.values()) if (c.idleMillis(now) > timeout * 1000L) c.close();
            }
            for (int db = 0; db < RedisData.DATABASES; db++) expireSome(db);
        } catch (StoreException e) {
            // the store is closing, or its log failed: commands report that to clients
        }
    }

    /**
     * Removes up to {@link #EXPIRE_BATCH} keys of a database whose deadline passed, in one snapshot-isolation
     * transaction: it conflicts only with writers of the same keys, and then simply tries again next round.
     */
    void expireSome(int db) {
        RedisData data = server.data;
        if (data.expires(db).approximateSize() == 0) return;
        long now = System.currentTimeMillis();
        byte[] upTo = RedisData.deadlineKey(now + 1, new byte[0]);
        List<byte[]> due = new ArrayList<>();
        server.store.read(tx -> {
            tx.scan(data.expires(db), null, upTo, (k, v) -> {
                due.add(k);
                return due.size() < EXPIRE_BATCH;
            });
            return null;
        });
        if (due.isEmpty()) return;
        try (var tx = server.store.begin(Isolation.SNAPSHOT)) {
            int n = 0;
            for (byte[] entry : due) {
                byte[] key = java.util.Arrays.copyOfRange(entry, 8, entry.length);
                byte[] raw = tx.get(data.keys(db), key);
                RedisData.Value v = raw == null ? null : new RedisData.Value(raw);
                if (v == null || !v.expired(now)) {
                    if (v == null || v.expireAt() != RedisData.getLong(entry, 0)) tx.delete(data.expires(db), entry); // stale
                    continue;
                }
                data.delete(tx, db, key);
                n++;
            }
            tx.commit();
            server.expiredKeys.addAndGet(n);
        } catch (SerializationFailure e) {
            // a client wrote one of these keys meanwhile: next round
        }
    }

    @Override public void close() {
        housekeeping.shutdownNow();
        // Bounded waits: a shutdown must end even if an event loop died abnormally and never reports termination.
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        try {
            housekeeping.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
