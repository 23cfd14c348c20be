package dev.bypass.proxy.config;

import static dev.bypass.proxy.config.Setting.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The key table: every key of PgBouncer 1.24's {@code [pgbouncer]} section with PgBouncer's default, plus the keys of
 * this proxy's own ({@code [bypass]} is the same section under this proxy's name). The configuration file reader,
 * {@code SHOW CONFIG}, the admin console's {@code SET} and the README's key table all come from here.
 */
public final class Settings {
    private Settings() {}

    public enum PoolMode { SESSION, TRANSACTION, STATEMENT }

    public enum AuthType { CERT, MD5, SCRAM_SHA_256, PLAIN, TRUST, ANY, HBA, PAM }

    /** The network transport: {@code auto} takes io_uring where it loads, then epoll, then NIO. */
    public enum TransportKind { AUTO, IO_URING, EPOLL, NIO }

    public enum SslMode { DISABLE, ALLOW, PREFER, REQUIRE, VERIFY_CA, VERIFY_FULL }

    private static final Map<String, Setting<?>> BY_NAME = new LinkedHashMap<>();

    private static <T> Setting<T> add(Setting<T> s) {
        if (BY_NAME.putIfAbsent(s.name(), s) != null) throw new IllegalStateException("key " + s.name() + " twice");
        return s;
    }

    private static String notSetOr(String value, String reason) { return value == null || value.isEmpty() ? null : reason; }

    // ---- generic ----
    public static final Setting<String> LOGFILE = add(Setting.of("logfile", TEXT, "",
            "log lines are also appended to this file (reopened by RELOAD, for rotation); stderr keeps them too, as in PgBouncer"));
    public static final Setting<String> PIDFILE = add(Setting.of("pidfile", TEXT, "",
            "the process id is written here at start and the file removed at exit").atStartOnly());
    public static final Setting<List<String>> LISTEN_ADDR = add(Setting.of("listen_addr", LIST, "",
            "comma-separated addresses or names, * for all (IPv4 and IPv6); unset: Unix socket only").atStartOnly());
    public static final Setting<Integer> LISTEN_PORT = add(Setting.of("listen_port", integer(0, 65535), "6432",
            "TCP port, and the number in the Unix socket's name .s.PGSQL.<port>").atStartOnly());
    public static final Setting<String> UNIX_SOCKET_DIR = add(Setting.of("unix_socket_dir", TEXT, "/tmp",
            "directory of the listening Unix socket (empty: none); also where host=/dir server addresses point").atStartOnly()
            .refusing(v -> v.startsWith("@") ? "abstract-namespace Unix sockets (@name) are not supported: use a directory" : null));
    public static final Setting<Integer> UNIX_SOCKET_MODE = add(Setting.of("unix_socket_mode", integer(0, 07777), "0777",
            "permissions of the Unix socket file").atStartOnly());
    public static final Setting<String> UNIX_SOCKET_GROUP = add(Setting.of("unix_socket_group", TEXT, "",
            "group of the Unix socket file").atStartOnly());
    public static final Setting<String> USER = add(Setting.of("user", TEXT, null,
            "refused when set: a JVM cannot change its Unix user; start the proxy as that user (systemd User=, runuser)").atStartOnly()
            .refusing(v -> notSetOr(v, "a JVM cannot switch to another Unix user after start: start the proxy as that user instead (systemd User=, runuser -u)")));
    public static final Setting<PoolMode> POOL_MODE = add(Setting.of("pool_mode", oneOf(PoolMode.class, Setting::lower), "session",
            "session, transaction or statement pooling"));
    public static final Setting<Integer> MAX_CLIENT_CONN = add(Setting.of("max_client_conn", integer(1, 1_000_000), "100",
            "most logged-in clients; a login beyond it gets 53300 \"sorry, too many clients already\""));
    public static final Setting<Integer> DEFAULT_POOL_SIZE = add(Setting.of("default_pool_size", integer(1, 100_000), "20",
            "server connections per (database, user) pool unless the database or user sets pool_size"));
    public static final Setting<Integer> MIN_POOL_SIZE = add(Setting.of("min_pool_size", integer(0, 100_000), "0",
            "servers kept open per pool (capped at the pool size), for pools with a forced user or a connected client"));
    public static final Setting<Integer> RESERVE_POOL_SIZE = add(Setting.of("reserve_pool_size", integer(0, 100_000), "0",
            "extra servers a pool may open once a client has waited reserve_pool_timeout"));
    public static final Setting<Duration> RESERVE_POOL_TIMEOUT = add(Setting.of("reserve_pool_timeout", SECONDS, "5",
            "how long a client waits before the reserve pool is used"));
    public static final Setting<Integer> MAX_DB_CONNECTIONS = add(Setting.of("max_db_connections", integer(0, 1_000_000), "0",
            "most server connections per database, all users together (0: no limit)"));
    public static final Setting<Integer> MAX_DB_CLIENT_CONNECTIONS = add(Setting.of("max_db_client_connections", integer(0, 1_000_000), "0",
            "most client connections per database (0: no limit)"));
    public static final Setting<Integer> MAX_USER_CONNECTIONS = add(Setting.of("max_user_connections", integer(0, 1_000_000), "0",
            "most server connections per user, all databases together (0: no limit)"));
    public static final Setting<Integer> MAX_USER_CLIENT_CONNECTIONS = add(Setting.of("max_user_client_connections", integer(0, 1_000_000), "0",
            "most client connections per user (0: no limit)"));
    public static final Setting<Boolean> SERVER_ROUND_ROBIN = add(Setting.of("server_round_robin", FLAG, "0",
            "idle servers reused oldest first (1) instead of most recently used first (0)"));
    public static final Setting<List<String>> TRACK_EXTRA_PARAMETERS = add(Setting.of("track_extra_parameters", LIST, "IntervalStyle",
            "parameters kept per client besides client_encoding, DateStyle, TimeZone, standard_conforming_strings and application_name, set on each server the client gets").atStartOnly());
    public static final Setting<List<String>> IGNORE_STARTUP_PARAMETERS = add(Setting.of("ignore_startup_parameters", LIST, "",
            "start-up parameters accepted and dropped (others than the tracked ones are refused); options itself may be listed"));
    public static final Setting<Integer> PEER_ID = add(Setting.of("peer_id", integer(0, 16383), "0",
            "this process's id among peers ([peers]): cancel keys carry it and a cancel for another peer is forwarded there"));
    public static final Setting<Boolean> DISABLE_PQEXEC = add(Setting.of("disable_pqexec", FLAG, "0",
            "1 refuses simple Query messages (extended protocol only)").atStartOnly());
    public static final Setting<Boolean> APPLICATION_NAME_ADD_HOST = add(Setting.of("application_name_add_host", FLAG, "0",
            "appends \" - host:port\" of the client to application_name at login"));
    public static final Setting<String> CONFFILE = add(Setting.of("conffile", TEXT, null,
            "the configuration file RELOAD reads (the one given at start unless SET on the console)"));
    public static final Setting<String> SERVICE_NAME = add(Setting.of("service_name", TEXT, null,
            "accepted and shown; a Windows service name in PgBouncer, without effect on Linux there as here").atStartOnly());
    public static final Setting<String> JOB_NAME = add(Setting.of("job_name", TEXT, "pgbouncer",
            "alias of service_name: accepted and shown, no effect on Linux").atStartOnly());
    public static final Setting<Integer> STATS_PERIOD = add(Setting.of("stats_period", integer(1, 86_400), "60",
            "seconds between the averages of SHOW STATS / STATS_AVERAGES and the statistics log line"));
    public static final Setting<Integer> MAX_PREPARED_STATEMENTS = add(Setting.of("max_prepared_statements", integer(0, 1_000_000), "200",
            "protocol-level named statements followed across servers in transaction and statement pooling, kept per server (least recently used closed); 0 passes names through"));

    // ---- authentication ----
    public static final Setting<AuthType> AUTH_TYPE = add(Setting.of("auth_type", oneOf(AuthType.class, Setting::lower), "md5",
            "cert, md5 (SCRAM for users with SCRAM secrets), scram-sha-256, plain, trust, any, hba; pam is refused (no PAM in the JVM)")
            .refusing(v -> v == AuthType.PAM ? "auth_type = pam is not available: the JVM has no PAM binding; use hba with md5 or scram-sha-256" : null));
    public static final Setting<String> AUTH_HBA_FILE = add(Setting.of("auth_hba_file", TEXT, "",
            "pg_hba.conf-style rules (local, host, hostssl, hostnossl; trust, reject, md5, password, scram-sha-256, cert, peer) when auth_type = hba"));
    public static final Setting<String> AUTH_IDENT_FILE = add(Setting.of("auth_ident_file", TEXT, null,
            "user name maps (map system-user db-user) for peer and cert rules of auth_hba_file"));
    public static final Setting<String> AUTH_FILE = add(Setting.of("auth_file", TEXT, null,
            "\"user\" \"password\" lines: plain text, md5... or SCRAM-SHA-256$... secrets"));
    public static final Setting<String> AUTH_USER = add(Setting.of("auth_user", TEXT, null,
            "user that runs auth_query for users missing from auth_file"));
    public static final Setting<String> AUTH_QUERY = add(Setting.of("auth_query", TEXT,
            "SELECT rolname, CASE WHEN rolvaliduntil < now() THEN NULL ELSE rolpassword END FROM pg_authid WHERE rolname=$1 AND rolcanlogin",
            "query (one parameter: the user name) returning the user's name and password or secret, run in the target (or auth_dbname) database"));
    public static final Setting<String> AUTH_DBNAME = add(Setting.of("auth_dbname", TEXT, null,
            "database entry auth_query runs in (default: the client's)"));

    // ---- logging ----
    public static final Setting<Boolean> SYSLOG = add(Setting.of("syslog", FLAG, "0",
            "0 only: logging goes to stderr and logfile")
            .refusing(v -> v ? "syslog = 1 is not supported: log to stderr (journald) or set logfile" : null));
    public static final Setting<String> SYSLOG_IDENT = add(Setting.of("syslog_ident", TEXT, "pgbouncer",
            "accepted (meaningful with syslog only, which is refused)"));
    public static final Setting<String> SYSLOG_FACILITY = add(Setting.of("syslog_facility", TEXT, "daemon",
            "accepted (meaningful with syslog only, which is refused)"));
    public static final Setting<Boolean> LOG_CONNECTIONS = add(Setting.of("log_connections", FLAG, "1", "log each login"));
    public static final Setting<Boolean> LOG_DISCONNECTIONS = add(Setting.of("log_disconnections", FLAG, "1", "log each disconnection with its reason"));
    public static final Setting<Boolean> LOG_POOLER_ERRORS = add(Setting.of("log_pooler_errors", FLAG, "1", "log the errors the proxy sends to clients"));
    public static final Setting<Boolean> LOG_STATS = add(Setting.of("log_stats", FLAG, "1", "log a statistics line every stats_period"));
    public static final Setting<Integer> VERBOSE = add(Setting.of("verbose", integer(0, 3), "0", "1: also log each server a client is given and gives back; 2: also every message of every session (much output)"));

    // ---- console access ----
    public static final Setting<List<String>> ADMIN_USERS = add(Setting.of("admin_users", LIST, "",
            "users who may run every console command (after authenticating like any login)"));
    public static final Setting<List<String>> STATS_USERS = add(Setting.of("stats_users", LIST, "",
            "users who may run the console's SHOW commands"));

    // ---- sanity checks, timeouts ----
    public static final Setting<String> SERVER_RESET_QUERY = add(Setting.of("server_reset_query", TEXT, "DISCARD ALL",
            "run on a server when a session-pooling client leaves (empty: none)"));
    public static final Setting<Boolean> SERVER_RESET_QUERY_ALWAYS = add(Setting.of("server_reset_query_always", FLAG, "0",
            "run server_reset_query in every pooling mode"));
    public static final Setting<Duration> SERVER_CHECK_DELAY = add(Setting.of("server_check_delay", SECONDS, "30",
            "a server idle this long runs server_check_query before its next use"));
    public static final Setting<String> SERVER_CHECK_QUERY = add(Setting.of("server_check_query", TEXT, "select 1",
            "health check (empty: none); a failure closes the server"));
    public static final Setting<Boolean> SERVER_FAST_CLOSE = add(Setting.of("server_fast_close", FLAG, "0",
            "session pooling: a server marked by RECONNECT or RELOAD closes at the end of its transaction, with its client"));
    public static final Setting<Duration> SERVER_LIFETIME = add(Setting.of("server_lifetime", SECONDS, "3600",
            "an unused server older than this is closed (0: used once)"));
    public static final Setting<Duration> SERVER_IDLE_TIMEOUT = add(Setting.of("server_idle_timeout", SECONDS, "600",
            "a server idle longer is closed (0: never)"));
    public static final Setting<Duration> SERVER_CONNECT_TIMEOUT = add(Setting.of("server_connect_timeout", SECONDS, "15",
            "connect and login to a server must finish within this"));
    public static final Setting<Duration> SERVER_LOGIN_RETRY = add(Setting.of("server_login_retry", SECONDS, "15",
            "after a failed server login, clients of that pool get the error at once for this long before the next attempt"));
    public static final Setting<Duration> CLIENT_LOGIN_TIMEOUT = add(Setting.of("client_login_timeout", SECONDS, "60",
            "a client that has not logged in within this is disconnected (0: never)"));
    public static final Setting<Duration> AUTODB_IDLE_TIMEOUT = add(Setting.of("autodb_idle_timeout", SECONDS, "3600",
            "pools of databases made from the * entry are dropped after this long unused"));
    public static final Setting<Duration> DNS_MAX_TTL = add(Setting.of("dns_max_ttl", SECONDS, "15", "server host names are looked up again after this"));
    public static final Setting<Duration> DNS_NXDOMAIN_TTL = add(Setting.of("dns_nxdomain_ttl", SECONDS, "15", "a failed lookup is remembered this long"));
    public static final Setting<Duration> DNS_ZONE_CHECK_PERIOD = add(Setting.of("dns_zone_check_period", SECONDS, "0",
            "0 only (zone serial checks need PgBouncer's c-ares build)")
            .refusing(v -> v.isZero() ? null : "dns_zone_check_period needs zone serial lookups (c-ares), which this proxy does not do: host names are looked up again every dns_max_ttl"));
    public static final Setting<String> RESOLV_CONF = add(Setting.of("resolv_conf", TEXT, "",
            "empty only: the JVM uses the system's resolver").atStartOnly()
            .refusing(v -> notSetOr(v, "resolv_conf is not supported: the JVM resolves names with the system's resolver (/etc/resolv.conf)")));

    // ---- TLS ----
    public static final Setting<SslMode> CLIENT_TLS_SSLMODE = add(Setting.of("client_tls_sslmode", oneOf(SslMode.class, Setting::lower), "disable",
            "disable, allow, prefer, require, verify-ca, verify-full (the last two ask clients for a certificate chaining to client_tls_ca_file)"));
    public static final Setting<String> CLIENT_TLS_KEY_FILE = add(Setting.of("client_tls_key_file", TEXT, "", "PEM private key (unencrypted PKCS#8)"));
    public static final Setting<String> CLIENT_TLS_CERT_FILE = add(Setting.of("client_tls_cert_file", TEXT, "", "PEM certificate chain"));
    public static final Setting<String> CLIENT_TLS_CA_FILE = add(Setting.of("client_tls_ca_file", TEXT, "", "CA certificates client certificates must chain to"));
    public static final Setting<String> CLIENT_TLS_PROTOCOLS = add(Setting.of("client_tls_protocols", TEXT, "secure",
            "tlsv1.0..tlsv1.3, all, secure (1.2 and 1.3), legacy"));
    public static final Setting<String> CLIENT_TLS_CIPHERS = add(Setting.of("client_tls_ciphers", TEXT, "default",
            "default/secure/fast/normal (the JDK's defaults), all, or a colon-separated list of OpenSSL cipher names"));
    public static final Setting<String> CLIENT_TLS_ECDHCURVE = add(Setting.of("client_tls_ecdhcurve", TEXT, "auto",
            "auto (the JDK's groups), none, or a curve name (prime256v1, secp384r1, x25519, ...)"));
    public static final Setting<String> CLIENT_TLS_DHEPARAMS = add(Setting.of("client_tls_dheparams", TEXT, "auto",
            "auto or none (DHE suites disabled); legacy (1024-bit DH) is refused")
            .refusing(v -> v.equalsIgnoreCase("legacy") ? "client_tls_dheparams = legacy (1024-bit DH) is refused by the JDK; use auto or none" : null));
    public static final Setting<SslMode> SERVER_TLS_SSLMODE = add(Setting.of("server_tls_sslmode", oneOf(SslMode.class, Setting::lower), "prefer",
            "disable, allow and prefer (TLS when the server offers it), require, verify-ca, verify-full"));
    public static final Setting<String> SERVER_TLS_CA_FILE = add(Setting.of("server_tls_ca_file", TEXT, "", "CA certificates the server's must chain to"));
    public static final Setting<String> SERVER_TLS_KEY_FILE = add(Setting.of("server_tls_key_file", TEXT, "", "client key presented to PostgreSQL"));
    public static final Setting<String> SERVER_TLS_CERT_FILE = add(Setting.of("server_tls_cert_file", TEXT, "", "client certificate presented to PostgreSQL"));
    public static final Setting<String> SERVER_TLS_PROTOCOLS = add(Setting.of("server_tls_protocols", TEXT, "secure", "as client_tls_protocols"));
    public static final Setting<String> SERVER_TLS_CIPHERS = add(Setting.of("server_tls_ciphers", TEXT, "default", "as client_tls_ciphers"));

    // ---- dangerous timeouts ----
    public static final Setting<Duration> QUERY_TIMEOUT = add(Setting.of("query_timeout", SECONDS, "0",
            "a query running longer is cancelled on the server and its client disconnected (0: never)"));
    public static final Setting<Duration> QUERY_WAIT_TIMEOUT = add(Setting.of("query_wait_timeout", SECONDS, "120",
            "a client waiting longer for a server is disconnected (0: waits forever)"));
    public static final Setting<Duration> CANCEL_WAIT_TIMEOUT = add(Setting.of("cancel_wait_timeout", SECONDS, "10",
            "a cancel request that cannot reach its server within this is dropped"));
    public static final Setting<Duration> CLIENT_IDLE_TIMEOUT = add(Setting.of("client_idle_timeout", SECONDS, "0",
            "a client idle longer (no request outstanding) is disconnected (0: never)"));
    public static final Setting<Duration> IDLE_TRANSACTION_TIMEOUT = add(Setting.of("idle_transaction_timeout", SECONDS, "0",
            "a client idle in a transaction longer is disconnected (0: never)"));
    public static final Setting<Duration> SUSPEND_TIMEOUT = add(Setting.of("suspend_timeout", SECONDS, "10",
            "SUSPEND waits this long for buffers to drain before dropping a connection"));

    // ---- low-level network ----
    public static final Setting<Integer> PKT_BUF = add(Setting.of("pkt_buf", integer(512, 1 << 20), "4096",
            "Netty's initial read buffer per connection (it adapts upwards; messages beyond the stream threshold are streamed)").atStartOnly());
    public static final Setting<Long> MAX_PACKET_SIZE = add(Setting.of("max_packet_size", bytes(5, 0xffffffffL),
            "2147483647", "largest protocol message let through; larger ones are a protocol error"));
    public static final Setting<Integer> LISTEN_BACKLOG = add(Setting.of("listen_backlog", integer(1, 65535), "128", "listen(2) backlog").atStartOnly());
    public static final Setting<Integer> SBUF_LOOPCNT = add(Setting.of("sbuf_loopcnt", integer(0, 1_000_000), "5",
            "messages read from one connection per turn of its event loop before others get theirs (0: Netty's default of 16)"));
    public static final Setting<Boolean> SO_REUSEPORT = add(Setting.of("so_reuseport", FLAG, "0",
            "SO_REUSEPORT on the listening sockets, so several proxies can share a port").atStartOnly());
    public static final Setting<Boolean> TCP_DEFER_ACCEPT = add(Setting.of("tcp_defer_accept", FLAG, "1", "TCP_DEFER_ACCEPT (45 s) on the listening sockets"));
    public static final Setting<Integer> TCP_SOCKET_BUFFER = add(Setting.of("tcp_socket_buffer", integer(0, Integer.MAX_VALUE), "0",
            "SO_SNDBUF and SO_RCVBUF of every socket (0: the system's)"));
    public static final Setting<Boolean> TCP_KEEPALIVE = add(Setting.of("tcp_keepalive", FLAG, "1", "SO_KEEPALIVE on client and server sockets"));
    public static final Setting<Integer> TCP_KEEPCNT = add(Setting.of("tcp_keepcnt", integer(0, 1000), "0", "TCP_KEEPCNT (0: the system's)"));
    public static final Setting<Integer> TCP_KEEPIDLE = add(Setting.of("tcp_keepidle", integer(0, 1 << 20), "0", "TCP_KEEPIDLE seconds (0: the system's)"));
    public static final Setting<Integer> TCP_KEEPINTVL = add(Setting.of("tcp_keepintvl", integer(0, 1 << 20), "0", "TCP_KEEPINTVL seconds (0: the system's)"));
    public static final Setting<Integer> TCP_USER_TIMEOUT = add(Setting.of("tcp_user_timeout", integer(0, Integer.MAX_VALUE), "0",
            "TCP_USER_TIMEOUT milliseconds (0: the system's)"));

    // ---- this proxy's own ----
    public static final Setting<TransportKind> TRANSPORT = add(Setting.of("transport", oneOf(TransportKind.class, k -> k.name().toLowerCase(java.util.Locale.ROOT)), "auto",
            "(bypass) auto, io_uring, epoll or nio: auto takes the first that loads, in that order; the system property bypass.proxy.transport applies where this key is auto").atStartOnly());
    public static final Setting<Integer> MAX_LOGIN_CLIENTS = add(Setting.of("max_login_clients", integer(1, 1_000_000), "100",
            "(bypass) connections still logging in, apart from max_client_conn: when full, the newest connection evicts the one that has sent the least (idle sockets first)"));
    public static final Setting<Long> BUFFER_BUDGET = add(Setting.of("buffer_budget", bytes(1 << 20, 1L << 40), "268435456",
            "(bypass) bytes all clients' incomplete messages may hold together; a client needing more stops being read until there is room"));
    public static final Setting<List<String>> REPLICAS = add(Setting.of("replicas", LIST, "",
            "(bypass) read replicas HOST:PORT, the route hook may send single SELECTs there (transaction pooling)").atStartOnly());
    public static final Setting<String> MIRROR = add(Setting.of("mirror", TEXT, "",
            "(bypass) shadow server HOST:PORT the mirror hook copies chosen statements to").atStartOnly());
    public static final Setting<Integer> MIRROR_QUEUE_SIZE = add(Setting.of("mirror_queue_size", integer(1, 1_000_000), "1000",
            "(bypass) statements waiting per pool for the shadow before new ones are dropped").atStartOnly());

    /** Every key of the general section, in the order of PgBouncer's reference, then this proxy's own. */
    public static List<Setting<?>> all() { return Collections.unmodifiableList(new ArrayList<>(BY_NAME.values())); }

    /** The key of that name, or null. */
    public static Setting<?> named(String name) { return BY_NAME.get(name); }
}
