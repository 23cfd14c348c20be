package dev.bypass.proxy.server;

import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.config.ProxyConfigFile;
import dev.bypass.proxy.hooks.HookPrograms;
import dev.bypass.proxy.hooks.QueryHook;
import dev.bypass.proxy.config.DatabaseConfig;
import dev.bypass.proxy.config.PeerConfig;
import dev.bypass.proxy.config.Secret;
import dev.bypass.proxy.config.Setting;
import dev.bypass.proxy.config.Settings;
import dev.bypass.proxy.config.UserConfig;
import dev.bypass.proxy.pool.Mirror;
import dev.bypass.proxy.pool.Pool;
import dev.bypass.proxy.pool.PoolKey;
import dev.bypass.proxy.pool.PoolStats;
import dev.bypass.proxy.pool.ServerCaps;
import dev.bypass.proxy.pool.ServerConnection;
import dev.bypass.proxy.sql.StatementClassifier;
import dev.bypass.proxy.wire.BufferBudget;
import dev.bypass.proxy.wire.CancelRequest;
import dev.bypass.proxy.wire.PgFrameDecoder;
import dev.bypass.proxy.wire.ReadyForQuery;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The PostgreSQL proxy: accepts clients, authenticates them, and runs their traffic over pooled server connections
 * ({@link Pool} per database and user) as a PgBouncer configuration describes. The admin console is the virtual
 * database {@code pgbouncer} (also {@value #ADMIN_DATABASE}), answering PgBouncer's commands ({@link AdminConsole}).
 *
 * <p>Connections that have not logged in are kept apart from logged-in clients: at most max_login_clients of them
 * (a new one evicts the one that has sent the least, idle sockets first), each for at most client_login_timeout,
 * so idle or slow sockets can never hold the slots of max_client_conn, which counts logged-in clients only.
 */
public final class ProxyServer implements AutoCloseable {
    public static final String ADMIN_DATABASE = ProxyConfig.ADMIN_DATABASE;
    public static final String PGBOUNCER_DATABASE = ProxyConfig.PGBOUNCER_DATABASE;
    /** Messages of the streamable types longer than this are passed on in pieces rather than gathered. */
    public static final int STREAM_THRESHOLD = 64 * 1024;

    /** Replaced by {@link #reload()} and the console's SET: sessions read it afresh for each login. */
    private volatile ProxyConfig config;
    /** The verbose key, read for every message (kept apart from config: no map lookup on that path). */
    private volatile int verbose;
    private final QueryHook queryHook;
    private final Transport transport;
    private final EventLoopGroup group;
    private final Map<PoolKey, Pool> pools = new ConcurrentHashMap<>();
    private final Map<Integer, ClientSession> sessions = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final AdminConsole admin = new AdminConsole(this);
    private final Mirror mirror;
    private final Counter[] statementCounters = new Counter[Protocol.values().length];
    private final Counter rejectedClients, evictedLogins, loginTimeouts;
    private final List<Channel> listeners = new ArrayList<>();
    private final ProxyLog log = new ProxyLog();
    private final StatementClassifier classifier = new StatementClassifier();
    private final BufferBudget budget;
    private final ServerCaps caps = new ServerCaps();
    private final Tls tls;
    private final long startedMillis = System.currentTimeMillis();
    /** Logged-in clients (what max_client_conn counts), and connections still logging in (max_login_clients). */
    private final AtomicInteger loggedIn = new AtomicInteger();
    private final java.util.Set<ClientSession> loggingIn = ConcurrentHashMap.newKeySet();
    /** Passwords learnt from auth_query and ClientKeys learnt from SCRAM logins, by user. */
    private final Map<String, Secret> queriedSecrets = new ConcurrentHashMap<>();
    private final Map<String, byte[]> clientKeys = new ConcurrentHashMap<>();
    /** Per database: PAUSE db, DISABLE db, KILL db (paused until RESUME). */
    private final Map<String, Boolean> pausedDatabases = new ConcurrentHashMap<>(), disabledDatabases = new ConcurrentHashMap<>();
    private volatile boolean paused, suspended, shuttingDown;
    private volatile Runnable shutdownRequest = () -> Thread.ofPlatform().daemon().start(this::close);
    private final Map<String, PoolStats.Totals> previousTotals = new ConcurrentHashMap<>(), averages = new ConcurrentHashMap<>();
    private volatile long previousStatsNanos = System.nanoTime();
    private final Map<String, java.util.Map.Entry<InetAddress[], Long>> dns = new ConcurrentHashMap<>();
    private Path pidfile;

    public ProxyServer(ProxyConfig config, QueryHook queryHook, MeterRegistry metrics) {
        this.config = config;
        this.verbose = config.get(Settings.VERBOSE);
        this.tls = new Tls(config);
        this.queryHook = queryHook;
        this.transport = Transport.create(config.get(Settings.TRANSPORT));
        this.group = transport.group();
        this.budget = new BufferBudget(config.get(Settings.BUFFER_BUDGET));
        applyCaps(config);
        log.file(config.get(Settings.LOGFILE));
        for (Protocol p : Protocol.values())
            statementCounters[p.ordinal()] = Counter.builder("bypass.proxy.queries").tag("protocol", p.name().toLowerCase(Locale.ROOT))
                    .description("statements sent to servers to run: each statement of a simple query, each Execute, each FunctionCall")
                    .register(metrics);
        this.rejectedClients = Counter.builder("bypass.proxy.clients.rejected").description("logins refused at max_client_conn").register(metrics);
        this.evictedLogins = Counter.builder("bypass.proxy.logins.evicted")
                .description("connections still logging in that were closed to make room for a new one (max_login_clients)").register(metrics);
        this.loginTimeouts = Counter.builder("bypass.proxy.logins.timeouts").description("connections closed at client_login_timeout").register(metrics);
        ProxyConfig.Mirror m = config.mirror();
        this.mirror = m == null ? null : new Mirror(this::mirrorPool, m.queueLimit());
        if (mirror != null) {
            for (String outcome : new String[] {"queued", "dropped", "completed", "failed"}) {
                FunctionCounter.builder("bypass.proxy.mirror.requests", mirror, x -> switch (outcome) {
                            case "queued" -> x.stats().submitted();
                            case "dropped" -> x.stats().dropped();
                            case "completed" -> x.stats().completed();
                            default -> x.stats().failed();
                        }).tag("outcome", outcome).description("requests copied to the shadow server, by outcome").register(metrics);
            }
        }
        FunctionCounter.builder("bypass.proxy.server.checks.failed", this, p -> p.pools.values().stream().mapToLong(Pool::checksFailed).sum())
                .description("server health checks that failed (the server was closed)").register(metrics);
        Gauge.builder("bypass.proxy.clients.active", loggedIn, AtomicInteger::get).description("logged-in clients").register(metrics);
        Gauge.builder("bypass.proxy.clients.login", loggingIn, java.util.Set::size).description("connections still logging in").register(metrics);
        Gauge.builder("bypass.proxy.servers.active", this, p -> p.pools.values().stream().mapToInt(x -> x.stats().servers()).sum())
                .description("open server connections").register(metrics);
        Gauge.builder("bypass.proxy.buffer.held", budget, BufferBudget::held).baseUnit("bytes")
                .description("bytes held in messages being gathered whole (at most buffer_budget)").register(metrics);
    }

    private void applyCaps(ProxyConfig c) {
        caps.limits(db -> {
            DatabaseConfig d = c.database(db);
            return d != null && d.maxDbConnections() != null ? d.maxDbConnections() : c.get(Settings.MAX_DB_CONNECTIONS);
        }, user -> {
            UserConfig u = c.user(user);
            return u != null && u.maxUserConnections() != null ? u.maxUserConnections() : c.get(Settings.MAX_USER_CONNECTIONS);
        });
    }

    /** The TLS contexts of a configuration, built once (RELOAD builds new ones when the TLS settings change). */
    static final class Tls {
        final io.netty.handler.ssl.SslContext client, server;
        final byte[] clientBinding;

        Tls(ProxyConfig c) {
            client = TlsContexts.client(c);
            server = TlsContexts.server(c);
            clientBinding = TlsContexts.binding(c);
        }
    }

    /** Binds the listening sockets (TCP and the Unix socket); returns once clients can connect. */
    public ProxyServer start() throws InterruptedException {
        ProxyConfig c = config;
        applyPrograms(c); // a program that fails verification stops the start
        int port = c.port();
        List<String> addresses = c.get(Settings.LISTEN_ADDR);
        for (String a : addresses) {
            if (a.equals("*")) {
                listeners.add(bind(new InetSocketAddress("0.0.0.0", port), c));
                try {
                    listeners.add(bind(new InetSocketAddress("::", port == 0 ? tcpPort() : port), c));
                } catch (RuntimeException noIpv6) {
                    log.warning("cannot listen on IPv6 (::): " + noIpv6.getMessage());
                }
            } else {
                listeners.add(bind(new InetSocketAddress(a, port == 0 && !listeners.isEmpty() ? tcpPort() : port), c));
            }
        }
        String dir = c.get(Settings.UNIX_SOCKET_DIR);
        if (!dir.isEmpty()) {
            if (!transport.unixSockets()) {
                log.warning("unix_socket_dir = " + dir + ": Unix sockets need the io_uring or epoll transport, neither of which runs; listening on TCP only");
            } else {
                listeners.add(bindUnix(Path.of(dir), port == 0 && tcpPort() > 0 ? tcpPort() : port, c));
            }
        }
        if (listeners.isEmpty()) throw new IllegalArgumentException("nothing to listen on: set listen_addr (and/or unix_socket_dir)");
        String pid = c.get(Settings.PIDFILE);
        if (!pid.isEmpty()) {
            pidfile = Path.of(pid);
            try {
                Files.writeString(pidfile, ProcessHandle.current().pid() + "\n");
            } catch (IOException e) {
                throw new IllegalArgumentException("pidfile: cannot write " + pidfile + ": " + e.getMessage());
            }
        }
        every(this::upkeep, 1000);
        every(this::checkTimeouts, 250);
        every(this::statsPeriod, 1000);
        log.info(transport.describe());
        log.info("listening on " + String.join(", ", listeners.stream().map(l -> String.valueOf(l.localAddress())).toList()));
        return this;
    }

    /** A task every {@code millis}; an exception is logged and the task goes on (a scheduled task that throws stops). */
    private void every(Runnable task, long millis) {
        group.next().scheduleAtFixedRate(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("internal error in a periodic task: " + e);
            }
        }, millis, millis, TimeUnit.MILLISECONDS);
    }

    private Channel bind(InetSocketAddress address, ProxyConfig c) throws InterruptedException {
        ServerBootstrap b = bootstrap(transport.serverChannel(), c).childOption(ChannelOption.TCP_NODELAY, true);
        socketOptions(c, b::childOption);
        if (transport.linuxOptions()) {
            b.option(transport.reusePort(), c.get(Settings.SO_REUSEPORT));
            if (c.get(Settings.TCP_DEFER_ACCEPT)) b.option(transport.deferAccept(), 45);
        } else if (c.get(Settings.SO_REUSEPORT)) {
            throw new IllegalArgumentException("so_reuseport needs the io_uring or epoll transport (this proxy runs on nio)");
        }
        try {
            return b.bind(address).sync().channel();
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot listen on " + address.getHostString() + ":" + address.getPort() + " (listen_addr, listen_port): " + e.getMessage(), e);
        }
    }

    private Channel bindUnix(Path dir, int port, ProxyConfig c) throws InterruptedException {
        Path socket = dir.resolve(".s.PGSQL." + port);
        if (Files.exists(socket)) {
            // a socket left by a process that died: remove it; one that answers belongs to a live process
            try (var probe = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(socket))) {
                throw new IllegalArgumentException("unix_socket_dir: another process listens on " + socket);
            } catch (IOException stale) {
                try {
                    Files.deleteIfExists(socket);
                } catch (IOException e) {
                    throw new IllegalArgumentException("unix_socket_dir: cannot remove stale socket " + socket + ": " + e.getMessage());
                }
            }
        }
        Channel ch;
        try {
            ch = bootstrap(transport.domainServerChannel(), c).bind(new DomainSocketAddress(socket.toFile())).sync().channel();
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot listen on Unix socket " + socket + " (unix_socket_dir): " + e.getMessage(), e);
        }
        try {
            Files.setPosixFilePermissions(socket, permissions(c.get(Settings.UNIX_SOCKET_MODE)));
            String group = c.get(Settings.UNIX_SOCKET_GROUP);
            if (!group.isEmpty()) {
                var g = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
                Files.getFileAttributeView(socket, java.nio.file.attribute.PosixFileAttributeView.class).setGroup(g);
            }
        } catch (IOException e) {
            ch.close();
            throw new IllegalArgumentException("unix_socket_mode/unix_socket_group on " + socket + ": " + e.getMessage());
        }
        unixSocket = socket;
        return ch;
    }

    private Path unixSocket;

    private static java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions(int mode) {
        var out = java.util.EnumSet.noneOf(java.nio.file.attribute.PosixFilePermission.class);
        var all = java.nio.file.attribute.PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE, 9 bits high to low
        for (int i = 0; i < 9; i++) if ((mode & (1 << (8 - i))) != 0) out.add(all[i]);
        return out;
    }

    private <C extends io.netty.channel.ServerChannel> ServerBootstrap bootstrap(Class<? extends C> type, ProxyConfig c) {
        return new ServerBootstrap().group(group).channel(type)
                .option(ChannelOption.SO_BACKLOG, c.get(Settings.LISTEN_BACKLOG))
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(64, c.get(Settings.PKT_BUF), 65536))
                .childOption(ChannelOption.MAX_MESSAGES_PER_READ, c.get(Settings.SBUF_LOOPCNT) == 0 ? 16 : c.get(Settings.SBUF_LOOPCNT))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override protected void initChannel(Channel ch) {
                        ProxyConfig now = config;
                        PgFrameDecoder decoder = new PgFrameDecoder(PgFrameDecoder.State.STARTUP,
                                PgFrameDecoder.Limits.client(now.get(Settings.MAX_PACKET_SIZE), STREAM_THRESHOLD, budget));
                        ch.pipeline().addLast(decoder, new ClientSession(ProxyServer.this, decoder, nextProcessId()));
                    }
                });
    }

    /** A process id for a client's cancel key: this proxy's peer_id in its top bits when peering is on. */
    private int nextProcessId() {
        int id = nextId.getAndIncrement() & 0x3ffff;
        int peer = config.get(Settings.PEER_ID);
        return peer == 0 ? nextId.get() - 1 : (peer << 18) | id;
    }

    /** The port of the first TCP listener (0 when listening on the Unix socket only). */
    public int port() { return tcpPort(); }

    /** The network transport this proxy runs on (chosen once, at construction). */
    public Transport transport() { return transport; }

    private int tcpPort() {
        for (Channel l : listeners) if (l.localAddress() instanceof InetSocketAddress a) return a.getPort();
        return 0;
    }

    /** The Unix socket path, or null. */
    public Path unixSocket() { return unixSocket; }

    public ProxyConfig config() { return config; }

    /** The verbose key (RELOAD and SET take effect at once). */
    int verbose() { return verbose; }

    /** The file {@link #reload()} re-reads; without one, RELOAD is refused. */
    public ProxyServer configFile(Path file) {
        config = config.withFile(file);
        return this;
    }

    /**
     * Re-reads the configuration file. Settings that may change on a running proxy take effect for the next logins
     * and pools (a database entry whose destination changed closes its servers as they are released, as RECONNECT
     * does); the returned list names changed settings that keep their running value until a restart.
     */
    public synchronized List<String> reload() throws IOException {
        ProxyConfig now = config;
        Path file = now.get(Settings.CONFFILE) != null && !now.get(Settings.CONFFILE).isEmpty() ? Path.of(now.get(Settings.CONFFILE)) : now.file();
        if (file == null) throw new IllegalStateException("this proxy was started without a configuration file");
        ProxyConfig next = ProxyConfigFile.read(file);
        List<String> restart = new ArrayList<>();
        if (!(queryHook instanceof HookPrograms) && next.programs() != null && !next.programs().equals(now.programs())) restart.add("[programs]");
        if (next.programs() == null && now.programs() != null) next = next.withPrograms(Map.of()); // the section removed: nothing runs
        applyPrograms(next); // first: a program the verifier refuses fails the RELOAD, and everything running stays
        for (Setting<?> s : Settings.all()) {
            if (!s.reloadable() && !java.util.Objects.equals(next.get(s), now.get(s))) {
                restart.add(s.name());
                next = keep(next, s, now);
            }
        }
        install(next, now);
        log.info("RELOAD command issued" + (restart.isEmpty() ? "" : "; needing a restart: " + String.join(", ", restart)));
        return restart;
    }

    /** Loads the [programs] section into a programmable hook and swaps it in; what it did goes to the log. */
    private void applyPrograms(ProxyConfig c) {
        if (!(queryHook instanceof HookPrograms hp) || c.programs() == null) return;
        try {
            for (String line : hp.apply(c.programs())) log.info(line);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> ProxyConfig keep(ProxyConfig next, Setting<T> s, ProxyConfig now) { return next.with(s, now.get(s)); }

    /** Makes {@code next} the running configuration: caps, log file, and pools whose servers now go elsewhere. */
    private void install(ProxyConfig next, ProxyConfig now) {
        config = next;
        verbose = next.get(Settings.VERBOSE);
        applyCaps(next);
        log.file(next.get(Settings.LOGFILE)); // reopened every time: log rotation
        for (Pool p : pools.values()) {
            Pool.Spec wanted = spec(next, p.key());
            if (wanted == null || !sameDestination(wanted, p.spec())) {
                // servers of the old definition close as they are released; new logins get a pool of the new one
                pools.remove(p.key(), p);
                p.reconnect();
                retiredPools.add(p);
            }
        }
    }

    private final java.util.Set<Pool> retiredPools = ConcurrentHashMap.newKeySet();

    private static boolean sameDestination(Pool.Spec a, Pool.Spec b) {
        return a.serverDatabase().equals(b.serverDatabase()) && a.serverUser().equals(b.serverUser()) && a.hosts().equals(b.hosts())
                && a.port() == b.port() && a.startupParameters().equals(b.startupParameters()) && a.size() == b.size()
                && a.reserveSize() == b.reserveSize() && java.util.Objects.equals(a.connectQuery(), b.connectQuery())
                && a.limits().equals(b.limits()) && a.acquireTimeout().equals(b.acquireTimeout()) && a.roundRobin() == b.roundRobin()
                && a.loadBalance() == b.loadBalance() && java.util.Objects.equals(a.secret(), b.secret());
    }

    /** The console's SET: one setting on the running proxy, if it may change there; the new text is returned. */
    public synchronized void set(String key, String value) {
        Setting<?> s = Settings.named(key.toLowerCase(Locale.ROOT));
        if (s == null) throw new IllegalArgumentException("unknown config variable: " + key);
        if (!s.reloadable()) throw new IllegalArgumentException(key + " cannot be changed while the proxy runs (changeable = no)");
        Object v = s.parse(value);
        ProxyConfig now = config;
        ProxyConfig next = now.withText(s, v, value);
        install(next, now);
    }

    /** Checks what only a start would otherwise find: the TLS certificates and keys, the Unix socket directory. */
    public static void validate(ProxyConfig c) {
        new Tls(c);
        String dir = c.get(Settings.UNIX_SOCKET_DIR);
        if (!dir.isEmpty() && !Files.isDirectory(Path.of(dir))) throw new IllegalArgumentException("unix_socket_dir: no such directory " + dir);
    }

    /** One line about a configuration: what it listens on, its databases, pooling and authentication. */
    public static String summary(ProxyConfig c) {
        List<String> listen = new ArrayList<>();
        for (String a : c.get(Settings.LISTEN_ADDR)) listen.add(a + ":" + c.port());
        if (!c.get(Settings.UNIX_SOCKET_DIR).isEmpty()) listen.add(c.get(Settings.UNIX_SOCKET_DIR) + "/.s.PGSQL." + c.port());
        return "listening on " + String.join(", ", listen) + "; " + c.databases().size() + " database entr" + (c.databases().size() == 1 ? "y" : "ies")
                + "; " + c.poolMode().name().toLowerCase(Locale.ROOT) + " pooling; auth_type " + c.text(Settings.AUTH_TYPE) + "; "
                + c.secrets().size() + " users in auth_file";
    }

    /** RELOAD from a signal: errors are logged, the running settings stay. */
    public void reloadQuietly() {
        try {
            List<String> restart = reload();
            if (!restart.isEmpty()) log.warning("RELOAD: changed settings that take effect only after a restart: " + String.join(", ", restart));
        } catch (IOException | RuntimeException e) {
            log.error("RELOAD failed, running settings kept: " + e.getMessage());
        }
    }

    public void pauseAll() { pause(null); }

    public void resumeAll() { resume(null); }

    QueryHook queryHook() { return queryHook; }

    AdminConsole admin() { return admin; }

    ProxyLog log() { return log; }

    BufferBudget budget() { return budget; }

    public BufferBudget bufferBudget() { return budget; }

    ServerCaps caps() { return caps; }

    long startedMillis() { return startedMillis; }

    /** The classifier shared by all sessions (its cache is per proxy). */
    StatementClassifier classifier() { return classifier; }

    boolean isAdminDatabase(String db) { return ADMIN_DATABASE.equals(db) || PGBOUNCER_DATABASE.equals(db); }

    io.netty.handler.ssl.SslContext clientTlsContext() { return tls.client; }

    byte[] clientTlsBinding() { return tls.clientBinding; }

    /** How statements reach the server: simple Query, extended Execute, FunctionCall. */
    enum Protocol { SIMPLE, EXTENDED, FUNCTION_CALL }

    /** Counts statements sent to servers to run, whatever the protocol: each statement of a simple query, each Execute. */
    void countStatements(Protocol protocol, int statements) { statementCounters[protocol.ordinal()].increment(statements); }

    // ---- pools ----

    Pool pool(String database, String user) { return pool(database, user, 0); }

    /** The pool for a backend: 0 is the primary, 1.. the replicas in configuration order. */
    public Pool pool(String database, String user, int backend) {
        ProxyConfig c = config;
        DatabaseConfig db = c.database(database);
        if (db == null) throw new IllegalArgumentException("no such database: " + database);
        String poolUser = db.forcedUser() != null ? db.forcedUser() : user;
        if (backend < 0 || backend > c.replicas().size()) backend = 0;
        PoolKey key = new PoolKey(database, poolUser, backend);
        return pools.computeIfAbsent(key, k -> new Pool(spec(c, k), group, network, caps));
    }

    /** What a pool of {@code key} is under configuration {@code c} (null when its database is gone). */
    private Pool.Spec spec(ProxyConfig c, PoolKey key) {
        DatabaseConfig db = c.database(key.database());
        if (db == null) return null;
        UserConfig u = c.user(key.user());
        List<String> hosts = db.hosts().isEmpty() ? List.of(c.get(Settings.UNIX_SOCKET_DIR).isEmpty() ? "/tmp" : c.get(Settings.UNIX_SOCKET_DIR)) : db.hosts();
        int port = db.port();
        if (key.backend() > 0) {
            ProxyConfig.Replica r = c.replicas().get(key.backend() - 1);
            hosts = List.of(r.host());
            port = r.port();
        } else if (key.backend() < 0) {
            ProxyConfig.Mirror m = c.mirror();
            hosts = List.of(m.host());
            port = m.port();
        }
        int size = key.backend() < 0 ? 1 : u != null && u.poolSize() != null ? u.poolSize() : db.poolSize() != null ? db.poolSize() : c.poolSize();
        int reserve = key.backend() < 0 ? 0 : u != null && u.reservePoolSize() != null ? u.reservePoolSize()
                : db.reservePoolSize() != null ? db.reservePoolSize() : c.get(Settings.RESERVE_POOL_SIZE);
        ProxyConfig.PoolLimits limits = c.limits();
        if (db.serverLifetime() != null) limits = new ProxyConfig.PoolLimits(limits.minSize(), limits.idleTimeout(), db.serverLifetime(), limits.checkQuery(), limits.checkDelay());
        Secret secret = db.forcedUser() != null && db.password() != null ? new Secret.Plain(db.password()) : null;
        String user = key.user();
        return new Pool.Spec(key, db.dbname(), user, secret, hosts, port, db.loadBalance(), db.startupParameters(), size, reserve,
                c.get(Settings.RESERVE_POOL_TIMEOUT), c.acquireTimeout(), c.get(Settings.SERVER_CONNECT_TIMEOUT), c.get(Settings.SERVER_LOGIN_RETRY),
                limits, c.get(Settings.SERVER_ROUND_ROBIN), db.connectQuery(), c.get(Settings.MAX_PREPARED_STATEMENTS));
    }

    /** The secret towards the server for a pool user: a forced user's password=, the auth_file entry, or what auth_query found. */
    Secret serverSecret(Pool.Spec spec) {
        if (spec.secret() != null) return spec.secret();
        Secret s = config.secret(spec.serverUser());
        return s != null ? s : queriedSecrets.get(spec.serverUser());
    }

    /** The ClientKey a SCRAM login of this user revealed (for servers storing the same SCRAM secret), or null. */
    byte[] clientKey(String user) { return clientKeys.get(user); }

    void rememberClientKey(String user, byte[] key) { if (key != null) clientKeys.put(user, key); }

    private final Pool.Network network = new Pool.Network() {
        @Override public SocketAddress address(String host, int port) {
            if (host.startsWith("/")) return new DomainSocketAddress(host + "/.s.PGSQL." + port);
            return new InetSocketAddress(resolve(host), port);
        }

        @Override public Class<? extends Channel> channelType(SocketAddress address) {
            if (address instanceof DomainSocketAddress) {
                if (!transport.unixSockets()) throw new IllegalStateException("Unix sockets need the io_uring or epoll transport (this proxy runs on nio)");
                return transport.domainChannel();
            }
            return transport.socketChannel();
        }

        @Override public io.netty.channel.ChannelHandler tls(SocketAddress address, String host, int port, ServerConnection conn) {
            if (address instanceof DomainSocketAddress || tls.server == null) return null;
            return conn.tlsNegotiator(tls.server, config.serverTls().required(), host, port);
        }

        @Override public Secret secret(Pool.Spec spec) { return serverSecret(spec); }

        @Override public byte[] clientKey(String user) { return clientKeys.get(user); }

        @Override public PgFrameDecoder.Limits serverLimits() { return PgFrameDecoder.Limits.server(STREAM_THRESHOLD, budget); }

        @Override public void configure(io.netty.bootstrap.Bootstrap b) { socketOptions(config, b::option); }

        @Override public void event(String line) { if (config.get(Settings.LOG_CONNECTIONS)) log.info(line); }
    };

    /** tcp_keepalive, tcp_keep*, tcp_user_timeout and tcp_socket_buffer on a client or server socket. */
    private void socketOptions(ProxyConfig c, java.util.function.BiConsumer<ChannelOption<Object>, Object> option) {
        @SuppressWarnings("unchecked") java.util.function.BiConsumer<ChannelOption<?>, Object> set = (o, v) -> option.accept((ChannelOption<Object>) o, v);
        set.accept(ChannelOption.SO_KEEPALIVE, c.get(Settings.TCP_KEEPALIVE));
        if (transport.linuxOptions()) {
            if (c.get(Settings.TCP_KEEPIDLE) > 0) set.accept(transport.keepIdle(), c.get(Settings.TCP_KEEPIDLE));
            if (c.get(Settings.TCP_KEEPINTVL) > 0) set.accept(transport.keepInterval(), c.get(Settings.TCP_KEEPINTVL));
            if (c.get(Settings.TCP_KEEPCNT) > 0) set.accept(transport.keepCount(), c.get(Settings.TCP_KEEPCNT));
            if (c.get(Settings.TCP_USER_TIMEOUT) > 0) set.accept(transport.userTimeout(), c.get(Settings.TCP_USER_TIMEOUT));
        }
        if (c.get(Settings.TCP_SOCKET_BUFFER) > 0) {
            set.accept(ChannelOption.SO_RCVBUF, c.get(Settings.TCP_SOCKET_BUFFER));
            set.accept(ChannelOption.SO_SNDBUF, c.get(Settings.TCP_SOCKET_BUFFER));
        }
    }

    /** A host's address, looked up again after dns_max_ttl (failures remembered for dns_nxdomain_ttl). */
    private InetAddress resolve(String host) {
        var cached = dns.get(host);
        long now = System.nanoTime();
        if (cached != null && now < cached.getValue()) {
            InetAddress[] a = cached.getKey();
            if (a == null) throw new IllegalStateException("cannot resolve " + host + " (cached failure)");
            return a[(int) (Math.floorMod(now, a.length))];
        }
        try {
            InetAddress[] a = InetAddress.getAllByName(host);
            dns.put(host, Map.entry(a, now + config.get(Settings.DNS_MAX_TTL).toNanos()));
            return a[0];
        } catch (java.net.UnknownHostException e) {
            dns.put(host, new java.util.AbstractMap.SimpleEntry<>(null, now + config.get(Settings.DNS_NXDOMAIN_TTL).toNanos()));
            throw new IllegalStateException("cannot resolve " + host + ": " + e.getMessage());
        }
    }

    /** The shadow server's pool for a (database, user): one connection, the primary's credentials. */
    private Pool mirrorPool(PoolKey key) {
        ProxyConfig c = config;
        return pools.computeIfAbsent(key, k -> new Pool(spec(c, k), group, network, caps));
    }

    /** Mirroring, or null when no shadow server is configured. */
    public Mirror mirror() { return mirror; }

    List<Pool> pools() { return List.copyOf(pools.values()); }

    Map<Integer, ClientSession> sessions() { return sessions; }

    void sessionOpened(ClientSession s) {
        sessions.put(s.processId, s);
        loggingIn.add(s);
        if (loggingIn.size() > config.get(Settings.MAX_LOGIN_CLIENTS)) evictLogin(s);
    }

    /**
     * More connections are logging in than max_login_clients: the one that has sent the fewest bytes (sockets that
     * sent nothing first), the oldest among equals, makes room. A real client sends its start-up at once and logs in
     * within a few round trips, so it is never the one chosen while idle sockets hold slots.
     */
    private void evictLogin(ClientSession newcomer) {
        ClientSession victim = null;
        for (ClientSession c : loggingIn) {
            if (victim == null || c.bytesReceived() < victim.bytesReceived()
                    || c.bytesReceived() == victim.bytesReceived() && c.openedNanos < victim.openedNanos) victim = c;
        }
        if (victim == null) return;
        loggingIn.remove(victim);
        evictedLogins.increment();
        victim.refuseLogin("53300", "too many connections are logging in (max_login_clients = " + config.get(Settings.MAX_LOGIN_CLIENTS) + ")");
    }

    /**
     * A client finished logging in: it now counts against max_client_conn (the admin console's users excepted, as
     * in PgBouncer). False when that is full: the client is refused with PostgreSQL's error.
     */
    boolean loggedIn(ClientSession s, boolean admin) {
        loggingIn.remove(s);
        if (admin) return true;
        if (loggedIn.incrementAndGet() > config.maxClients()) {
            loggedIn.decrementAndGet();
            rejectedClients.increment();
            return false;
        }
        s.countedAsClient = true;
        return true;
    }

    void sessionClosed(ClientSession s) {
        sessions.remove(s.processId);
        loggingIn.remove(s);
        if (s.countedAsClient) {
            s.countedAsClient = false;
            loggedIn.decrementAndGet();
        }
    }

    /** Logged-in clients (max_client_conn counts them) and connections still logging in. */
    int clientCount() { return loggedIn.get(); }

    int loginCount() { return loggingIn.size(); }

    void loginTimedOut() { loginTimeouts.increment(); }

    /** Clients connected to a database, and of a user (max_db_client_connections, max_user_client_connections). */
    int clientsOf(String database) {
        int n = 0;
        for (ClientSession s : sessions.values()) if (s.countedAsClient && database.equals(s.database())) n++;
        return n;
    }

    int clientsOfUser(String user) {
        int n = 0;
        for (ClientSession s : sessions.values()) if (s.countedAsClient && user.equals(s.user())) n++;
        return n;
    }

    void hold(ServerConnection s, ClientSession owner) { s.hold(owner); }

    void release(ServerConnection s) { s.pool().release(s); }

    void discard(ServerConnection s, String reason) { s.pool().discard(s, reason); }

    /** Runs {@code sql} on a server nobody holds, then returns it to its pool (or closes it if that left it in a transaction). */
    void resetAndRelease(ServerConnection s, String sql) {
        Pool p = s.pool();
        if (sql == null || sql.isBlank()) {
            p.release(s);
            return;
        }
        s.reset(sql, () -> {
            if (s.transactionStatus() == ReadyForQuery.IDLE) p.release(s);
            else p.discard(s, "reset left the server in a transaction");
        });
    }

    // ---- auth_query ----

    /**
     * Looks {@code user} up with auth_query, as {@code authUser} in the database auth_dbname names (or the client's):
     * the secret found, or null when the query returns no row. The secret is kept for the server logins of the user.
     */
    CompletableFuture<Secret> authQuery(DatabaseConfig db, String user) {
        ProxyConfig c = config;
        String authUser = db.authUser() != null ? db.authUser() : c.get(Settings.AUTH_USER);
        String query = db.authQuery() != null ? db.authQuery() : c.get(Settings.AUTH_QUERY);
        String authDb = db.authDbname() != null ? db.authDbname() : c.get(Settings.AUTH_DBNAME) != null ? c.get(Settings.AUTH_DBNAME) : db.name();
        Pool pool = pool(authDb, authUser);
        return pool.acquire().thenCompose(conn -> {
            CompletableFuture<List<List<String>>> rows = new CompletableFuture<>();
            conn.channel().eventLoop().execute(() -> conn.query(query, List.of(user), rows));
            return rows.whenComplete((r, e) -> {
                if (e == null && conn.transactionStatus() == ReadyForQuery.IDLE) pool.release(conn);
                else pool.discard(conn, "auth_query failed");
            });
        }).thenApply(rows -> {
            if (rows.isEmpty()) return null;
            List<String> row = rows.getFirst();
            if (row.size() != 2) throw new IllegalStateException("auth_query must return 2 columns (name, password), returned " + row.size());
            // a NULL password (an expired role): a secret nothing can match
            Secret s = row.get(1) == null ? new Secret.Md5("md5") : Secret.of(row.get(1));
            queriedSecrets.put(user, s);
            return s;
        });
    }

    // ---- databases: PAUSE, DISABLE, KILL, RECONNECT ----

    boolean databasePaused(String db) { return paused || suspended || pausedDatabases.containsKey(db); }

    boolean databaseDisabled(String db) { return disabledDatabases.containsKey(db); }

    /** PAUSE (all databases, or one): no server is handed out until RESUME; clients holding one finish normally. */
    void pause(String db) {
        if (db == null) paused = true;
        else pausedDatabases.put(db, true);
        for (Pool p : pools.values()) if (db == null || p.key().database().equals(db)) p.pause();
    }

    void resume(String db) {
        if (db == null) {
            paused = false;
            suspended = false;
            pausedDatabases.clear();
        } else {
            pausedDatabases.remove(db);
        }
        for (Pool p : pools.values()) if (!databasePaused(p.key().database())) p.resume();
        for (ClientSession s : sessions.values()) {
            if (!s.isAdmin()) s.suspendReading(false);
            s.resumed();
        }
    }

    boolean globallyPaused() { return paused; }

    boolean suspended() { return suspended; }

    /**
     * SUSPEND: no server is handed out and no socket is read; a connection whose output has not drained within
     * suspend_timeout is dropped.
     */
    void suspend() {
        suspended = true;
        for (Pool p : pools.values()) p.pause();
        for (ClientSession s : sessions.values()) if (!s.isAdmin()) s.suspendReading(true);
        long wait = Math.max(1, config.get(Settings.SUSPEND_TIMEOUT).toMillis());
        group.next().schedule(() -> {
            if (!suspended) return;
            for (ClientSession s : sessions.values())
                if (!s.isAdmin() && s.channel() != null && !s.channel().isWritable()) s.kill("output not drained within suspend_timeout");
        }, wait, TimeUnit.MILLISECONDS);
    }

    void disable(String db, boolean disabled) {
        if (disabled) disabledDatabases.put(db, true);
        else disabledDatabases.remove(db);
    }

    /** KILL db: every client and server of the database goes at once, and the database stays paused until RESUME. */
    void kill(String db) {
        pausedDatabases.put(db, true);
        for (ClientSession s : sessions.values())
            if (db.equals(s.database()) && !s.isAdmin()) s.kill("admin forced disconnect (KILL " + db + ")");
        for (Pool p : pools.values()) {
            if (p.key().database().equals(db)) {
                p.pause();
                p.kill("database " + db + " was killed");
            }
        }
    }

    /** RECONNECT (all databases, or one): servers close when next released, new ones open as needed. */
    void reconnect(String db) {
        for (Pool p : pools.values()) if (db == null || p.key().database().equals(db)) p.reconnect();
    }

    /** Servers still to close after RECONNECT (WAIT_CLOSE waits until there are none). */
    int markedServers(String db) {
        int n = 0;
        for (Pool p : pools.values()) if (db == null || p.key().database().equals(db)) n += p.marked();
        for (Pool p : retiredPools) if (db == null || p.key().database().equals(db)) n += p.servers().size();
        return n;
    }

    /** Servers held by clients or busy, of one database or all (PAUSE waits until there are none). */
    int busyServers(String db) {
        int n = 0;
        for (Pool p : pools.values()) if (db == null || p.key().database().equals(db)) n += p.busy();
        return n;
    }

    /** What the console's SHUTDOWN does once it is time (default: close this proxy). */
    public void requestShutdown(Runnable r) { shutdownRequest = r; }

    /**
     * SHUTDOWN: {@code null} ends the proxy now; WAIT_FOR_SERVERS stops accepting, pauses and ends once no server is
     * in use; WAIT_FOR_CLIENTS stops accepting and ends once every client has left.
     */
    void shutdown(String mode) {
        shuttingDown = true;
        if (mode == null) {
            shutdownRequest.run();
            return;
        }
        for (Channel l : listeners) l.close();
        if (mode.equals("WAIT_FOR_SERVERS")) pause(null);
        group.next().scheduleAtFixedRate(() -> {
            boolean done = mode.equals("WAIT_FOR_SERVERS") ? busyServers(null) == 0 : sessions.values().stream().allMatch(ClientSession::isAdmin);
            if (done) shutdownRequest.run();
        }, 100, 100, TimeUnit.MILLISECONDS);
    }

    boolean shuttingDown() { return shuttingDown; }

    // ---- upkeep ----

    private void upkeep() {
        ProxyConfig c = config;
        long autodbIdle = c.get(Settings.AUTODB_IDLE_TIMEOUT).toNanos();
        Map<PoolKey, Integer> clients = new LinkedHashMap<>();
        for (ClientSession s : sessions.values()) {
            Pool p = s.poolIfAny();
            if (p != null) clients.merge(p.key(), 1, Integer::sum);
        }
        for (Pool p : pools.values()) {
            DatabaseConfig db = c.database(p.key().database());
            boolean auto = db != null && !c.databases().containsKey(p.key().database());
            if (db == null || auto && autodbIdle > 0 && p.idleNanos() > autodbIdle && p.busy() == 0 && !clients.containsKey(p.key())) {
                pools.remove(p.key(), p);
                p.kill("database unused (autodb_idle_timeout)");
                continue;
            }
            int min = db.minPoolSize() != null ? db.minPoolSize() : c.get(Settings.MIN_POOL_SIZE);
            p.maintain(min, db.forcedUser() != null || clients.containsKey(p.key()));
        }
        for (Pool p : retiredPools) {
            p.maintain(0, false);
            if (p.servers().isEmpty()) {
                retiredPools.remove(p);
                caps.unregister(p);
            }
        }
    }

    private void checkTimeouts() {
        long now = System.nanoTime();
        for (ClientSession s : sessions.values()) s.checkTimeouts(now);
    }

    /** Every stats_period: SHOW STATS' averages, and the statistics log line. */
    private void statsPeriod() {
        ProxyConfig c = config;
        long now = System.nanoTime();
        long period = c.get(Settings.STATS_PERIOD) * 1_000_000_000L;
        if (now - previousStatsNanos < period) return;
        double seconds = (now - previousStatsNanos) / 1e9;
        previousStatsNanos = now;
        Map<String, PoolStats.Totals> current = totalsByDatabase();
        PoolStats.Totals sumNow = PoolStats.Totals.ZERO, sumBefore = PoolStats.Totals.ZERO;
        for (var e : current.entrySet()) {
            PoolStats.Totals before = previousTotals.getOrDefault(e.getKey(), PoolStats.Totals.ZERO);
            averages.put(e.getKey(), average(e.getValue(), before, seconds));
            sumNow = sumNow.plus(e.getValue());
            sumBefore = sumBefore.plus(before);
        }
        averages.put("", average(sumNow, sumBefore, seconds));
        previousTotals.clear();
        previousTotals.putAll(current);
        if (c.get(Settings.LOG_STATS)) {
            PoolStats.Totals a = averages.get("");
            log.info(String.format(Locale.ROOT, "stats: %d xacts/s, %d queries/s, %d client parses/s, %d server parses/s, %d binds/s, "
                            + "in %d B/s, out %d B/s, xact %d us, query %d us, wait %d us",
                    a.transactions(), a.queries(), a.clientParses(), a.serverParses(), a.binds(), a.received(), a.sent(),
                    a.transactionMicros(), a.queryMicros(), a.waitMicros()));
        }
    }

    /**
     * Averages over a period as PgBouncer reports them: counts and bytes per second, times per transaction, per query
     * and per server assignment.
     */
    private static PoolStats.Totals average(PoolStats.Totals now, PoolStats.Totals before, double seconds) {
        long xacts = now.transactions() - before.transactions(), queries = now.queries() - before.queries(),
                assignments = now.assignments() - before.assignments();
        return new PoolStats.Totals(Math.round(assignments / seconds), Math.round(xacts / seconds), Math.round(queries / seconds),
                Math.round((now.received() - before.received()) / seconds), Math.round((now.sent() - before.sent()) / seconds),
                xacts == 0 ? 0 : (now.transactionMicros() - before.transactionMicros()) / xacts,
                queries == 0 ? 0 : (now.queryMicros() - before.queryMicros()) / queries,
                assignments == 0 ? 0 : (now.waitMicros() - before.waitMicros()) / assignments,
                Math.round((now.clientParses() - before.clientParses()) / seconds), Math.round((now.serverParses() - before.serverParses()) / seconds),
                Math.round((now.binds() - before.binds()) / seconds));
    }

    /** Totals per database (all pools of it, retired ones included). */
    Map<String, PoolStats.Totals> totalsByDatabase() {
        Map<String, PoolStats.Totals> out = new java.util.TreeMap<>();
        List<Pool> all = new ArrayList<>(pools.values());
        all.addAll(retiredPools);
        for (Pool p : all) {
            if (p.key().backend() < 0) continue;
            out.merge(p.key().database(), p.statistics().totals(), PoolStats.Totals::plus);
        }
        return out;
    }

    /** The last period's averages of a database ("" for all). */
    PoolStats.Totals averages(String database) { return averages.getOrDefault(database, PoolStats.Totals.ZERO); }

    // ---- cancel requests ----

    /**
     * Relays a client's CancelRequest (which names this proxy's process id and key) to the server that is running
     * that client's query, with the server's own id and key; a key carrying another peer's id goes to that peer
     * ([peers]). Unknown or mismatched keys are ignored, as PostgreSQL ignores them.
     */
    void cancel(CancelRequest req) {
        int peer = req.processId() >>> 18;
        ProxyConfig c = config;
        if (c.get(Settings.PEER_ID) != 0 && peer != c.get(Settings.PEER_ID)) {
            PeerConfig p = c.peers().get(peer);
            if (p != null) forwardToPeer(p, req);
            return;
        }
        ClientSession s = sessions.get(req.processId());
        if (s == null || s.secretKey != req.secretKey()) return;
        s.cancelRequested(); // on the session's loop: the server running its query is cancelled
    }

    /** Cancels in flight to each peer, and those waiting for one of its pool_size slots. */
    private final Map<Integer, PeerSlots> peerSlots = new ConcurrentHashMap<>();

    private static final class PeerSlots {
        int inFlight;
        final java.util.ArrayDeque<Runnable> waiting = new java.util.ArrayDeque<>();
    }

    /** Forwards a cancel to its peer, at most the peer's pool_size (default_pool_size when unset) at a time. */
    private void forwardToPeer(PeerConfig p, CancelRequest req) {
        int limit = p.poolSize() != null ? p.poolSize() : config.get(Settings.DEFAULT_POOL_SIZE);
        PeerSlots slots = peerSlots.computeIfAbsent(p.id(), k -> new PeerSlots());
        Runnable send = new Runnable() {
            @Override public void run() {
                sendCancel(network.address(p.host(), p.port()), req.processId(), req.secretKey(), () -> {
                    Runnable next;
                    synchronized (slots) {
                        next = slots.waiting.poll();
                        if (next == null) slots.inFlight--;
                    }
                    if (next != null) next.run();
                });
            }
        };
        synchronized (slots) {
            if (slots.inFlight >= Math.max(1, limit)) {
                slots.waiting.add(send);
                return;
            }
            slots.inFlight++;
        }
        send.run();
    }

    void sendCancel(SocketAddress address, int processId, int secretKey) { sendCancel(address, processId, secretKey, () -> { }); }

    /**
     * Sends a CancelRequest to {@code address} and waits for it to close the connection (at most cancel_wait_timeout);
     * {@code done} runs once either way.
     */
    void sendCancel(SocketAddress address, int processId, int secretKey, Runnable done) {
        java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable once = () -> {
            if (finished.compareAndSet(false, true)) done.run();
        };
        long wait = Math.max(1, config.get(Settings.CANCEL_WAIT_TIMEOUT).toMillis());
        new io.netty.bootstrap.Bootstrap().group(group).channel(network.channelType(address))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, wait))
                .handler(new io.netty.channel.ChannelInboundHandlerAdapter() {
                    @Override public void channelActive(io.netty.channel.ChannelHandlerContext ctx) {
                        ctx.writeAndFlush(ctx.alloc().buffer(16).writeInt(16).writeInt(80877102).writeInt(processId).writeInt(secretKey));
                        ctx.channel().eventLoop().schedule(() -> { ctx.close(); }, wait, TimeUnit.MILLISECONDS);
                    }

                    @Override public void channelInactive(io.netty.channel.ChannelHandlerContext ctx) { once.run(); }

                    @Override public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) { ctx.close(); }
                }).connect(address) // best effort, as in PostgreSQL
                .addListener(f -> {
                    if (!f.isSuccess()) once.run();
                });
    }

    @Override
    public void close() {
        shuttingDown = true;
        // Bounded waits: a shutdown must end even if an event loop died abnormally and never reports termination.
        for (Channel l : listeners) l.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        for (Pool p : pools.values()) p.close();
        if (mirror != null) mirror.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        if (unixSocket != null) {
            try {
                Files.deleteIfExists(unixSocket);
            } catch (IOException ignored) {
                // the directory may be gone
            }
        }
        if (pidfile != null) {
            try {
                Files.deleteIfExists(pidfile);
            } catch (IOException ignored) {
                // nothing to do about it
            }
        }
        log.close();
    }
}
