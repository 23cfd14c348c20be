package dev.bypass.txnstore.resp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-connection state: selected database, a MULTI queue, WATCHed keys with the version each had, and the log
 * write its replies wait for.
 */
final class Session {
    int db;
    List<List<byte[]>> queued;
    boolean queueError;
    final Map<WatchKey, Long> watched = new LinkedHashMap<>();
    /** The log write this connection's newest unacknowledged commit owes (0: none); see Store.awaitDurable. */
    long owed;

    record WatchKey(int db, String key) {}

    boolean inMulti() { return queued != null; }

    void beginMulti() {
        queued = new ArrayList<>();
        queueError = false;
    }

    void endMulti() {
        queued = null;
        queueError = false;
        watched.clear();
    }
}
