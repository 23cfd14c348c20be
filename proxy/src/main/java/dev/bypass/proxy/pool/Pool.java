package dev.bypass.proxy.pool;

import dev.bypass.proxy.wire.PgFrameDecoder;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Server connections for one (database, user): at most {@code maxSize} of them, idle ones reused most recently
 * used first, clients waiting in FIFO order when all are busy, each wait bounded by {@code acquireTimeout}. A lost
 * connection is forgotten and replaced on demand, so a restarted PostgreSQL heals the pool.
 */
public final class Pool {
    private final PoolKey key;
    private final String password;
    private final int maxSize;
    private final Duration acquireTimeout;
    private final Bootstrap bootstrap;
    private final EventLoopGroup group;
    private final ArrayDeque<ServerConnection> idle = new ArrayDeque<>();
    /** A client waiting for a server, since when (for the admin console's wait times). */
    private record Waiter(CompletableFuture<ServerConnection> future, long since) {}

    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    /** Requests answered (ReadyForQuery), transactions among them, and the time clients waited for a server. */
    private final java.util.concurrent.atomic.LongAdder requests = new java.util.concurrent.atomic.LongAdder(),
            transactions = new java.util.concurrent.atomic.LongAdder();
    private long waitNanos;
    private final List<ServerConnection> all = new ArrayList<>();
    private int opening;
    private boolean paused;
    private long created, lost;

    /** TLS towards the server (null: plain text), and whether a server refusing it fails the login. */
    private final io.netty.handler.ssl.SslContext serverTls;
    private final boolean serverTlsRequired;
    private final String host;
    private final int port;

    private final int minSize;
    private final long idleTimeoutNanos, lifetimeNanos, checkDelayNanos;
    private final String checkQuery;
    private long checksFailed;
    private long retired;

    public Pool(PoolKey key, String password, int maxSize, Duration acquireTimeout, EventLoopGroup group,
                Class<? extends io.netty.channel.socket.SocketChannel> channelType, String host, int port) {
        this(key, password, maxSize, acquireTimeout, group, channelType, host, port, null, false,
                dev.bypass.proxy.server.ProxyConfig.PoolLimits.DEFAULT);
    }

    public Pool(PoolKey key, String password, int maxSize, Duration acquireTimeout, EventLoopGroup group,
                Class<? extends io.netty.channel.socket.SocketChannel> channelType, String host, int port,
                io.netty.handler.ssl.SslContext serverTls, boolean serverTlsRequired, dev.bypass.proxy.server.ProxyConfig.PoolLimits limits) {
        this.minSize = limits.minSize();
        this.idleTimeoutNanos = limits.idleTimeout().toNanos();
        this.lifetimeNanos = limits.lifetime().toNanos();
        this.checkQuery = limits.checkQuery();
        this.checkDelayNanos = checkQuery.isEmpty() ? 0 : limits.checkDelay().toNanos();
        this.serverTls = serverTls;
        this.serverTlsRequired = serverTlsRequired;
        this.host = host;
        this.port = port;
        this.key = key;
        this.password = password;
        this.maxSize = maxSize;
        this.acquireTimeout = acquireTimeout;
        this.group = group;
        this.bootstrap = new Bootstrap().group(group).channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .remoteAddress(host, port);
    }

    public PoolKey key() { return key; }

    /** A server connection for exclusive use, now or when one frees up; fails after the acquire timeout. */
    public CompletableFuture<ServerConnection> acquire() {
        CompletableFuture<ServerConnection> f = new CompletableFuture<>();
        synchronized (this) {
            ServerConnection s = tryAcquire();
            if (s != null) {
                f.complete(s);
                return f;
            }
            waiters.addLast(new Waiter(f, System.nanoTime()));
            if (!paused && all.size() + opening < maxSize) open();
        }
        // The timer runs on the caller's event loop when there is one: scheduling and cancelling there is a heap
        // operation on that thread, where a JDK-wide timer would wake another thread for every wait.
        io.netty.util.concurrent.EventExecutor here = io.netty.util.internal.ThreadExecutorMap.currentExecutor();
        io.netty.util.concurrent.EventExecutor timer = here != null ? here : group.next();
        try {
            var timeout = timer.schedule(() -> {
                if (f.completeExceptionally(new TimeoutException("no server connection within " + acquireTimeout.toMillis() + " ms")))
                    synchronized (this) { waiters.removeIf(w -> w.future() == f); }
            }, acquireTimeout.toMillis(), TimeUnit.MILLISECONDS);
            f.whenComplete((s, e) -> timeout.cancel(false));
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            synchronized (this) { waiters.removeIf(w -> w.future() == f); }
            f.completeExceptionally(new IllegalStateException("proxy shutting down"));
        }
        return f;
    }

    /**
     * An idle server connection for exclusive use right away, or null when there is none (then {@link #acquire()}
     * waits in line). Idle connections exist only while nobody waits, so taking one never jumps the queue.
     */
    public synchronized ServerConnection tryAcquire() { return paused ? null : idle.pollFirst(); }

    /**
     * One shared instance per distinct set of server parameters, so that a session handed another server compares
     * the two sets by identity in the common case (bounded: a pool's servers report the same few sets).
     */
    Map<String, String> canonical(Map<String, String> parameters) {
        Map<String, String> known = parameterSets.get(parameters);
        if (known != null) return known;
        if (parameterSets.size() < 64) parameterSets.putIfAbsent(parameters, parameters);
        return parameterSets.getOrDefault(parameters, parameters);
    }

    private final Map<Map<String, String>, Map<String, String>> parameterSets = new java.util.concurrent.ConcurrentHashMap<>();

    private void open() {
        opening++;
        ServerConnection conn = new ServerConnection(this, key.user(), password);
        ChannelFuture cf = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override protected void initChannel(SocketChannel ch) {
                if (serverTls != null) ch.pipeline().addLast(new ServerTls(serverTls, serverTlsRequired, host, port, conn));
                ch.pipeline().addLast(new PgFrameDecoder(PgFrameDecoder.State.REGULAR), conn);
            }
        }).connect();
        cf.addListener(x -> {
            if (!cf.isSuccess()) failOpen(conn, cf.cause() == null ? "connect failed" : cf.cause().toString());
        });
        conn.login().whenComplete((s, e) -> {
            if (e != null) {
                failOpen(conn, e.getMessage());
                return;
            }
            synchronized (this) {
                opening--;
                all.add(conn);
                created++;
            }
            knownParameters = conn.parameters();
            release(conn);
        });
    }

    private void failOpen(ServerConnection conn, String reason) {
        List<CompletableFuture<ServerConnection>> failed = new ArrayList<>();
        synchronized (this) {
            opening--;
            // Without any connection able to log in, waiting clients would only time out: tell them why now.
            if (all.isEmpty() && opening == 0) {
                for (Waiter w : waiters) failed.add(w.future());
                waiters.clear();
            }
        }
        conn.close();
        var error = new ServerConnection.ServerLoginException("cannot connect to server for database \"" + key.database()
                + "\" as \"" + key.user() + "\": " + reason);
        for (var w : failed) w.completeExceptionally(error);
    }

    /** Statement definitions (unnamed) a server of this pool has parsed successfully; bounded. */
    private final java.util.Set<dev.bypass.proxy.wire.Parse> parsed = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** A server of this pool accepted {@code definition} (unnamed): the same text and types parse here. */
    public void parsedOk(dev.bypass.proxy.wire.Parse definition) {
        if (parsed.size() < 10_000) parsed.add(definition);
    }

    /**
     * Whether a server of this pool has parsed {@code definition} (unnamed) before: a client preparing it again is
     * answered without taking a server, the statement being prepared on whichever server the client later uses.
     */
    public boolean parsedBefore(dev.bypass.proxy.wire.Parse definition) { return parsed.contains(definition); }

    private volatile Map<String, String> knownParameters;

    /**
     * The parameters the pool's servers reported at their last login (null before any server logged in): what a
     * client logging in for transaction pooling is told, without taking a server for it.
     */
    public Map<String, String> knownParameters() { return knownParameters; }

    /**
     * Upkeep, run every second: closes idle servers past the idle timeout (keeping the minimum) or past their
     * lifetime, runs the health check on servers idle for the check delay (taking them out of the pool meanwhile),
     * and opens servers up to the minimum size.
     */
    public void maintain() {
        List<ServerConnection> close = new ArrayList<>(), check = new ArrayList<>();
        synchronized (this) {
            long now = System.nanoTime();
            for (var it = idle.descendingIterator(); it.hasNext(); ) { // least recently used first
                ServerConnection c = it.next();
                boolean old = lifetimeNanos > 0 && now - c.createdNanos > lifetimeNanos;
                boolean unused = idleTimeoutNanos > 0 && now - c.lastUsedNanos > idleTimeoutNanos && all.size() - close.size() > minSize;
                if (old || unused) {
                    it.remove();
                    all.remove(c);
                    retired++;
                    close.add(c);
                } else if (checkDelayNanos > 0 && now - Math.max(c.lastUsedNanos, c.lastCheckNanos) > checkDelayNanos && c.channel() != null) {
                    it.remove();
                    check.add(c);
                }
            }
            while (!paused && all.size() + opening < Math.max(minSize, Math.min(maxSize, waiters.size()))) open();
        }
        for (ServerConnection c : close) c.close();
        for (ServerConnection c : check) c.channel().eventLoop().execute(() -> c.check(checkQuery, () -> giveBack(c, false)));
    }

    /** Health checks that failed (their servers were closed). */
    public synchronized long checksFailed() { return checksFailed; }

    /** Returns a clean connection (transaction status idle) to the pool or hands it to the next waiter. */
    public void release(ServerConnection conn) { giveBack(conn, true); }

    /** {@code used}: the connection served a client (restarts its idle time), rather than a health check. */
    private void giveBack(ServerConnection conn, boolean used) {
        Waiter next;
        synchronized (this) {
            if (conn.state() == ServerConnection.State.CLOSED) return;
            if (lifetimeNanos > 0 && System.nanoTime() - conn.createdNanos > lifetimeNanos) {
                // past its lifetime: replaced rather than reused (waiters get a fresh one)
                all.remove(conn);
                retired++;
                conn.close();
                if (!waiters.isEmpty() && all.size() + opening < maxSize) open();
                return;
            }
            next = null;
            if (!paused) while ((next = waiters.pollFirst()) != null && next.future().isDone()) { }
            if (next == null) {
                conn.idle();
                if (used) conn.lastUsedNanos = System.nanoTime();
                idle.addFirst(conn);
                return;
            }
            waitNanos += System.nanoTime() - next.since();
        }
        if (!next.future().complete(conn)) giveBack(conn, used);
    }

    /** Closes a connection that is not fit for reuse (broken, or left in an unknown state). */
    public void discard(ServerConnection conn, String reason) {
        conn.close();
        lost(conn);
    }

    /** The health check failed on {@code conn}: it is closed and counted. */
    void checkFailed(ServerConnection conn, String reason) {
        synchronized (this) { checksFailed++; }
        discard(conn, reason);
    }

    void lost(ServerConnection conn) {
        synchronized (this) {
            if (!all.remove(conn)) return;
            idle.remove(conn);
            lost++;
            if (!waiters.isEmpty() && all.size() + opening < maxSize) open();
        }
    }

    public synchronized void pause() { paused = true; }

    public void resume() {
        List<ServerConnection> ready;
        synchronized (this) {
            paused = false;
            ready = new ArrayList<>(idle);
            idle.clear();
            if (!waiters.isEmpty() && all.size() + opening < maxSize) open();
        }
        for (ServerConnection c : ready) release(c);
    }

    public synchronized Stats stats() {
        Waiter oldest = waiters.peekFirst();
        return new Stats(key, all.size(), idle.size(), all.size() - idle.size(), opening, waiters.size(),
                oldest == null ? 0 : (System.nanoTime() - oldest.since()) / 1000, created, lost, retired,
                requests.sum(), transactions.sum(), waitNanos / 1000);
    }

    /**
     * {@code opening}: servers logging in; {@code maxWaitMicros}: how long the oldest waiting client has waited;
     * {@code lost}: servers that broke; {@code retired}: servers closed by the idle timeout or lifetime;
     * {@code requests}: requests answered by a server (each simple query or extended batch up to its Sync),
     * {@code transactions}: those that left the server idle (an autocommit statement or a transaction's end);
     * {@code waitMicros}: time clients spent waiting for a server, in total.
     */
    public record Stats(PoolKey key, int servers, int idle, int active, int opening, int waiting, long maxWaitMicros,
                        long created, long lost, long retired, long requests, long transactions, long waitMicros) {}

    /** A server of this pool answered a request (ReadyForQuery); {@code idle}: it ended a transaction. */
    public void requestDone(boolean idle) {
        requests.increment();
        if (idle) transactions.increment();
    }

    public void close() {
        List<ServerConnection> conns;
        synchronized (this) {
            conns = new ArrayList<>(all);
            for (var w : waiters) w.future().completeExceptionally(new IllegalStateException("proxy shutting down"));
            waiters.clear();
        }
        for (ServerConnection c : conns) c.close();
    }

}
