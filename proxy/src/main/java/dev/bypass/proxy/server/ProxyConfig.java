package dev.bypass.proxy.server;

import java.time.Duration;
import java.util.Map;

/**
 * Proxy settings. {@code users} maps user names to passwords: the proxy checks clients against it (unless
 * {@code clientAuth} is TRUST) and uses the same password when the server asks for one.
 */
public record ProxyConfig(String listenHost, int port, String backendHost, int backendPort, PoolMode poolMode,
                          int poolSize, int maxClients, Duration acquireTimeout, ClientAuth clientAuth,
                          Map<String, String> users, ClientTls clientTls, ServerTls serverTls, PoolLimits limits,
                          java.util.List<Replica> replicas, Mirror mirror) {
    /**
     * Workload mirroring: statements the mirror hook picks are copied to the shadow server at {@code host:port}
     * (same database, user and password as on the primary) and run there asynchronously, their replies discarded.
     * At most {@code queueLimit} statements wait per pool; beyond that new ones are dropped (and counted), so a slow
     * shadow never slows the clients. Null in the config: no mirroring.
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
     * server_check_delay: each pool keeps at least {@code minSize} servers open, closes servers idle longer than
     * {@code idleTimeout} (down to the minimum), replaces servers older than {@code lifetime} once they are idle, and
     * runs {@code checkQuery} on servers idle for {@code checkDelay}, closing those where it fails. Zero durations
     * (and an empty check query) disable a limit.
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
     * TLS towards PostgreSQL, as PgBouncer's server_tls_sslmode: {@code required} fails logins to a server that
     * refuses TLS (otherwise it is used when offered); with {@code caFile} the server's certificate must chain to it
     * (verify-ca) and with {@code verifyHost} also name the server's host (verify-full); without a CA file any
     * certificate is accepted (require). Null in the config: plain text.
     */
    public record ServerTls(boolean required, java.nio.file.Path caFile, boolean verifyHost) {
        public ServerTls(boolean required, java.nio.file.Path caFile) { this(required, caFile, false); }
    }

    /**
     * TLS towards clients (PostgreSQL's SSLRequest): a PEM certificate chain and an unencrypted PKCS#8 PEM key, as
     * PgBouncer's client_tls_cert_file and client_tls_key_file; {@code required} refuses clients that do not ask
     * for TLS. Null in the config: clients asking for TLS are told 'N' and go on in plain text.
     */
    public record ClientTls(java.nio.file.Path certFile, java.nio.file.Path keyFile, boolean required) {}

    public enum PoolMode { SESSION, TRANSACTION }

    /** How clients prove who they are; the order is the {@code method} the authentication hook's program sees. */
    public enum ClientAuth { TRUST, CLEARTEXT, MD5, SCRAM_SHA_256 }

    public ProxyConfig {
        users = Map.copyOf(users);
        if (limits == null) limits = PoolLimits.DEFAULT;
        replicas = replicas == null ? java.util.List.of() : java.util.List.copyOf(replicas);
        if (limits.minSize() > poolSize) throw new IllegalArgumentException("min_pool_size " + limits.minSize() + " exceeds default_pool_size " + poolSize);
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port + " is out of range");
        if (poolSize < 1) throw new IllegalArgumentException("pool_size must be at least 1, is " + poolSize);
        if (maxClients < 1) throw new IllegalArgumentException("max_client_conn must be at least 1, is " + maxClients);
    }

    public static ProxyConfig defaults(int port, String backendHost, int backendPort) {
        return new ProxyConfig("127.0.0.1", port, backendHost, backendPort, PoolMode.TRANSACTION, 20, 1000,
                Duration.ofSeconds(30), ClientAuth.TRUST, Map.of(), null, null, PoolLimits.DEFAULT, java.util.List.of(), null);
    }

    public ProxyConfig withPoolMode(PoolMode mode) {
        return new ProxyConfig(listenHost, port, backendHost, backendPort, mode, poolSize, maxClients, acquireTimeout, clientAuth, users, clientTls, serverTls, limits, replicas, mirror);
    }

    public ProxyConfig withAcquireTimeout(Duration timeout) {
        return new ProxyConfig(listenHost, port, backendHost, backendPort, poolMode, poolSize, maxClients, timeout, clientAuth, users, clientTls, serverTls, limits, replicas, mirror);
    }

    public ProxyConfig withPoolSize(int size) {
        return new ProxyConfig(listenHost, port, backendHost, backendPort, poolMode, size, maxClients, acquireTimeout, clientAuth, users, clientTls, serverTls, limits, replicas, mirror);
    }

    public ProxyConfig withClientAuth(ClientAuth auth, Map<String, String> users) {
        return new ProxyConfig(listenHost, port, backendHost, backendPort, poolMode, poolSize, maxClients, acquireTimeout, auth, users, clientTls, serverTls, limits, replicas, mirror);
    }

    public ProxyConfig withClientTls(ClientTls tls) {
        return new ProxyConfig(listenHost, port, backendHost, backendPort, poolMode, poolSize, maxClients, acquireTimeout, clientAuth, users, tls, serverTls, limits, replicas, mirror);
    }

    public ProxyConfig withPoolLimits(PoolLimits l) {
        return new ProxyConfig(listenHost, port, backendHost, backendPort, poolMode, poolSize, maxClients, acquireTimeout, clientAuth, users, clientTls, serverTls, l, replicas, mirror);
    }

    public ProxyConfig withReplicas(java.util.List<Replica> r) {
        return new ProxyConfig(listenHost, port, backendHost, backendPort, poolMode, poolSize, maxClients, acquireTimeout, clientAuth, users, clientTls, serverTls, limits, r, mirror);
    }

    public ProxyConfig withMirror(Mirror m) {
        return new ProxyConfig(listenHost, port, backendHost, backendPort, poolMode, poolSize, maxClients, acquireTimeout, clientAuth, users, clientTls, serverTls, limits, replicas, m);
    }

    public ProxyConfig withServerTls(ServerTls tls) {
        return new ProxyConfig(listenHost, port, backendHost, backendPort, poolMode, poolSize, maxClients, acquireTimeout, clientAuth, users, clientTls, tls, limits, replicas, mirror);
    }
}
