package dev.bypass.proxy.pool;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

/**
 * The server-connection limits that span pools: max_db_connections (all users of a database) and
 * max_user_connections (all databases of a user). A pool opens a server only with a slot from here. A pool that could
 * not get one waits in line: a slot given back goes straight to the first waiting pool it fits
 * ({@link Pool#slotGranted()}), and meanwhile the other pools under the same limit give up their idle servers and
 * close the servers their clients give back instead of reusing them, so that every pool under a shared limit is
 * served in turn (PgBouncer evicts another pool's servers for the waiting pool likewise).
 */
public final class ServerCaps {
    private final Map<String, Integer> byDatabase = new HashMap<>(), byUser = new HashMap<>();
    private final ArrayDeque<Pool> waiting = new ArrayDeque<>();
    private final Set<Pool> pools = ConcurrentHashMap.newKeySet();
    private volatile ToIntFunction<String> databaseLimit = d -> 0, userLimit = u -> 0;

    /** Sets the limits (0: none) of each database and user; RELOAD calls it again. */
    public void limits(ToIntFunction<String> perDatabase, ToIntFunction<String> perUser) {
        databaseLimit = perDatabase;
        userLimit = perUser;
    }

    void register(Pool pool) { pools.add(pool); }

    private static String database(Pool p) { return p.key().database(); }

    private static String user(Pool p) { return p.spec().serverUser(); }

    /** Takes a slot for one more server of {@code database}/{@code user}; false when a limit is reached. */
    synchronized boolean take(String database, String user) {
        int db = byDatabase.getOrDefault(database, 0), u = byUser.getOrDefault(user, 0);
        int dbMax = databaseLimit.applyAsInt(database), userMax = userLimit.applyAsInt(user);
        if (dbMax > 0 && db >= dbMax || userMax > 0 && u >= userMax) return false;
        byDatabase.put(database, db + 1);
        byUser.put(user, u + 1);
        return true;
    }

    /** Gives a slot back: to the first waiting pool it lets open a server, else it is free. */
    void release(String database, String user) {
        Pool granted = null;
        synchronized (this) {
            byDatabase.merge(database, -1, Integer::sum);
            byUser.merge(user, -1, Integer::sum);
            for (Iterator<Pool> it = waiting.iterator(); it.hasNext(); ) {
                Pool p = it.next();
                if (take(database(p), user(p))) {
                    it.remove();
                    granted = p;
                    break;
                }
            }
        }
        if (granted != null) granted.slotGranted();
    }

    /** {@code pool} needs a slot: it waits for one, and the pools it shares a limit with give up an idle server. */
    void await(Pool pool) {
        synchronized (this) {
            if (waiting.contains(pool)) return;
            waiting.add(pool);
        }
        List<Pool> sharing = new ArrayList<>();
        for (Pool p : pools) if (p != pool && sharesLimit(p, pool)) sharing.add(p);
        for (Pool p : sharing) if (p.evictIdle()) break;
    }

    /**
     * Whether another pool waits for a slot under a limit {@code pool} (with {@code servers} servers) counts towards,
     * and has none or fewer than {@code pool} would keep after giving one up: then one of {@code pool}'s servers goes
     * to it, so that pools under a shared limit settle on even shares instead of passing servers back and forth
     * (only a pool with none always gets one, so nobody starves).
     */
    synchronized boolean othersWaiting(Pool pool, int servers) {
        for (Pool p : waiting) {
            if (p == pool || !sharesLimit(p, pool)) continue;
            int theirs = p.serverCountRelaxed();
            if (theirs == 0 || theirs < servers - 1) return true;
        }
        return false;
    }

    private boolean sharesLimit(Pool a, Pool b) {
        return database(a).equals(database(b)) && databaseLimit.applyAsInt(database(a)) > 0
                || user(a).equals(user(b)) && userLimit.applyAsInt(user(a)) > 0;
    }

    /** {@code pool} no longer waits (KILL). */
    synchronized void forget(Pool pool) { waiting.remove(pool); }

    /** {@code pool} is gone (shutdown, or retired by RELOAD). */
    public synchronized void unregister(Pool pool) {
        waiting.remove(pool);
        pools.remove(pool);
    }

    public synchronized int servers(String database) { return byDatabase.getOrDefault(database, 0); }

    public synchronized int userServers(String user) { return byUser.getOrDefault(user, 0); }
}
