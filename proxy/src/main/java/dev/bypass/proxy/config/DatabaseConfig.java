package dev.bypass.proxy.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One entry of [databases]: the name clients ask for and where it leads. Null fields fall back to the general
 * settings (pool_size to default_pool_size, and so on). {@code forcedUser}: every client of this database logs in to
 * the server as that user (one pool for the database); null: as themselves. {@code hosts}: one or more host names,
 * addresses or Unix socket directories, used in turn ({@code loadBalance}) or until one fails.
 */
public record DatabaseConfig(String name, String dbname, List<String> hosts, int port, String forcedUser, String password,
                             String authUser, String authQuery, String authDbname, Integer poolSize, Integer minPoolSize,
                             Integer reservePoolSize, String connectQuery, Settings.PoolMode poolMode, boolean loadBalance,
                             Integer maxDbConnections, Integer maxDbClientConnections, Duration serverLifetime,
                             Map<String, String> startupParameters) {
    public DatabaseConfig {
        hosts = List.copyOf(hosts);
        startupParameters = Map.copyOf(startupParameters);
    }

    /** The name "*": the template for databases not listed. */
    public static final String AUTO = "*";

    /** Parameters of a connection string, as PgBouncer knows them. */
    static final List<String> KEYS = List.of("dbname", "host", "port", "user", "password", "auth_user", "auth_query", "auth_dbname",
            "pool_size", "min_pool_size", "reserve_pool", "reserve_pool_size", "connect_query", "pool_mode", "load_balance_hosts",
            "max_db_connections", "max_db_client_connections", "server_lifetime", "client_encoding", "datestyle", "timezone",
            "application_name");

    /** Reads an entry; IllegalArgumentException naming the parameter at fault. */
    public static DatabaseConfig parse(String name, String connString) {
        Map<String, String> p = ConnString.parse(connString);
        for (String k : p.keySet())
            if (!KEYS.contains(k)) throw new IllegalArgumentException("unrecognized connection parameter " + k + " (known: " + String.join(", ", KEYS) + ")");
        if (p.containsKey("reserve_pool") && p.containsKey("reserve_pool_size"))
            throw new IllegalArgumentException("reserve_pool and reserve_pool_size are the same parameter, given twice");
        String host = p.get("host");
        List<String> hosts = host == null ? List.of() : List.of(host.split(","));
        for (String h : hosts) if (h.isBlank()) throw new IllegalArgumentException("empty host in " + host);
        Map<String, String> startup = new java.util.LinkedHashMap<>();
        if (p.containsKey("client_encoding")) startup.put("client_encoding", p.get("client_encoding"));
        if (p.containsKey("datestyle")) startup.put("DateStyle", p.get("datestyle"));
        if (p.containsKey("timezone")) startup.put("TimeZone", p.get("timezone"));
        if (p.containsKey("application_name")) startup.put("application_name", p.get("application_name"));
        String lb = p.getOrDefault("load_balance_hosts", "round-robin");
        if (!lb.equalsIgnoreCase("round-robin") && !lb.equalsIgnoreCase("disable"))
            throw new IllegalArgumentException("load_balance_hosts: expected round-robin or disable, got " + lb);
        return new DatabaseConfig(name, p.getOrDefault("dbname", name), hosts.stream().map(String::strip).toList(),
                intOf(p, "port", 5432, 1, 65535), p.get("user"), p.get("password"), p.get("auth_user"), p.get("auth_query"),
                p.get("auth_dbname"), intOrNull(p, "pool_size", 0), intOrNull(p, "min_pool_size", 0),
                p.containsKey("reserve_pool") ? intOrNull(p, "reserve_pool", 0) : intOrNull(p, "reserve_pool_size", 0),
                p.get("connect_query"), p.containsKey("pool_mode") ? Settings.POOL_MODE.parse(p.get("pool_mode")) : null,
                lb.equalsIgnoreCase("round-robin"), intOrNull(p, "max_db_connections", 0), intOrNull(p, "max_db_client_connections", 0),
                p.containsKey("server_lifetime") ? Settings.SERVER_LIFETIME.parse(p.get("server_lifetime")) : null, startup);
    }

    /** The entry a client's database name leads to when only "*" matches it. */
    public DatabaseConfig forName(String clientDatabase) {
        return new DatabaseConfig(clientDatabase, dbname.equals(AUTO) ? clientDatabase : dbname, hosts, port, forcedUser, password,
                authUser, authQuery, authDbname, poolSize, minPoolSize, reservePoolSize, connectQuery, poolMode, loadBalance,
                maxDbConnections, maxDbClientConnections, serverLifetime, startupParameters);
    }

    /** An entry for one host and port, everything else from the general settings (for tests and embedding). */
    public static DatabaseConfig to(String name, String host, int port) {
        return new DatabaseConfig(name, name, List.of(host), port, null, null, null, null, null, null, null, null, null, null,
                true, null, null, null, Map.of());
    }

    static int intOf(Map<String, String> p, String key, int dflt, int min, int max) {
        Integer v = intOrNull(p, key, min);
        if (v == null) return dflt;
        if (v > max) throw new IllegalArgumentException(key + " must be at most " + max + ", is " + v);
        return v;
    }

    static Integer intOrNull(Map<String, String> p, String key, int min) {
        String v = p.get(key);
        if (v == null) return null;
        try {
            int i = Integer.parseInt(v);
            if (i < min) throw new IllegalArgumentException(key + " must be at least " + min + ", is " + i);
            return i;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": expected an integer, got " + v);
        }
    }
}
