/**
 * Server connections: a {@link dev.bypass.proxy.pool.Pool} per (database, user) with its size, reserve, limits per
 * database and user, health checks and lifetimes; {@link dev.bypass.proxy.pool.ServerConnection} logs in to
 * PostgreSQL (cleartext, MD5, SCRAM-SHA-256 with channel binding, TLS) and carries one client's traffic at a time;
 * {@link dev.bypass.proxy.pool.Mirror} copies chosen statements to a shadow server without slowing the primary path.
 */
package dev.bypass.proxy.pool;
