package dev.bypass.proxy.hooks;

import java.net.SocketAddress;

/**
 * A client session as hooks see it: who (role, database, application_name as it is now), from where, over TLS or
 * not, and whether a transaction is open. The session updates what changes before each hook call; a hook may cache
 * its own encoding of the session in {@link #hookCache()} (it is never read by the proxy).
 */
public final class SessionInfo {
    private final int id;
    private final String user, database;
    private final SocketAddress client;
    private final boolean tls;
    private volatile String applicationName = "";
    private volatile boolean inTransaction;
    /** The hook implementation's own per-session data (e.g. the encoded session block), or null. */
    private volatile Object hookCache;

    public SessionInfo(int id, String user, String database, SocketAddress client, boolean tls) {
        this.id = id;
        this.user = user;
        this.database = database;
        this.client = client;
        this.tls = tls;
    }

    /** The client's id (SHOW CLIENTS). */
    public int id() { return id; }

    public String user() { return user; }

    public String database() { return database; }

    /** The client's socket address: an InetSocketAddress, a Unix-domain address, or null. */
    public SocketAddress client() { return client; }

    public java.net.InetSocketAddress inetClient() { return client instanceof java.net.InetSocketAddress a ? a : null; }

    public boolean tls() { return tls; }

    public String applicationName() { return applicationName; }

    public boolean inTransaction() { return inTransaction; }

    /** Called by the session before each hook call with what may have changed since the last one. */
    public void update(String applicationName, boolean inTransaction) {
        if (applicationName == null) applicationName = "";
        if (!applicationName.equals(this.applicationName)) this.applicationName = applicationName;
        this.inTransaction = inTransaction;
    }

    /** The hook implementation's own per-session data (e.g. the encoded session block), or null; the proxy never reads it. */
    public Object hookCache() { return hookCache; }

    /** Keeps {@code data} with this session for the hook implementation (see {@link #hookCache()}). */
    public void hookCache(Object data) { this.hookCache = data; }

    @Override public String toString() { return "session " + id + " " + user + "@" + database; }
}
