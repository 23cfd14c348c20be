package dev.bypass.proxy.pool;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The server-connection limits that span pools: max_db_connections (all users of a database) and
 * max_user_connections (all databases of a user). A pool opens a server only with a slot from here; a pool that
 * could not get one waits in line and is called back ({@link Pool#slotFreed()}) when another pool's server closes, as
 * PgBouncer opens a server for the waiting pool once one closes elsewhere.
 */
public final class ServerCaps {
    private final Map<String, Integer> byDatabase = new HashMap<>(), byUser = new HashMap<>();
    private final ArrayDeque<Pool> waiting = new ArrayDeque<>();
    private volatile ToIntFunction<String> databaseLimit = d -> 0, userLimit = u -> 0;

    /** Sets the limits (0: none) of each database and user; RELOAD calls it again. */
    public void limits(ToIntFunction<String> perDatabase, ToIntFunction<String> perUser) {
        databaseLimit = perDatabase;
        userLimit = perUser;
    }

    /** Takes a slot for one more server of {@code database}/{@code user}; false when a limit is reached. */
    synchronized boolean take(String database, String user) {
        int db = byDatabase.getOrDefault(database, 0), u = byUser.getOrDefault(user, 0);
        int dbMax = databaseLimit.applyAsInt(database), userMax = userLimit.applyAsInt(user);
        if (dbMax > 0 && db >= dbMax || userMax > 0 && u >= userMax) return false;
        byDatabase.put(database, db + 1);
        byUser.put(user, u + 1);
        return true;
    }

    /** Gives a slot back and lets the first pool waiting for one try again. */
    void release(String database, String user) {
        Pool next;
        synchronized (this) {
            byDatabase.merge(database, -1, Integer::sum);
            byUser.merge(user, -1, Integer::sum);
            next = waiting.poll();
        }
        if (next != null) next.slotFreed();
    }

    synchronized void await(Pool pool) {
        if (!waiting.contains(pool)) waiting.add(pool);
    }

    synchronized void forget(Pool pool) { waiting.remove(pool); }

    public synchronized int servers(String database) { return byDatabase.getOrDefault(database, 0); }

    public synchronized int userServers(String user) { return byUser.getOrDefault(user, 0); }
}
