package dev.bypass.proxy.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The proxy's configuration file, in PgBouncer's ini style so existing knowledge carries over:
 *
 * <pre>
 * [databases]
 * * = host=127.0.0.1 port=5432          ; every database on one PostgreSQL server
 *
 * [bypass]                               ; [pgbouncer] is accepted too
 * listen_addr = 127.0.0.1
 * listen_port = 6432
 * pool_mode = transaction                ; or session
 * default_pool_size = 20
 * max_client_conn = 1000
 * query_wait_timeout = 30                ; seconds a client waits for a server
 * min_pool_size = 0                      ; servers kept open per pool
 * server_idle_timeout = 600              ; seconds; 0 keeps idle servers
 * server_lifetime = 3600                 ; seconds; servers older than this are replaced once idle
 * server_check_query = select 1         ; run on servers idle for server_check_delay; empty disables
 * server_check_delay = 30                ; seconds
 * replicas = 10.0.0.6:5432, 10.0.0.7:5432 ; read replicas the route hook may send transactions to
 * mirror = 10.0.0.9:5432                 ; shadow server the mirror hook copies statements to
 * mirror_queue_size = 1000               ; statements waiting per pool before new ones are dropped
 * auth_type = scram-sha-256              ; trust | plain | md5 | scram-sha-256
 * auth_file = userlist.txt               ; "user" "password" per line, as PgBouncer's
 * client_tls_sslmode = require           ; disable | allow | prefer | require
 * client_tls_cert_file = server.crt
 * client_tls_key_file = server.key
 * server_tls_sslmode = verify-ca         ; disable | prefer | require | verify-ca | verify-full
 * server_tls_ca_file = root.crt          ; for verify-ca
 * </pre>
 *
 * Every error names the file, the line and the key. Unknown keys are errors, so a misspelt setting is not silently
 * ignored. Relative paths resolve against the file's directory.
 */
public final class ProxyConfigFile {
    private ProxyConfigFile() {}

    /** A configuration error: where, which key, what is wrong. */
    public static final class ConfigException extends IllegalArgumentException {
        public ConfigException(String message) { super(message); }
    }

    private static final Set<String> KEYS = Set.of("listen_addr", "listen_port", "pool_mode", "default_pool_size", "max_client_conn",
            "query_wait_timeout", "auth_type", "auth_file", "client_tls_sslmode", "client_tls_cert_file", "client_tls_key_file",
            "server_tls_sslmode", "server_tls_ca_file", "min_pool_size", "server_idle_timeout", "server_lifetime", "replicas",
            "server_check_query", "server_check_delay", "mirror", "mirror_queue_size");

    public static ProxyConfig read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new ConfigException(file + ": no such configuration file");
        return parse(Files.readString(file), file.toString(), file.toAbsolutePath().getParent());
    }

    private record Setting(String value, int line) {}

    public static ProxyConfig parse(String text, String source, Path baseDir) throws IOException {
        Map<String, Setting> settings = new LinkedHashMap<>();
        Map<String, Setting> databases = new LinkedHashMap<>();
        String section = null;
        String[] lines = text.split("\r?\n", -1);
        for (int n = 1; n <= lines.length; n++) {
            String line = lines[n - 1].strip();
            if (line.isEmpty() || line.startsWith(";") || line.startsWith("#")) continue;
            if (line.startsWith("[")) {
                if (!line.endsWith("]")) throw error(source, n, null, "malformed section header " + line);
                section = line.substring(1, line.length() - 1).strip().toLowerCase(Locale.ROOT);
                if (!List.of("databases", "bypass", "pgbouncer", "users").contains(section))
                    throw error(source, n, null, "unknown section [" + section + "] (expected [databases] and [bypass])");
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) throw error(source, n, null, "expected key = value, got " + line);
            String key = line.substring(0, eq).strip(), value = stripComment(line.substring(eq + 1)).strip();
            if (section == null) throw error(source, n, key, "setting outside a section");
            switch (section) {
                case "databases" -> databases.put(key, new Setting(value, n));
                case "users" -> throw error(source, n, key, "per-user settings are not supported");
                default -> {
                    String k = key.toLowerCase(Locale.ROOT);
                    if (!KEYS.contains(k)) throw error(source, n, key, "unknown setting (known: " + String.join(", ", new java.util.TreeSet<>(KEYS)) + ")");
                    if (settings.putIfAbsent(k, new Setting(value, n)) != null) throw error(source, n, key, "set twice");
                }
            }
        }
        if (databases.isEmpty()) throw error(source, lines.length, null, "no [databases] entry: add e.g. * = host=127.0.0.1 port=5432");
        String host = null;
        int port = -1;
        for (var e : databases.entrySet()) {
            Map<String, String> conn = connectionString(e.getValue(), source, e.getKey());
            String h = conn.getOrDefault("host", "127.0.0.1");
            int p = integer(new Setting(conn.getOrDefault("port", "5432"), e.getValue().line()), source, e.getKey() + " port", 1, 65535);
            if (host != null && (!host.equals(h) || port != p))
                throw error(source, e.getValue().line(), e.getKey(), "all databases must be on one server (" + host + ":" + port + ")");
            host = h;
            port = p;
        }
        String listenAddr = value(settings, "listen_addr", "127.0.0.1");
        int listenPort = integer(settings, "listen_port", 6432, 0, 65535, source);
        ProxyConfig.PoolMode mode = switch (value(settings, "pool_mode", "transaction").toLowerCase(Locale.ROOT)) {
            case "transaction" -> ProxyConfig.PoolMode.TRANSACTION;
            case "session" -> ProxyConfig.PoolMode.SESSION;
            default -> throw error(source, settings.get("pool_mode").line(), "pool_mode", "expected session or transaction, got " + settings.get("pool_mode").value());
        };
        int poolSize = integer(settings, "default_pool_size", 20, 1, 100_000, source);
        int maxClients = integer(settings, "max_client_conn", 1000, 1, 1_000_000, source);
        int waitSeconds = integer(settings, "query_wait_timeout", 30, 1, 86_400, source);
        ProxyConfig.ClientAuth auth = switch (value(settings, "auth_type", "trust").toLowerCase(Locale.ROOT)) {
            case "trust" -> ProxyConfig.ClientAuth.TRUST;
            case "plain" -> ProxyConfig.ClientAuth.CLEARTEXT;
            case "md5" -> ProxyConfig.ClientAuth.MD5;
            case "scram-sha-256" -> ProxyConfig.ClientAuth.SCRAM_SHA_256;
            default -> throw error(source, settings.get("auth_type").line(), "auth_type", "expected trust, plain, md5 or scram-sha-256, got " + settings.get("auth_type").value());
        };
        Map<String, String> users = Map.of();
        if (settings.containsKey("auth_file")) users = authFile(resolve(baseDir, settings.get("auth_file").value()), source, settings.get("auth_file").line());
        else if (auth != ProxyConfig.ClientAuth.TRUST)
            throw error(source, settings.get("auth_type").line(), "auth_type", auth.name().toLowerCase(Locale.ROOT) + " needs an auth_file with the users' passwords");
        ProxyConfig.ClientTls tls = null;
        String sslmode = value(settings, "client_tls_sslmode", "disable").toLowerCase(Locale.ROOT);
        switch (sslmode) {
            case "disable" -> {}
            case "allow", "prefer", "require" -> {
                for (String k : List.of("client_tls_cert_file", "client_tls_key_file"))
                    if (!settings.containsKey(k)) throw error(source, settings.get("client_tls_sslmode").line(), k, "needed for client_tls_sslmode = " + sslmode);
                Path cert = resolve(baseDir, settings.get("client_tls_cert_file").value()), key = resolve(baseDir, settings.get("client_tls_key_file").value());
                for (var k : List.of(Map.entry("client_tls_cert_file", cert), Map.entry("client_tls_key_file", key)))
                    if (!Files.isReadable(k.getValue())) throw error(source, settings.get(k.getKey()).line(), k.getKey(), "cannot read " + k.getValue());
                tls = new ProxyConfig.ClientTls(cert, key, sslmode.equals("require"));
            }
            default -> throw error(source, settings.get("client_tls_sslmode").line(), "client_tls_sslmode", "expected disable, allow, prefer or require, got " + sslmode);
        }
        ProxyConfig.ServerTls serverTls = switch (value(settings, "server_tls_sslmode", "disable").toLowerCase(Locale.ROOT)) {
            case "disable" -> null;
            case "prefer", "allow" -> new ProxyConfig.ServerTls(false, null);
            case "require" -> new ProxyConfig.ServerTls(true, null);
            case "verify-ca", "verify-full" -> {
                boolean full = settings.get("server_tls_sslmode").value().equalsIgnoreCase("verify-full");
                if (!settings.containsKey("server_tls_ca_file"))
                    throw error(source, settings.get("server_tls_sslmode").line(), "server_tls_ca_file", "needed for server_tls_sslmode = verify-ca");
                Path ca = resolve(baseDir, settings.get("server_tls_ca_file").value());
                if (!Files.isReadable(ca)) throw error(source, settings.get("server_tls_ca_file").line(), "server_tls_ca_file", "cannot read " + ca);
                yield new ProxyConfig.ServerTls(true, ca, full);
            }
            default -> throw error(source, settings.get("server_tls_sslmode").line(), "server_tls_sslmode",
                    "expected disable, prefer, require, verify-ca or verify-full, got " + settings.get("server_tls_sslmode").value());
        };
        int minPool = integer(settings, "min_pool_size", 0, 0, poolSize, source);
        ProxyConfig.PoolLimits limits = new ProxyConfig.PoolLimits(minPool,
                Duration.ofSeconds(integer(settings, "server_idle_timeout", 600, 0, 86_400 * 365, source)),
                Duration.ofSeconds(integer(settings, "server_lifetime", 3600, 0, 86_400 * 365, source)),
                value(settings, "server_check_query", ProxyConfig.PoolLimits.DEFAULT_CHECK_QUERY),
                Duration.ofSeconds(integer(settings, "server_check_delay", 30, 0, 86_400, source)));
        java.util.List<ProxyConfig.Replica> replicas = new java.util.ArrayList<>();
        if (settings.containsKey("replicas")) {
            for (String r : settings.get("replicas").value().split(",")) {
                String hp = r.strip();
                int colon = hp.lastIndexOf(':');
                if (colon <= 0) throw error(source, settings.get("replicas").line(), "replicas", "expected HOST:PORT, got " + hp);
                replicas.add(new ProxyConfig.Replica(hp.substring(0, colon),
                        integer(new Setting(hp.substring(colon + 1), settings.get("replicas").line()), source, "replicas", 1, 65535)));
            }
        }
        ProxyConfig.Mirror mirror = null;
        if (settings.containsKey("mirror")) {
            Setting m = settings.get("mirror");
            String hp = m.value().strip();
            int colon = hp.lastIndexOf(':');
            if (colon <= 0) throw error(source, m.line(), "mirror", "expected HOST:PORT, got " + hp);
            mirror = new ProxyConfig.Mirror(hp.substring(0, colon), integer(new Setting(hp.substring(colon + 1), m.line()), source, "mirror", 1, 65535),
                    integer(settings, "mirror_queue_size", 1000, 1, 1_000_000, source));
        } else if (settings.containsKey("mirror_queue_size")) {
            throw error(source, settings.get("mirror_queue_size").line(), "mirror_queue_size", "set without mirror");
        }
        return new ProxyConfig(listenAddr, listenPort, host, port, mode, poolSize, maxClients, Duration.ofSeconds(waitSeconds), auth, users, tls,
                serverTls, limits, replicas, mirror);
    }

    /** PgBouncer's auth_file: {@code "user" "password"} per line, {@code ""} for a quote inside a field. */
    static Map<String, String> authFile(Path file, String source, int line) throws IOException {
        if (!Files.isReadable(file)) throw error(source, line, "auth_file", "cannot read " + file);
        Map<String, String> users = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(file);
        for (int n = 1; n <= lines.size(); n++) {
            String l = lines.get(n - 1).strip();
            if (l.isEmpty() || l.startsWith(";") || l.startsWith("#")) continue;
            List<String> fields = new java.util.ArrayList<>();
            int i = 0;
            while (i < l.length()) {
                if (Character.isWhitespace(l.charAt(i))) { i++; continue; }
                if (l.charAt(i) != '"') throw error(file.toString(), n, null, "expected \"user\" \"password\"");
                StringBuilder f = new StringBuilder();
                i++;
                while (true) {
                    if (i >= l.length()) throw error(file.toString(), n, null, "unterminated quoted field");
                    char c = l.charAt(i++);
                    if (c == '"') {
                        if (i < l.length() && l.charAt(i) == '"') { f.append('"'); i++; } else break;
                    } else f.append(c);
                }
                fields.add(f.toString());
            }
            if (fields.size() < 2) throw error(file.toString(), n, null, "expected \"user\" \"password\"");
            users.put(fields.get(0), fields.get(1));
        }
        return users;
    }

    private static Map<String, String> connectionString(Setting s, String source, String db) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : s.value().split("\\s+")) {
            if (part.isEmpty()) continue;
            int eq = part.indexOf('=');
            if (eq <= 0) throw error(source, s.line(), db, "expected key=value pairs (host=... port=...), got " + part);
            String k = part.substring(0, eq);
            if (!List.of("host", "port", "dbname", "user", "password").contains(k)) throw error(source, s.line(), db, "unsupported connection parameter " + k);
            out.put(k, part.substring(eq + 1));
        }
        if (out.containsKey("dbname") || out.containsKey("user") || out.containsKey("password"))
            throw error(source, s.line(), db, "dbname, user and password mappings are not supported: clients' own names are used");
        return out;
    }

    private static String stripComment(String v) {
        int i = v.indexOf(" ;");
        return i >= 0 ? v.substring(0, i) : v;
    }

    private static Path resolve(Path base, String p) { return base == null ? Path.of(p) : base.resolve(p); }

    private static String value(Map<String, Setting> m, String key, String dflt) { return m.containsKey(key) ? m.get(key).value() : dflt; }

    private static int integer(Map<String, Setting> m, String key, int dflt, int min, int max, String source) {
        return m.containsKey(key) ? integer(m.get(key), source, key, min, max) : dflt;
    }

    private static int integer(Setting s, String source, String key, int min, int max) {
        try {
            int v = Integer.parseInt(s.value());
            if (v < min || v > max) throw error(source, s.line(), key, "must be between " + min + " and " + max + ", is " + v);
            return v;
        } catch (NumberFormatException e) {
            throw error(source, s.line(), key, "expected a number, got " + s.value());
        }
    }

    private static ConfigException error(String source, int line, String key, String message) {
        return new ConfigException(source + ":" + line + ": " + (key != null ? key + ": " : "") + message);
    }
}
