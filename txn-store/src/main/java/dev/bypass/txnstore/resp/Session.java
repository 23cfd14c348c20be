package dev.bypass.txnstore.resp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Per-connection state: selected database, a MULTI queue, and WATCHed keys with the version each had. */
final class Session {
    int db;
    List<List<byte[]>> queued;
    boolean queueError;
    final Map<WatchKey, Long> watched = new LinkedHashMap<>();

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
