package dev.bypass.proxy.pool;

import dev.bypass.proxy.config.Secret;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.wire.PgFrameDecoder;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Server connections for one (database, user): at most {@code size} of them, and {@code reserveSize} more once a
 * client has waited {@code reserveTimeout}; idle ones reused most recently used first (or oldest first with
 * server_round_robin), clients waiting in FIFO order when all are busy, each wait bounded by the acquire timeout. A
 * server slot also needs room under max_db_connections and max_user_connections ({@link ServerCaps}). A lost
 * connection is forgotten and replaced on demand, so a restarted PostgreSQL heals the pool; after a failed login the
 * pool answers clients with that failure for server_login_retry before it tries again.
 */
public final class Pool {
    /**
     * What a pool is made of. {@code key}: the client-side database and the user; {@code serverDatabase} and
     * {@code serverUser}: what the servers are logged in as; {@code hosts}: host names, addresses or Unix socket
     * directories, one per new connection in turn when {@code loadBalance}, else the first until one fails;
     * {@code startupParameters}: extra start-up parameters (client_encoding, ...); {@code connectQuery}: run once
     * after each login.
     */
    public record Spec(PoolKey key, String serverDatabase, String serverUser, Secret secret, List<String> hosts, int port,
                       boolean loadBalance, Map<String, String> startupParameters, int size, int reserveSize, Duration reserveTimeout,
                       Duration acquireTimeout, Duration connectTimeout, Duration loginRetry, ProxyConfig.PoolLimits limits,
                       boolean roundRobin, String connectQuery, int maxPrepared) {
        public Spec {
            hosts = List.copyOf(hosts);
            startupParameters = Map.copyOf(startupParameters);
        }
    }

    /** How the pool reaches its servers: an address for a host, the channel type for it, TLS. */
    public interface Network {
        SocketAddress address(String host, int port);

        Class<? extends Channel> channelType(SocketAddress address);

        /** A TLS negotiator for a new connection, or null (Unix sockets and TLS disabled never get one). */
        io.netty.channel.ChannelHandler tls(SocketAddress address, String host, int port, ServerConnection conn);

        /** What is known of the password of the pool's server user now (it may come from auth_query). */
        Secret secret(Spec spec);

        /** The ClientKey a SCRAM login of {@code user} revealed, or null (for servers that store a SCRAM secret). */
        byte[] clientKey(String user);

        /** How the servers' messages are read (large rows streamed, the buffer budget). */
        PgFrameDecoder.Limits serverLimits();

        /** Socket options for a new server connection (keepalive, buffers). */
        void configure(Bootstrap b);

        /** One log line about a server connection (connect, close). */
        void event(String line);
    }

    private final Spec spec;
    private final EventLoopGroup group;
    private final Network network;
    private final ServerCaps caps;
    private final ArrayDeque<ServerConnection> idle = new ArrayDeque<>();
    /** A client waiting for a server, since when (for the admin console's wait times). */
    private record Waiter(CompletableFuture<ServerConnection> future, long since) {}

    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private final PoolStats stats = new PoolStats();
    private final List<ServerConnection> all = new ArrayList<>();
    private int opening;
    private boolean paused, reserveOpen, waitingForSlot;
    private long created, lost, retired, checksFailed;
    private int nextHost;
    /** After a failed login: until when clients get {@link #lastFailure} at once. */
    private long retryAfterNanos;
    private ServerConnection.ServerLoginException lastFailure;
    /** Servers marked by RECONNECT or RELOAD: closed when next released. */
    private long reconnectEpoch;
    private volatile long lastActiveNanos = System.nanoTime();
    private final long idleTimeoutNanos, lifetimeNanos, checkDelayNanos;

    public Pool(Spec spec, EventLoopGroup group, Network network, ServerCaps caps) {
        this.spec = spec;
        this.group = group;
        this.network = network;
        this.caps = caps;
        this.idleTimeoutNanos = spec.limits().idleTimeout().toNanos();
        this.lifetimeNanos = spec.limits().lifetime().toNanos();
        this.checkDelayNanos = spec.limits().checkQuery().isEmpty() ? 0 : spec.limits().checkDelay().toNanos();
        caps.register(this);
    }

    public PoolKey key() { return spec.key(); }

    public Spec spec() { return spec; }

    public PoolStats statistics() { return stats; }

    /** A server connection for exclusive use, now or when one frees up; fails after the acquire timeout. */
    public CompletableFuture<ServerConnection> acquire() {
        CompletableFuture<ServerConnection> f = new CompletableFuture<>();
        lastActiveNanos = System.nanoTime();
        synchronized (this) {
            ServerConnection s = tryAcquire();
            if (s != null) {
                f.complete(s);
                return f;
            }
            if (!paused && System.nanoTime() < retryAfterNanos && all.isEmpty() && opening == 0) {
                // the servers failed to log in a moment ago: say so now rather than queue for nothing
                f.completeExceptionally(lastFailure);
                return f;
            }
            waiters.addLast(new Waiter(f, System.nanoTime()));
            if (!paused && all.size() + opening < limit()) open();
        }
        // The timers run on the caller's event loop when there is one: scheduling and cancelling there is a heap
        // operation on that thread, where a JDK-wide timer would wake another thread for every wait.
        io.netty.util.concurrent.EventExecutor here = io.netty.util.internal.ThreadExecutorMap.currentExecutor();
        io.netty.util.concurrent.EventExecutor timer = here != null ? here : group.next();
        try {
            long wait = spec.acquireTimeout().toMillis();
            if (wait > 0) {
                var timeout = timer.schedule(() -> {
                    if (f.completeExceptionally(new TimeoutException("no server connection within " + wait + " ms (query_wait_timeout)")))
                        synchronized (this) { waiters.removeIf(w -> w.future() == f); }
                }, wait, TimeUnit.MILLISECONDS);
                f.whenComplete((s, e) -> timeout.cancel(false));
            }
            if (spec.reserveSize() > 0) {
                var reserve = timer.schedule(this::openReserve, Math.max(1, spec.reserveTimeout().toMillis()), TimeUnit.MILLISECONDS);
                f.whenComplete((s, e) -> reserve.cancel(false));
            }
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            synchronized (this) { waiters.removeIf(w -> w.future() == f); }
            f.completeExceptionally(new IllegalStateException("proxy shutting down"));
        }
        return f;
    }

    /** The most servers this pool may have now: its size, and its reserve once a client has waited long enough. */
    private int limit() { return spec.size() + (reserveOpen ? spec.reserveSize() : 0); }

    /** A client has waited reserve_pool_timeout: the reserve opens while anyone still waits. */
    private void openReserve() {
        synchronized (this) {
            Waiter oldest = waiters.peekFirst();
            if (oldest == null || System.nanoTime() - oldest.since() < spec.reserveTimeout().toNanos()) return;
            reserveOpen = true;
            while (!paused && waiters.size() > opening && all.size() + opening < limit()) {
                int before = opening;
                open();
                if (opening == before) break; // no slot under the caps
            }
        }
    }

    /**
     * An idle server connection for exclusive use right away, or null when there is none (then {@link #acquire()}
     * waits in line). Idle connections exist only while nobody waits, so taking one never jumps the queue.
     */
    public synchronized ServerConnection tryAcquire() {
        if (paused) return null;
        ServerConnection s = takeIdle();
        if (s != null) lastActiveNanos = System.nanoTime();
        return s;
    }

    /**
     * The idle connection next in line; unless server_round_robin asks for strict order, one that runs on the
     * caller's event loop first, so that the client's traffic to it and back never crosses threads.
     */
    private ServerConnection takeIdle() {
        if (idle.size() > 1 && !spec.roundRobin()) {
            for (var it = idle.iterator(); it.hasNext(); ) {
                ServerConnection c = it.next();
                Channel ch = c.channel();
                if (ch != null && ch.eventLoop().inEventLoop()) {
                    it.remove();
                    return c;
                }
            }
        }
        return idle.pollFirst();
    }

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

    /** Opens one more server if the caps allow it; called with the pool lock held. */
    private void open() {
        if (!caps.take(spec.key().database(), spec.serverUser())) {
            if (!waitingForSlot) {
                waitingForSlot = true;
                // outside this pool's lock: the other pools' idle servers are closed for this one
                group.next().execute(() -> caps.await(this));
            }
            return;
        }
        openWithSlot();
    }

    /** Opens one more server with a slot under the caps already taken; called with the pool lock held. */
    private void openWithSlot() {
        opening++;
        String host = spec.hosts().get(nextHost % spec.hosts().size());
        if (spec.loadBalance()) nextHost++;
        SocketAddress address = network.address(host, spec.port());
        ServerConnection conn = new ServerConnection(this, spec.serverUser(), network.secret(spec), network.clientKey(spec.serverUser()),
                spec.serverDatabase(), spec.startupParameters(), host);
        Bootstrap bootstrap = new Bootstrap().group(group).channel(network.channelType(address))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, Math.max(1, spec.connectTimeout().toMillis())));
        network.configure(bootstrap);
        ChannelFuture cf = bootstrap
                .handler(new ChannelInitializer<Channel>() {
                    @Override protected void initChannel(Channel ch) {
                        io.netty.channel.ChannelHandler tls = network.tls(address, host, spec.port(), conn);
                        if (tls != null) ch.pipeline().addLast(tls);
                        ch.pipeline().addLast(new PgFrameDecoder(PgFrameDecoder.State.REGULAR, network.serverLimits()), conn);
                    }
                }).connect(address);
        cf.addListener(x -> {
            if (!cf.isSuccess()) failOpen(conn, cf.cause() == null ? "connect failed" : cf.cause().getMessage(), true);
        });
        // connect and login within server_connect_timeout
        var deadline = group.next().schedule(() -> {
            if (!conn.login().isDone()) conn.loginTimedOut("connect and login did not finish within " + spec.connectTimeout().toMillis() + " ms (server_connect_timeout)");
        }, Math.max(1, spec.connectTimeout().toMillis()), TimeUnit.MILLISECONDS);
        conn.login().whenComplete((s, e) -> {
            deadline.cancel(false);
            if (e != null) {
                failOpen(conn, e.getMessage(), !cf.isDone() || cf.isSuccess());
                return;
            }
            synchronized (this) {
                opening--;
                all.add(conn);
                created++;
                conn.epoch = reconnectEpoch;
            }
            network.event(conn.prefix() + "new connection to server (from " + conn.channel().localAddress() + ")");
            knownParameters = conn.parameters();
            if (spec.connectQuery() != null && !spec.connectQuery().isEmpty()) {
                // run once before any client sees the server; an error is logged and otherwise ignored (PgBouncer's meaning)
                conn.channel().eventLoop().execute(() -> conn.runQuery(spec.connectQuery(), () -> release(conn)));
            } else {
                release(conn);
            }
        });
    }

    /**
     * Another pool's server closed and its slot under the caps is this pool's now: a server opens with it if clients
     * still wait, else the slot goes back (on an event loop, never inside the closing pool's lock).
     */
    void slotGranted() {
        group.next().execute(() -> {
            boolean use;
            synchronized (this) {
                waitingForSlot = false;
                use = !paused && !waiters.isEmpty() && all.size() + opening < limit();
                if (use) openWithSlot();
            }
            if (!use) caps.release(spec.key().database(), spec.serverUser());
        });
    }

    /** Servers open or opening, read without the lock (a hint for sharing the caps evenly, may be stale). */
    int serverCountRelaxed() { return all.size() + opening; }

    /** Closes this pool's longest-idle server for a pool waiting under a shared cap; false when none is idle. */
    boolean evictIdle() {
        ServerConnection victim;
        synchronized (this) {
            victim = idle.pollLast();
            if (victim == null) return false;
            all.remove(victim);
            retired++;
        }
        victim.close();
        caps.release(spec.key().database(), spec.serverUser());
        network.event(victim.prefix() + "closing because: evicted (another pool waits under max_db_connections or max_user_connections)");
        return true;
    }

    private void failOpen(ServerConnection conn, String reason, boolean slotTaken) {
        List<CompletableFuture<ServerConnection>> failed = new ArrayList<>();
        var error = new ServerConnection.ServerLoginException("cannot connect to server for database \"" + spec.key().database()
                + "\" as \"" + spec.serverUser() + "\": " + reason);
        synchronized (this) {
            if (conn.openFailed) return;
            conn.openFailed = true;
            opening--;
            if (!spec.loadBalance()) nextHost++; // load_balance_hosts = disable: the next host once this one fails
            lastFailure = error;
            retryAfterNanos = System.nanoTime() + spec.loginRetry().toNanos();
            // Without any connection able to log in, waiting clients would only time out: tell them why now.
            if (all.isEmpty() && opening == 0) {
                for (Waiter w : waiters) failed.add(w.future());
                waiters.clear();
            }
        }
        conn.close();
        caps.release(spec.key().database(), spec.serverUser());
        network.event(conn.prefix() + "closing because: " + reason);
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

    /** Nanoseconds since a client last asked this pool for a server. */
    public long idleNanos() { return System.nanoTime() - lastActiveNanos; }

    /**
     * Upkeep, run every second: closes idle servers past the idle timeout (keeping the minimum) or past their
     * lifetime or marked by RECONNECT, runs the health check on servers idle for the check delay (taking them out of
     * the pool meanwhile), and opens servers up to the minimum size ({@code keepMinimum}: the pool has a forced user
     * or a client).
     */
    public void maintain(int minSize, boolean keepMinimum) {
        List<ServerConnection> close = new ArrayList<>(), check = new ArrayList<>();
        synchronized (this) {
            long now = System.nanoTime();
            int min = keepMinimum ? Math.min(minSize, spec.size()) : 0;
            for (var it = idle.descendingIterator(); it.hasNext(); ) { // least recently used first
                ServerConnection c = it.next();
                boolean old = lifetimeNanos > 0 && now - c.createdNanos > lifetimeNanos;
                boolean unused = idleTimeoutNanos > 0 && now - c.lastUsedNanos > idleTimeoutNanos && all.size() - close.size() > min;
                boolean marked = c.epoch < reconnectEpoch;
                boolean beyondReserve = !reserveOpen && all.size() - close.size() > spec.size();
                if (old || unused || marked || beyondReserve) {
                    it.remove();
                    all.remove(c);
                    retired++;
                    close.add(c);
                } else if (checkDelayNanos > 0 && now - Math.max(c.lastUsedNanos, c.lastCheckNanos) > checkDelayNanos && c.channel() != null) {
                    it.remove();
                    check.add(c);
                }
            }
            if (waiters.isEmpty()) reserveOpen = false;
            while (!paused && all.size() + opening < Math.max(min, Math.min(limit(), waiters.size())) && System.nanoTime() >= retryAfterNanos) {
                int before = opening;
                open();
                if (opening == before) break;
            }
        }
        for (ServerConnection c : close) closeServer(c);
        for (ServerConnection c : check) c.channel().eventLoop().execute(() -> c.check(spec.limits().checkQuery(), () -> giveBack(c, false)));
    }

    private void closeServer(ServerConnection c) {
        c.close();
        caps.release(spec.key().database(), spec.serverUser());
        network.event(c.prefix() + "closing because: server retired (idle timeout, lifetime or RECONNECT) (age=" + c.ageSeconds() + "s)");
    }

    /** Health checks that failed (their servers were closed). */
    public synchronized long checksFailed() { return checksFailed; }

    /** Returns a clean connection (transaction status idle) to the pool or hands it to the next waiter. */
    public void release(ServerConnection conn) { giveBack(conn, true); }

    /** {@code used}: the connection served a client (restarts its idle time), rather than a health check. */
    private void giveBack(ServerConnection conn, boolean used) {
        Waiter next;
        boolean evict = false;
        synchronized (this) {
            if (conn.state() == ServerConnection.State.CLOSED) return;
            boolean expired = lifetimeNanos >= 0 && (lifetimeNanos == 0 && used || lifetimeNanos > 0 && System.nanoTime() - conn.createdNanos > lifetimeNanos);
            if (expired || conn.epoch < reconnectEpoch || all.size() > limit()) {
                // past its lifetime, marked by RECONNECT, or beyond the size now that the reserve closed: replaced
                all.remove(conn);
                retired++;
                closeServer(conn);
                if (!waiters.isEmpty() && all.size() + opening < limit()) open();
                return;
            }
            if (caps.othersWaiting(this, all.size() + opening)) {
                // another pool under a shared max_db/user_connections waits for a slot: it gets this one
                all.remove(conn);
                retired++;
                evict = true;
            }
            next = null;
            if (!evict && !paused) while ((next = waiters.pollFirst()) != null && next.future().isDone()) { }
            if (evict) {
                // closed below, outside the lock; this pool's own waiters queue for a slot again
                if (!waiters.isEmpty() && all.size() + opening < limit()) open();
            } else if (next == null) {
                conn.idle();
                if (used) conn.lastUsedNanos = System.nanoTime();
                if (spec.roundRobin()) idle.addLast(conn);
                else idle.addFirst(conn);
                return;
            }
        }
        if (evict) {
            conn.close();
            caps.release(spec.key().database(), spec.serverUser());
            network.event(conn.prefix() + "closing because: evicted (another pool waits under max_db_connections or max_user_connections)");
            return;
        }
        if (!next.future().complete(conn)) giveBack(conn, used);
    }

    /** How long the client now given a server waited, for SHOW STATS (call when a waiter got its server). */
    public void assigned(long waitedNanos) { stats.assigned(waitedNanos / 1000); }

    /** Closes a connection that is not fit for reuse (broken, or left in an unknown state). */
    public void discard(ServerConnection conn, String reason) {
        conn.close();
        lost(conn);
        network.event(conn.prefix() + "closing because: " + reason + " (age=" + conn.ageSeconds() + "s)");
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
            if (!waiters.isEmpty() && all.size() + opening < limit()) open();
        }
        caps.release(spec.key().database(), spec.serverUser());
    }

    public synchronized void pause() { paused = true; }

    public synchronized boolean paused() { return paused; }

    public void resume() {
        List<ServerConnection> ready;
        synchronized (this) {
            paused = false;
            ready = new ArrayList<>(idle);
            idle.clear();
            if (!waiters.isEmpty() && all.size() + opening < limit()) open();
        }
        for (ServerConnection c : ready) release(c);
    }

    /** RECONNECT: every current server is closed when next released (idle ones at once), new ones open as needed. */
    public void reconnect() {
        List<ServerConnection> close;
        synchronized (this) {
            reconnectEpoch++;
            close = new ArrayList<>(idle);
            idle.clear();
            all.removeAll(close);
            retired += close.size();
        }
        for (ServerConnection c : close) closeServer(c);
    }

    synchronized boolean isMarked(ServerConnection c) { return c.epoch < reconnectEpoch; }

    /** Servers not yet closed since the last RECONNECT (WAIT_CLOSE waits for none). */
    public synchronized int marked() {
        int n = 0;
        for (ServerConnection c : all) if (c.epoch < reconnectEpoch) n++;
        return n;
    }

    /** Servers that are not idle in the pool: held by clients or running a check or reset. */
    public synchronized int busy() { return all.size() - idle.size(); }

    public synchronized List<ServerConnection> servers() { return List.copyOf(all); }

    public synchronized Stats stats() {
        Waiter oldest = waiters.peekFirst();
        int used = 0, tested = 0;
        long now = System.nanoTime();
        for (ServerConnection c : idle) if (checkDelayNanos > 0 && now - Math.max(c.lastUsedNanos, c.lastCheckNanos) > checkDelayNanos) used++;
        for (ServerConnection c : all) if (c.state() == ServerConnection.State.RESETTING) tested++;
        return new Stats(spec.key(), all.size(), idle.size() - used, all.size() - idle.size() - tested, used, tested, opening, waiters.size(),
                oldest == null ? 0 : (now - oldest.since()) / 1000, created, lost, retired);
    }

    /**
     * {@code active}: held by a client; {@code idle}: ready; {@code used}: idle past server_check_delay (checked before
     * use); {@code tested}: running a check or reset; {@code opening}: logging in; {@code maxWaitMicros}: how long the
     * oldest waiting client has waited; {@code lost}: servers that broke; {@code retired}: servers closed by the
     * idle timeout, lifetime or RECONNECT.
     */
    public record Stats(PoolKey key, int servers, int idle, int active, int used, int tested, int opening, int waiting,
                        long maxWaitMicros, long created, long lost, long retired) {}

    /** Ends every server and fails every waiter (shutdown, KILL). */
    public void close() {
        kill("proxy shutting down");
        caps.unregister(this);
    }

    public void kill(String reason) {
        List<ServerConnection> conns;
        List<Waiter> failed;
        synchronized (this) {
            conns = new ArrayList<>(all);
            all.clear();
            idle.clear();
            failed = new ArrayList<>(waiters);
            waiters.clear();
        }
        caps.forget(this);
        for (Waiter w : failed) w.future().completeExceptionally(new IllegalStateException(reason));
        for (ServerConnection c : conns) closeServer(c);
    }

    /** The pools of a proxy, by key, for code that makes them on demand. */
    public interface Factory extends Function<PoolKey, Pool> {}
}
