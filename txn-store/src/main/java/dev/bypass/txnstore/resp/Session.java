package dev.bypass.txnstore.resp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-connection state: identity (CLIENT ID, SETNAME, SETINFO), the user it authenticated as, selected database, a MULTI queue, WATCHed keys with
 * the version each had, and the log write its replies wait for.
 */
final class Session {
    final long id;
    final String address;
    final long created = System.currentTimeMillis();
    volatile long lastInteraction = created;
    int db;
    String name = "", libName = "", libVersion = "";
    String lastCommand = "NULL";
    List<byte[][]> queued;
    boolean queueError;
    /** Whether a queued command may add data (EXEC is refused above maxmemory then, as Redis does). */
    boolean queuedDenyOom;
    final Map<WatchKey, Long> watched = new LinkedHashMap<>();
    /** The user this connection authenticated as (null: not yet); see {@link Acl}. */
    volatile Acl.Account account;
    /** The log write this connection's newest unacknowledged commit owes (0: none); see Store.awaitDurable. */
    long owed;
    /** Some reply owing {@link #owed} is a read, not a commit's own: a replicated leader confirms it (Store.whenDurable). */
    boolean owedReads;
    /** The newest log write that replies handed to the event loop (and not yet sent) wait for (0: none). */
    long gated;

    record WatchKey(int db, String key) {}

    Session(long id, String address) {
        this.id = id;
        this.address = address;
    }

    boolean inMulti() { return queued != null; }

    void beginMulti() {
        queued = new ArrayList<>();
        queueError = false;
        queuedDenyOom = false;
    }

    void endMulti() {
        queued = null;
        queueError = false;
        queuedDenyOom = false;
        watched.clear();
    }
}
