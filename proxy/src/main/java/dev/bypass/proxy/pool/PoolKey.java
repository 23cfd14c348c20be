package dev.bypass.proxy.pool;

/**
 * Pools are per (database, user), as server sessions are, and per backend: 0 is the primary, 1.. the configured
 * replicas in order.
 */
public record PoolKey(String database, String user, int backend) {
    public PoolKey(String database, String user) { this(database, user, 0); }
}
