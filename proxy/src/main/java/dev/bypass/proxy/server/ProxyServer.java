package dev.bypass.proxy.server;

import dev.bypass.proxy.pool.Mirror;
import dev.bypass.proxy.pool.Pool;
import dev.bypass.proxy.pool.PoolKey;
import dev.bypass.proxy.pool.ServerConnection;
import dev.bypass.proxy.wire.CancelRequest;
import dev.bypass.proxy.wire.PgFrameDecoder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The PostgreSQL proxy: accepts clients, authenticates them, and runs their traffic over pooled server connections
 * ({@link Pool} per database and user). A virtual database {@value #ADMIN_DATABASE} answers {@code SHOW POOLS},
 * {@code SHOW CLIENTS}, {@code SHOW SERVERS}, {@code SHOW STATS}, {@code PAUSE}, {@code RESUME} and {@code RELOAD}.
 */
public final class ProxyServer implements AutoCloseable {
    public static final String ADMIN_DATABASE = "bypass";

    /** Replaced by {@link #reload()}: sessions read it afresh for each login. */
    private volatile ProxyConfig config;
    private volatile java.nio.file.Path configFile;
    private final QueryHook queryHook;
    private final Transport transport;
    private final EventLoopGroup group;
    private final Map<PoolKey, Pool> pools = new ConcurrentHashMap<>();
    private final Map<Integer, ClientSession> sessions = new ConcurrentHashMap<>();
    private final AtomicInteger nextProcessId = new AtomicInteger(1);
    private final AdminConsole admin = new AdminConsole(this);
    /** Copies picked statements to the shadow server; null without {@code mirror} in the config. */
    private final Mirror mirror;
    private final Counter[] statementCounters = new Counter[Protocol.values().length];
    private final Counter rejectedClients;
    private Channel listener;

    /** Built once from the configured certificate and key; null without client TLS. */
    private final io.netty.handler.ssl.SslContext clientTls;
    private final byte[] clientTlsBinding;
    /** TLS towards PostgreSQL, built once; null without it. */
    private final io.netty.handler.ssl.SslContext serverTls;

    public ProxyServer(ProxyConfig config, QueryHook queryHook, MeterRegistry metrics) {
        this.config = config;
        this.clientTls = clientTls(config.clientTls());
        this.clientTlsBinding = binding(config.clientTls());
        this.serverTls = serverTls(config.serverTls());
        this.queryHook = queryHook;
        this.transport = Transport.create();
        this.group = transport.group();
        for (Protocol p : Protocol.values())
            statementCounters[p.ordinal()] = Counter.builder("bypass.proxy.queries").tag("protocol", p.name().toLowerCase(java.util.Locale.ROOT))
                    .description("statements sent to servers to run: each statement of a simple query, each Execute, each FunctionCall")
                    .register(metrics);
        this.rejectedClients = Counter.builder("bypass.proxy.clients.rejected").description("clients refused at max_client_conn").register(metrics);
        this.mirror = config.mirror() == null ? null : new Mirror(this::mirrorPool, config.mirror().queueLimit());
        if (mirror != null) {
            for (String outcome : new String[] {"queued", "dropped", "completed", "failed"}) {
                io.micrometer.core.instrument.FunctionCounter.builder("bypass.proxy.mirror.requests", mirror, m -> switch (outcome) {
                            case "queued" -> m.stats().submitted();
                            case "dropped" -> m.stats().dropped();
                            case "completed" -> m.stats().completed();
                            default -> m.stats().failed();
                        }).tag("outcome", outcome).description("requests copied to the shadow server, by outcome").register(metrics);
            }
        }
        io.micrometer.core.instrument.FunctionCounter.builder("bypass.proxy.server.checks.failed", this,
                        p -> p.pools.values().stream().mapToLong(Pool::checksFailed).sum())
                .description("server health checks that failed (the server was closed)").register(metrics);
        Gauge.builder("bypass.proxy.clients.active", sessions, Map::size).description("connected clients").register(metrics);
        Gauge.builder("bypass.proxy.servers.active", this, p -> p.pools.values().stream().mapToInt(x -> x.stats().servers()).sum())
                .description("open server connections").register(metrics);
    }

    private static io.netty.handler.ssl.SslContext clientTls(ProxyConfig.ClientTls tls) {
        if (tls == null) return null;
        for (java.nio.file.Path f : java.util.List.of(tls.certFile(), tls.keyFile()))
            if (!java.nio.file.Files.isReadable(f)) throw new IllegalArgumentException("client TLS: cannot read " + f);
        try {
            return io.netty.handler.ssl.SslContextBuilder.forServer(tls.certFile().toFile(), tls.keyFile().toFile())
                    .protocols("TLSv1.3", "TLSv1.2").build();
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("client TLS: cannot use certificate " + tls.certFile() + " with key " + tls.keyFile()
                    + " (PEM certificate and unencrypted PKCS#8 PEM key expected): " + e.getMessage(), e);
        }
    }

    private static io.netty.handler.ssl.SslContext serverTls(ProxyConfig.ServerTls tls) {
        if (tls == null) return null;
        try {
            var b = io.netty.handler.ssl.SslContextBuilder.forClient().protocols("TLSv1.3", "TLSv1.2");
            if (tls.caFile() != null) {
                if (!java.nio.file.Files.isReadable(tls.caFile())) throw new IllegalArgumentException("server TLS: cannot read " + tls.caFile());
                b.trustManager(tls.caFile().toFile());
                // verify-ca checks the chain only; verify-full also the host name (Netty checks it by default)
                b.endpointIdentificationAlgorithm(tls.verifyHost() ? "HTTPS" : null);
            } else {
                // sslmode=require: encrypted, the server's certificate is not checked
                b.trustManager(io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
            }
            return b.build();
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("server TLS: " + e.getMessage(), e);
        }
    }

    /** The TLS context for clients, or null when TLS is not configured. */
    io.netty.handler.ssl.SslContext clientTlsContext() { return clientTls; }

    /** tls-server-end-point channel-binding data of the client-facing certificate (SCRAM-SHA-256-PLUS), or null. */
    byte[] clientTlsBinding() { return clientTlsBinding; }

    private static byte[] binding(ProxyConfig.ClientTls tls) {
        if (tls == null) return null;
        try (var in = java.nio.file.Files.newInputStream(tls.certFile())) {
            var cert = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
            return ScramServer.endPoint(cert);
        } catch (java.io.IOException | java.security.cert.CertificateException e) {
            throw new IllegalArgumentException("client TLS: cannot read certificate " + tls.certFile() + ": " + e.getMessage(), e);
        }
    }

    /** Binds the listening socket; returns once clients can connect. */
    public ProxyServer start() throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap().group(group).channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override protected void initChannel(SocketChannel ch) {
                        if (sessions.size() >= config.maxClients()) {
                            rejectedClients.increment();
                            ch.close();
                            return;
                        }
                        PgFrameDecoder decoder = new PgFrameDecoder(PgFrameDecoder.State.STARTUP);
                        ch.pipeline().addLast(decoder, new ClientSession(ProxyServer.this, decoder, nextProcessId.getAndIncrement()));
                    }
                });
        listener = b.bind(config.listenHost(), config.port()).sync().channel();
        // pool upkeep: minimum sizes, idle timeouts, lifetimes
        group.next().scheduleAtFixedRate(() -> {
            for (Pool p : pools.values()) p.maintain();
        }, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
        return this;
    }

    public int port() { return ((InetSocketAddress) listener.localAddress()).getPort(); }

    public ProxyConfig config() { return config; }

    /** The file {@link #reload()} re-reads; without one, RELOAD is refused. */
    public ProxyServer configFile(java.nio.file.Path file) {
        this.configFile = file;
        return this;
    }

    /**
     * Re-reads the configuration file. Authentication (auth_type, auth_file users), max_client_conn and
     * query_wait_timeout take effect for the next logins; the returned list names changed settings that need a
     * restart (listen address, server, pool mode and size, TLS files), which keep their running values.
     */
    public synchronized java.util.List<String> reload() throws java.io.IOException {
        java.nio.file.Path file = configFile;
        if (file == null) throw new IllegalStateException("this proxy was started without a configuration file");
        ProxyConfig next = ProxyConfigFile.read(file), now = config;
        java.util.List<String> restart = new java.util.ArrayList<>();
        if (!next.listenHost().equals(now.listenHost()) || next.port() != now.port()) restart.add("listen_addr/listen_port");
        if (!next.backendHost().equals(now.backendHost()) || next.backendPort() != now.backendPort()) restart.add("[databases]");
        if (next.poolMode() != now.poolMode()) restart.add("pool_mode");
        if (next.poolSize() != now.poolSize()) restart.add("default_pool_size");
        if (!java.util.Objects.equals(next.clientTls(), now.clientTls())) restart.add("client_tls_*");
        if (!java.util.Objects.equals(next.serverTls(), now.serverTls())) restart.add("server_tls_*");
        config = new ProxyConfig(now.listenHost(), now.port(), now.backendHost(), now.backendPort(), now.poolMode(), now.poolSize(),
                next.maxClients(), next.acquireTimeout(), next.clientAuth(), next.users(), now.clientTls(), now.serverTls(), now.limits(),
                now.replicas(), now.mirror());
        if (!java.util.Objects.equals(next.mirror(), now.mirror())) restart.add("mirror/mirror_queue_size");
        if (!next.replicas().equals(now.replicas())) restart.add("replicas");
        if (!next.limits().equals(now.limits())) restart.add("min_pool_size/server_idle_timeout/server_lifetime/server_check_*");
        return restart;
    }

    QueryHook queryHook() { return queryHook; }

    AdminConsole admin() { return admin; }

    boolean isAdminDatabase(String db) { return ADMIN_DATABASE.equals(db); }

    Pool pool(String database, String user) {
        return pool(database, user, 0);
    }

    /** The pool for a backend: 0 is the primary, 1.. the replicas in configuration order. */
    public Pool pool(String database, String user, int backend) {
        ProxyConfig config = this.config;
        if (backend < 0 || backend > config.replicas().size()) backend = 0;
        String host = backend == 0 ? config.backendHost() : config.replicas().get(backend - 1).host();
        int port = backend == 0 ? config.backendPort() : config.replicas().get(backend - 1).port();
        return pools.computeIfAbsent(new PoolKey(database, user, backend), k -> newPool(config, k, config.poolSize(), host, port));
    }

    /** The shadow server's pool for a (database, user): one connection, the primary's credentials. */
    private Pool mirrorPool(PoolKey key) {
        ProxyConfig config = this.config;
        return pools.computeIfAbsent(key, k -> newPool(config, k, 1, config.mirror().host(), config.mirror().port()));
    }

    /** A pool of at most {@code size} connections to {@code host:port} as the key's user, with the config's settings. */
    private Pool newPool(ProxyConfig config, PoolKey key, int size, String host, int port) {
        return new Pool(key, config.users().get(key.user()), size, config.acquireTimeout(), group, transport.socketChannel(), host, port,
                serverTls, config.serverTls() != null && config.serverTls().required(), config.limits());
    }

    /** Mirroring, or null when no shadow server is configured. */
    public Mirror mirror() { return mirror; }

    List<Pool> pools() { return List.copyOf(pools.values()); }

    Map<Integer, ClientSession> sessions() { return sessions; }

    /** How statements reach the server: simple Query, extended Execute, FunctionCall. */
    enum Protocol { SIMPLE, EXTENDED, FUNCTION_CALL }

    /** Counts statements sent to be run, whatever the protocol: each statement of a simple query, each Execute. */
    void countStatements(Protocol protocol, int statements) {
        statementCounters[protocol.ordinal()].increment(statements);
    }

    private final dev.bypass.proxy.sql.StatementClassifier classifier = new dev.bypass.proxy.sql.StatementClassifier();

    /** The classifier shared by all sessions (its cache is per proxy). */
    dev.bypass.proxy.sql.StatementClassifier classifier() { return classifier; }

    void sessionOpened(ClientSession s) { sessions.put(s.processId, s); }

    void sessionClosed(ClientSession s) { sessions.remove(s.processId); }

    void hold(ServerConnection s, ClientSession owner) { s.hold(owner); }

    void release(ServerConnection s) { poolOf(s).release(s); }

    void discard(ServerConnection s, String reason) { poolOf(s).discard(s, reason); }

    void resetAndRelease(ServerConnection s, String sql) {
        Pool p = poolOf(s);
        s.reset(sql, () -> {
            if (s.transactionStatus() == 'I') p.release(s);
            else p.discard(s, "reset left the server in a transaction");
        });
    }

    private static Pool poolOf(ServerConnection s) { return s.pool(); }

    /**
     * Relays a client's CancelRequest (which names this proxy's process id and key) to the server that is running
     * that client's query, with the server's own id and key. Unknown or mismatched keys are ignored, as PostgreSQL
     * ignores them.
     */
    void cancel(CancelRequest req) {
        ClientSession s = sessions.get(req.processId());
        if (s == null || s.secretKey != req.secretKey()) return;
        ServerConnection server = s.currentServer();
        if (server == null || server.key() == null) return;
        var key = server.key();
        Thread.ofVirtual().start(() -> {
            try (Socket sock = new Socket()) {
                sock.connect(new InetSocketAddress(config.backendHost(), config.backendPort()), 5000);
                OutputStream out = sock.getOutputStream();
                byte[] msg = java.nio.ByteBuffer.allocate(16).putInt(16).putInt(80877102).putInt(key.processId()).putInt(key.secretKey()).array();
                out.write(msg);
                out.flush();
                sock.getInputStream().read(); // the server closes the connection when done
            } catch (java.io.IOException ignored) {
                // cancellation is best effort, as in PostgreSQL
            }
        });
    }

    /** PAUSE: no server is handed out until {@link #resume()}; clients already holding one finish normally. */
    void pause() { for (Pool p : pools.values()) p.pause(); }

    void resume() { for (Pool p : pools.values()) p.resume(); }

    @Override
    public void close() {
        // Bounded waits: a shutdown must end even if an event loop died abnormally and never reports termination.
        if (listener != null) listener.close().awaitUninterruptibly(5, java.util.concurrent.TimeUnit.SECONDS);
        for (Pool p : pools.values()) p.close();
        if (mirror != null) mirror.close();
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly(10, java.util.concurrent.TimeUnit.SECONDS);
    }
}
