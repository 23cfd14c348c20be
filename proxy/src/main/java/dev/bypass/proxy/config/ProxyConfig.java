package dev.bypass.proxy.config;

import dev.bypass.proxy.config.Settings.PoolMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The proxy's settings: the general keys of {@link Settings} (those set, the rest at PgBouncer's defaults), the
 * [databases], [users] and [peers] entries, the users' secrets (auth_file) and, for auth_type = hba, the rules.
 * Immutable: RELOAD and the console's SET make a new one. {@link #defaults} gives one for embedding and tests.
 */
public final class ProxyConfig {
    /** The admin console's database name; no [databases] entry may take it. */
    public static final String ADMIN_DATABASE = "bypass";
    /** The admin console's name in PgBouncer, which exporters and operators use. */
    public static final String PGBOUNCER_DATABASE = "pgbouncer";

    /** How a client proved who it is; the order is the {@code method} the authentication hook's program sees. */
    public enum ClientAuth { TRUST, CLEARTEXT, MD5, SCRAM_SHA_256, CERT, PEER }

    private final Map<Setting<?>, Object> values;
    private final Map<Setting<?>, String> texts;
    private final Map<String, DatabaseConfig> databases;
    private final Map<String, UserConfig> users;
    private final Map<Integer, PeerConfig> peers;
    /** Null when no auth_file is set (then, with trust, any user name is accepted: embedding and tests only). */
    private final Map<String, Secret> secrets;
    private final HbaRules hba;
    private final IdentMap identMap;
    private final Path file;
    /** The [programs] section by hook key; null when the file has no such section. */
    private final Map<String, dev.bypass.proxy.config.ProgramSpec> programs;

    ProxyConfig(Map<Setting<?>, Object> values, Map<Setting<?>, String> texts, Map<String, DatabaseConfig> databases,
                Map<String, UserConfig> users, Map<Integer, PeerConfig> peers, Map<String, Secret> secrets, HbaRules hba,
                IdentMap identMap, Path file, Map<String, dev.bypass.proxy.config.ProgramSpec> programs) {
        this.programs = programs == null ? null : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(programs));
        this.values = Map.copyOf(values);
        this.texts = Map.copyOf(texts);
        this.databases = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(databases));
        this.users = Map.copyOf(users);
        this.peers = Map.copyOf(peers);
        this.secrets = secrets == null ? null : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(secrets));
        this.hba = hba;
        this.identMap = identMap;
        this.file = file;
    }

    /**
     * For embedding and tests: every database on {@code backendHost:backendPort}, listening on 127.0.0.1:{@code port},
     * transaction pooling, trust for any user name, pgjdbc's extra_float_digits ignored, PgBouncer's defaults
     * otherwise.
     */
    public static ProxyConfig defaults(int port, String backendHost, int backendPort) {
        return new ProxyConfig(Map.of(), Map.of(), Map.of(DatabaseConfig.AUTO, DatabaseConfig.to(DatabaseConfig.AUTO, backendHost, backendPort)),
                Map.of(), Map.of(), null, null, null, null, null)
                .with(Settings.LISTEN_ADDR, List.of("127.0.0.1")).with(Settings.LISTEN_PORT, port).with(Settings.UNIX_SOCKET_DIR, "")
                .with(Settings.POOL_MODE, PoolMode.TRANSACTION).with(Settings.AUTH_TYPE, Settings.AuthType.TRUST)
                .with(Settings.IGNORE_STARTUP_PARAMETERS, List.of("extra_float_digits"));
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> s) {
        Object v = values.get(s);
        return v != null ? (T) v : s.defaultValue();
    }

    public boolean isSet(Setting<?> s) { return values.containsKey(s); }

    /** A key's value as SHOW CONFIG prints it: as written, or the default's text. */
    public String text(Setting<?> s) {
        if (texts.containsKey(s)) return texts.get(s);
        Object v = values.get(s);
        if (v != null) return format(v);
        return s.defaultText() == null ? "" : s.defaultText();
    }

    private static String format(Object v) {
        return switch (v) {
            case List<?> l -> String.join(",", l.stream().map(String::valueOf).toList());
            case Duration d -> d.toNanos() % 1_000_000_000L == 0 ? Long.toString(d.toSeconds()) : Double.toString(d.toNanos() / 1e9);
            case Boolean b -> b ? "1" : "0";
            case Enum<?> e -> e.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
            default -> String.valueOf(v);
        };
    }

    /** A copy with one key set ({@code text}: how to show it; null to derive it from the value). */
    public <T> ProxyConfig with(Setting<T> s, T value) {
        Map<Setting<?>, Object> v = new HashMap<>(values);
        Map<Setting<?>, String> t = new HashMap<>(texts);
        v.put(s, value);
        t.remove(s);
        return new ProxyConfig(v, t, databases, users, peers, secrets, hba, identMap, file, programs);
    }

    /** With {@code s} set to {@code value}, remembering {@code text} as it was written (SHOW CONFIG prints it). */
    public ProxyConfig withText(Setting<?> s, Object value, String text) {
        Map<Setting<?>, Object> v = new HashMap<>(values);
        Map<Setting<?>, String> t = new HashMap<>(texts);
        v.put(s, value);
        t.put(s, text);
        return new ProxyConfig(v, t, databases, users, peers, secrets, hba, identMap, file, programs);
    }

    public ProxyConfig withDatabases(Map<String, DatabaseConfig> d) { return new ProxyConfig(values, texts, d, users, peers, secrets, hba, identMap, file, programs); }

    public ProxyConfig withUsers(Map<String, UserConfig> u) { return new ProxyConfig(values, texts, databases, u, peers, secrets, hba, identMap, file, programs); }

    public ProxyConfig withPeers(Map<Integer, PeerConfig> p) { return new ProxyConfig(values, texts, databases, users, p, secrets, hba, identMap, file, programs); }

    public ProxyConfig withSecrets(Map<String, Secret> s) { return new ProxyConfig(values, texts, databases, users, peers, s, hba, identMap, file, programs); }

    public ProxyConfig withHba(HbaRules h, IdentMap m) { return new ProxyConfig(values, texts, databases, users, peers, secrets, h, m, file, programs); }

    /** The [programs] section by hook key (connect, auth, query, result, route, mirror), or null when there is none. */
    public Map<String, dev.bypass.proxy.config.ProgramSpec> programs() { return programs; }

    public ProxyConfig withPrograms(Map<String, dev.bypass.proxy.config.ProgramSpec> p) {
        return new ProxyConfig(values, texts, databases, users, peers, secrets, hba, identMap, file, p);
    }

    /** With {@code f} as the file it was read from (RELOAD reads it again). */
    public ProxyConfig withFile(Path f) { return new ProxyConfig(values, texts, databases, users, peers, secrets, hba, identMap, f, programs); }

    // ---- what the rest of the proxy asks ----

    /** The [databases] entries by name, "*" among them when present. */
    public Map<String, DatabaseConfig> databases() { return databases; }

    /** The entry a client's database name leads to (an explicit one, else one made from "*"), or null. */
    public DatabaseConfig database(String name) {
        DatabaseConfig d = databases.get(name);
        if (d != null) return d;
        DatabaseConfig auto = databases.get(DatabaseConfig.AUTO);
        return auto == null ? null : auto.forName(name);
    }

    public Map<String, UserConfig> users() { return users; }

    public UserConfig user(String name) { return users.get(name); }

    public Map<Integer, PeerConfig> peers() { return peers; }

    /** The secret of a user from auth_file; null when unknown. */
    public Secret secret(String user) { return secrets == null ? null : secrets.get(user); }

    /** Whether users are listed at all (an auth_file was given). */
    public boolean hasUserList() { return secrets != null; }

    public Map<String, Secret> secrets() { return secrets == null ? Map.of() : secrets; }

    public HbaRules hba() { return hba; }

    public IdentMap identMap() { return identMap; }

    /** The file this configuration was read from (null when built in code). */
    public Path file() { return file; }

    public int port() { return get(Settings.LISTEN_PORT); }

    /** The first listening address, for messages (127.0.0.1 when listening on the Unix socket only). */
    public String listenHost() {
        List<String> a = get(Settings.LISTEN_ADDR);
        return a.isEmpty() ? "127.0.0.1" : a.getFirst().equals("*") ? "0.0.0.0" : a.getFirst();
    }

    public PoolMode poolMode() { return get(Settings.POOL_MODE); }

    /** The pool mode of a (database, user) pool: the user's, else the database's, else the general one. */
    public PoolMode poolMode(DatabaseConfig db, String user) {
        UserConfig u = users.get(user);
        if (u != null && u.poolMode() != null) return u.poolMode();
        if (db != null && db.poolMode() != null) return db.poolMode();
        return poolMode();
    }

    public int poolSize() { return get(Settings.DEFAULT_POOL_SIZE); }

    public int maxClients() { return get(Settings.MAX_CLIENT_CONN); }

    public Duration acquireTimeout() { return get(Settings.QUERY_WAIT_TIMEOUT); }

    public Settings.AuthType authType() { return get(Settings.AUTH_TYPE); }

    /** Pool upkeep, from min_pool_size, server_idle_timeout, server_lifetime, server_check_query/delay. */
    public PoolLimits limits() {
        return new PoolLimits(get(Settings.MIN_POOL_SIZE), get(Settings.SERVER_IDLE_TIMEOUT), get(Settings.SERVER_LIFETIME),
                get(Settings.SERVER_CHECK_QUERY), get(Settings.SERVER_CHECK_DELAY));
    }

    /** TLS towards clients, or null when client_tls_sslmode is disable. */
    public ClientTls clientTls() {
        Settings.SslMode m = get(Settings.CLIENT_TLS_SSLMODE);
        if (m == Settings.SslMode.DISABLE) return null;
        return new ClientTls(path(get(Settings.CLIENT_TLS_CERT_FILE)), path(get(Settings.CLIENT_TLS_KEY_FILE)), m.compareTo(Settings.SslMode.REQUIRE) >= 0);
    }

    /** TLS towards servers, or null when server_tls_sslmode is disable. */
    public ServerTls serverTls() {
        Settings.SslMode m = get(Settings.SERVER_TLS_SSLMODE);
        if (m == Settings.SslMode.DISABLE) return null;
        String ca = get(Settings.SERVER_TLS_CA_FILE);
        return new ServerTls(m.compareTo(Settings.SslMode.REQUIRE) >= 0, m.compareTo(Settings.SslMode.VERIFY_CA) >= 0 && !ca.isEmpty() ? path(ca) : null,
                m == Settings.SslMode.VERIFY_FULL);
    }

    private static Path path(String p) { return p == null || p.isEmpty() ? null : Path.of(p); }

    public List<Replica> replicas() {
        return get(Settings.REPLICAS).stream().map(hp -> {
            int colon = hp.lastIndexOf(':');
            return new Replica(hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1)));
        }).toList();
    }

    /** Mirroring, or null without a mirror. */
    public Mirror mirror() {
        String hp = get(Settings.MIRROR);
        if (hp.isEmpty()) return null;
        int colon = hp.lastIndexOf(':');
        return new Mirror(hp.substring(0, colon), Integer.parseInt(hp.substring(colon + 1)), get(Settings.MIRROR_QUEUE_SIZE));
    }

    // ---- for code that builds configurations (tests, embedding) ----

    public ProxyConfig withPoolMode(PoolMode mode) { return with(Settings.POOL_MODE, mode); }

    public ProxyConfig withAcquireTimeout(Duration timeout) { return with(Settings.QUERY_WAIT_TIMEOUT, timeout); }

    public ProxyConfig withPoolSize(int size) { return with(Settings.DEFAULT_POOL_SIZE, size); }

    public ProxyConfig withMaxClients(int n) { return with(Settings.MAX_CLIENT_CONN, n); }

    /** Password authentication with these users and plain-text passwords (also used towards PostgreSQL). */
    public ProxyConfig withClientAuth(ClientAuth auth, Map<String, String> passwords) {
        Map<String, Secret> s = new LinkedHashMap<>();
        passwords.forEach((u, p) -> s.put(u, new Secret.Plain(p)));
        Settings.AuthType type = switch (auth) {
            case TRUST -> Settings.AuthType.TRUST;
            case CLEARTEXT -> Settings.AuthType.PLAIN;
            case MD5 -> Settings.AuthType.MD5;
            case SCRAM_SHA_256 -> Settings.AuthType.SCRAM_SHA_256;
            case CERT -> Settings.AuthType.CERT;
            case PEER -> Settings.AuthType.HBA;
        };
        return with(Settings.AUTH_TYPE, type).withSecrets(s);
    }

    public ProxyConfig withClientTls(ClientTls tls) {
        if (tls == null) return with(Settings.CLIENT_TLS_SSLMODE, Settings.SslMode.DISABLE);
        return with(Settings.CLIENT_TLS_SSLMODE, tls.required() ? Settings.SslMode.REQUIRE : Settings.SslMode.PREFER)
                .with(Settings.CLIENT_TLS_CERT_FILE, tls.certFile().toString()).with(Settings.CLIENT_TLS_KEY_FILE, tls.keyFile().toString());
    }

    public ProxyConfig withServerTls(ServerTls tls) {
        if (tls == null) return with(Settings.SERVER_TLS_SSLMODE, Settings.SslMode.DISABLE);
        Settings.SslMode mode = tls.caFile() == null ? (tls.required() ? Settings.SslMode.REQUIRE : Settings.SslMode.PREFER)
                : tls.verifyHost() ? Settings.SslMode.VERIFY_FULL : Settings.SslMode.VERIFY_CA;
        ProxyConfig c = with(Settings.SERVER_TLS_SSLMODE, mode);
        return tls.caFile() == null ? c : c.with(Settings.SERVER_TLS_CA_FILE, tls.caFile().toString());
    }

    public ProxyConfig withPoolLimits(PoolLimits l) {
        return with(Settings.MIN_POOL_SIZE, l.minSize()).with(Settings.SERVER_IDLE_TIMEOUT, l.idleTimeout()).with(Settings.SERVER_LIFETIME, l.lifetime())
                .with(Settings.SERVER_CHECK_QUERY, l.checkQuery()).with(Settings.SERVER_CHECK_DELAY, l.checkDelay());
    }

    public ProxyConfig withReplicas(List<Replica> r) {
        return with(Settings.REPLICAS, r.stream().map(x -> x.host() + ":" + x.port()).toList());
    }

    public ProxyConfig withMirror(Mirror m) {
        if (m == null) return with(Settings.MIRROR, "");
        return with(Settings.MIRROR, m.host() + ":" + m.port()).with(Settings.MIRROR_QUEUE_SIZE, m.queueLimit());
    }

    /**
     * Workload mirroring: statements the mirror hook picks are copied to the shadow server at {@code host:port}
     * (same database, user and password as on the primary) and run there asynchronously, their replies discarded.
     * At most {@code queueLimit} statements wait per pool; beyond that new ones are dropped (and counted), so a slow
     * shadow never slows the clients.
     */
    public record Mirror(String host, int port, int queueLimit) {
        public Mirror {
            if (queueLimit < 1) throw new IllegalArgumentException("mirror_queue_size must be at least 1, is " + queueLimit);
        }
    }

    /** A read replica: with replicas configured, the route hook may send a transaction to one (transaction mode). */
    public record Replica(String host, int port) {}

    /**
     * Pool upkeep, as PgBouncer's min_pool_size, server_idle_timeout, server_lifetime, server_check_query and
     * server_check_delay. Zero durations (and an empty check query) disable a limit.
     */
    public record PoolLimits(int minSize, Duration idleTimeout, Duration lifetime, String checkQuery, Duration checkDelay) {
        public static final String DEFAULT_CHECK_QUERY = "select 1";
        public static final Duration DEFAULT_CHECK_DELAY = Duration.ofSeconds(30);
        public static final PoolLimits DEFAULT = new PoolLimits(0, Duration.ofSeconds(600), Duration.ofSeconds(3600));

        public PoolLimits {
            if (minSize < 0) throw new IllegalArgumentException("min_pool_size must not be negative, is " + minSize);
            checkQuery = checkQuery == null ? "" : checkQuery.strip();
        }

        public PoolLimits(int minSize, Duration idleTimeout, Duration lifetime) {
            this(minSize, idleTimeout, lifetime, DEFAULT_CHECK_QUERY, DEFAULT_CHECK_DELAY);
        }
    }

    /**
     * TLS towards PostgreSQL: {@code required} fails logins to a server that refuses TLS (otherwise it is used when
     * offered); with {@code caFile} the server's certificate must chain to it (verify-ca) and with {@code verifyHost}
     * also name the server's host (verify-full).
     */
    public record ServerTls(boolean required, Path caFile, boolean verifyHost) {
        public ServerTls(boolean required, Path caFile) { this(required, caFile, false); }
    }

    /** TLS towards clients: a PEM certificate chain and an unencrypted PKCS#8 PEM key; {@code required} refuses plain text. */
    public record ClientTls(Path certFile, Path keyFile, boolean required) {}
}
