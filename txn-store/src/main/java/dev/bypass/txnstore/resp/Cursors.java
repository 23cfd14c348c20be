package dev.bypass.txnstore.resp;

import dev.bypass.txnstore.resp.RedisData.RedisError;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SCAN cursors. Keys are kept in order, so a scan resumes at the first key not yet returned; clients need an
 * integer cursor, so the server keeps that key under a number (the newest 100,000 cursors). Keys present for the
 * whole scan are returned exactly once, even when others are added or removed meanwhile.
 */
final class Cursors {
    private static final int KEEP = 100_000;
    private final Map<Long, byte[]> saved = new LinkedHashMap<>(16, 0.75f, false) {
        @Override protected boolean removeEldestEntry(Map.Entry<Long, byte[]> e) { return size() > KEEP; }
    };
    private long next = 1;

    /** The key a cursor resumes at (null: from the start). */
    synchronized byte[] start(byte[] cursor) {
        String s = new String(cursor, StandardCharsets.US_ASCII);
        long id;
        try {
            id = Long.parseUnsignedLong(s);
        } catch (NumberFormatException e) {
            throw new RedisError("ERR invalid cursor");
        }
        if (id == 0) return null;
        byte[] key = saved.get(id);
        if (key == null) throw new RedisError("ERR invalid cursor");
        return key;
    }

    synchronized String save(byte[] resumeAt) {
        long id = next++;
        saved.put(id, resumeAt);
        return Long.toString(id);
    }
}
