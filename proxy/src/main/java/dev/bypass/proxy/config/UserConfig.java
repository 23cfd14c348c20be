package dev.bypass.proxy.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** One entry of [users]: settings of one user that override the general ones (null: not set). */
public record UserConfig(String name, Integer poolSize, Integer reservePoolSize, Settings.PoolMode poolMode,
                         Integer maxUserConnections, Duration queryTimeout, Duration idleTransactionTimeout,
                         Duration clientIdleTimeout, Integer maxUserClientConnections) {
    static final List<String> KEYS = List.of("pool_size", "reserve_pool_size", "pool_mode", "max_user_connections", "query_timeout",
            "idle_transaction_timeout", "client_idle_timeout", "max_user_client_connections");

    public static UserConfig parse(String name, String settings) {
        Map<String, String> p = ConnString.parse(settings);
        for (String k : p.keySet())
            if (!KEYS.contains(k)) throw new IllegalArgumentException("unrecognized user setting " + k + " (known: " + String.join(", ", KEYS) + ")");
        return new UserConfig(name, DatabaseConfig.intOrNull(p, "pool_size", 0), DatabaseConfig.intOrNull(p, "reserve_pool_size", 0),
                p.containsKey("pool_mode") ? Settings.POOL_MODE.parse(p.get("pool_mode")) : null,
                DatabaseConfig.intOrNull(p, "max_user_connections", 0), time(p, "query_timeout"), time(p, "idle_transaction_timeout"),
                time(p, "client_idle_timeout"), DatabaseConfig.intOrNull(p, "max_user_client_connections", 0));
    }

    private static Duration time(Map<String, String> p, String key) {
        String v = p.get(key);
        if (v == null) return null;
        try {
            return Setting.SECONDS.parse(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage());
        }
    }
}
