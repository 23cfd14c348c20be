package dev.bypass.proxy.pool;

/** Pools are per (database, user), as server sessions are. */
public record PoolKey(String database, String user) {}
