package dev.bypass.txnstore.resp;

import dev.bypass.txnstore.Bytes;
import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.Table;
import dev.bypass.txnstore.Transaction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Redis keyspace on store tables, so that every type lives in the same transactions, log and checkpoints.
 * Database N has a key table {@code redisN} mapping each key to {@code type:u8 expireAtMillis:i64 payload}:
 * <ul>
 *   <li>string: the payload is the value; a value of {@link RespWriter#LARGE} bytes or more is kept whole in
 *       {@code redisN.big} instead (the payload is empty), so a large value is stored as the array it arrived in,
 *       never copied behind a header;</li>
 *   <li>hash: fields in {@code redisN.hash} under {@code escaped(key) field};</li>
 *   <li>list: payload {@code head:i64 tail:i64}; elements in {@code redisN.list} under {@code escaped(key)
 *       orderedIndex} for indexes in {@code [head, tail)} (pushing left decrements head);</li>
 *   <li>set: members in {@code redisN.set} under {@code escaped(key) member};</li>
 *   <li>sorted set: member to score in {@code redisN.zset}, and {@code escaped(key) orderedScore member} in
 *       {@code redisN.zrank} for ranges by score and rank.</li>
 * </ul>
 * Collections keep no count in their key entry, so writers of different members never conflict on it (the price:
 * counting scans the members). A key with a deadline also has an entry {@code deadline:u64 key} in
 * {@code redisN.expires}, which active expiry walks in deadline order; reads treat an expired key as absent (lazy
 * expiry) until it is removed.
 */
final class RedisData {
    static final byte STRING = 's', HASH = 'h', LIST = 'l', SET = 't', ZSET = 'z';
    static final int DATABASES = 16;
    static final int HEADER = 9;

    /** A command failed with a Redis error reply (text after the leading '-'). */
    static final class RedisError extends RuntimeException {
        RedisError(String message) { super(message, null, false, false); }
    }

    static final RedisError WRONGTYPE = new RedisError("WRONGTYPE Operation against a key holding the wrong kind of value");
    static final RedisError NOT_INTEGER = new RedisError("ERR value is not an integer or out of range");
    static final RedisError NOT_FLOAT = new RedisError("ERR value is not a valid float");
    static final RedisError SYNTAX = new RedisError("ERR syntax error");
    static final RedisError NO_SUCH_KEY = new RedisError("ERR no such key");
    static final RedisError TOO_BIG = new RedisError("ERR string exceeds maximum allowed size (proto-max-bulk-len)");

    /** A key entry as stored: {@code raw} is the whole record (header and, for small strings, the value). */
    record Value(byte[] raw) {
        byte type() { return raw[0]; }

        long expireAt() { return getLong(raw, 1); }

        int payloadLength() { return raw.length - HEADER; }

        byte[] payload() { return Arrays.copyOfRange(raw, HEADER, raw.length); }

        boolean expired(long now) {
            long at = expireAt();
            return at != 0 && at <= now;
        }

        static byte[] encode(byte type, long expireAt, byte[] payload, int len) {
            byte[] b = new byte[HEADER + len];
            b[0] = type;
            putLong(b, 1, expireAt);
            System.arraycopy(payload, 0, b, HEADER, len);
            return b;
        }
    }

    private final Table[] keys = new Table[DATABASES], hashes = new Table[DATABASES], lists = new Table[DATABASES], sets = new Table[DATABASES],
            zsets = new Table[DATABASES], zranks = new Table[DATABASES], bigs = new Table[DATABASES], expires = new Table[DATABASES];

    RedisData(Store store) {
        for (int i = 0; i < DATABASES; i++) {
            keys[i] = store.table("redis" + i);
            hashes[i] = store.table("redis" + i + ".hash");
            lists[i] = store.table("redis" + i + ".list");
            sets[i] = store.table("redis" + i + ".set");
            zsets[i] = store.table("redis" + i + ".zset");
            zranks[i] = store.table("redis" + i + ".zrank");
            bigs[i] = store.table("redis" + i + ".big");
            expires[i] = store.table("redis" + i + ".expires");
        }
    }

    Table keys(int db) { return keys[db]; }

    Table hashes(int db) { return hashes[db]; }

    Table lists(int db) { return lists[db]; }

    Table sets(int db) { return sets[db]; }

    Table zsets(int db) { return zsets[db]; }

    Table zranks(int db) { return zranks[db]; }

    Table expires(int db) { return expires[db]; }

    // --- key entries ---

    /** The live entry of a key, or null (absent or expired). */
    Value get(Transaction tx, int db, byte[] key) {
        byte[] raw = tx.get(keys[db], key);
        if (raw == null) return null;
        Value v = new Value(raw);
        return v.expired(System.currentTimeMillis()) ? null : v;
    }

    /** The live entry if it has {@code type}; null when absent; WRONGTYPE otherwise. */
    Value getTyped(Transaction tx, int db, byte[] key, byte type) {
        Value v = get(tx, db, key);
        if (v != null && v.type() != type) throw WRONGTYPE;
        return v;
    }

    /** A string's value (null when absent); WRONGTYPE for other types. */
    byte[] getString(Transaction tx, int db, byte[] key) {
        Value v = getTyped(tx, db, key, STRING);
        return v == null ? null : stringOf(tx, db, key, v);
    }

    byte[] stringOf(Transaction tx, int db, byte[] key, Value v) {
        if (v.payloadLength() > 0) return v.payload();
        byte[] big = tx.get(bigs[db], key);
        return big == null ? new byte[0] : big;
    }

    /** Writes a string's value as a reply without copying it. */
    void replyString(Transaction tx, int db, byte[] key, Value v, RespWriter out) {
        if (v.payloadLength() > 0) out.bulk(v.raw(), HEADER, v.payloadLength());
        else out.bulk(stringOf(tx, db, key, v));
    }

    int stringLength(Transaction tx, int db, byte[] key, Value v) { return v.payloadLength() > 0 ? v.payloadLength() : stringOf(tx, db, key, v).length; }

    /**
     * Sets a string, replacing a key of any type (the members of a collection go with it, expired or not). The
     * value array is kept as it is: the caller hands it over.
     */
    void putString(Transaction tx, int db, byte[] key, byte[] value, long expireAt) {
        byte[] old = tx.get(keys[db], key);
        if (old != null) dropContents(tx, db, key, new Value(old), value.length >= RespWriter.LARGE);
        if (value.length >= RespWriter.LARGE) {
            tx.putOwned(keys[db], key, Value.encode(STRING, expireAt, value, 0));
            tx.putOwned(bigs[db], key, value);
        } else tx.putOwned(keys[db], key, Value.encode(STRING, expireAt, value, value.length));
        indexDeadline(tx, db, key, old == null ? 0 : new Value(old).expireAt(), expireAt);
    }

    /** Rewrites a key entry with a new deadline (the contents stay). */
    void setExpire(Transaction tx, int db, byte[] key, Value v, long expireAt) {
        byte[] raw = v.raw().clone();
        putLong(raw, 1, expireAt);
        tx.putOwned(keys[db], key, raw);
        indexDeadline(tx, db, key, v.expireAt(), expireAt);
    }

    private void indexDeadline(Transaction tx, int db, byte[] key, long oldAt, long newAt) {
        if (oldAt == newAt) return;
        if (oldAt != 0) tx.delete(expires[db], deadlineKey(oldAt, key));
        if (newAt != 0) tx.putOwned(expires[db], deadlineKey(newAt, key), EMPTY);
    }

    static byte[] deadlineKey(long at, byte[] key) {
        byte[] k = new byte[8 + key.length];
        putLong(k, 0, Math.max(0, at));
        System.arraycopy(key, 0, k, 8, key.length);
        return k;
    }

    static final byte[] EMPTY = new byte[0];

    /** Copies a live key with its contents and deadline to {@code dst}, replacing whatever was there (RENAME). */
    void copy(Transaction tx, int db, byte[] src, Value v, byte[] dst) {
        delete(tx, db, dst);
        if (v.type() == STRING) {
            putString(tx, db, dst, stringOf(tx, db, src, v), v.expireAt());
            return;
        }
        tx.put(keys[db], dst, v.raw());
        Table[] member = switch (v.type()) {
            case HASH -> new Table[] {hashes[db]};
            case LIST -> new Table[] {lists[db]};
            case SET -> new Table[] {sets[db]};
            default -> new Table[] {zsets[db], zranks[db]};
        };
        byte[] to = prefix(dst);
        for (Table t : member) for (byte[][] m : members(tx, t, src)) tx.putOwned(t, Bytes.concat(to, m[0]), m[1]);
        indexDeadline(tx, db, dst, 0, v.expireAt());
    }

    /** Deletes a key of any type with its contents; returns whether a live key was there. */
    boolean delete(Transaction tx, int db, byte[] key) {
        byte[] raw = tx.get(keys[db], key);
        if (raw == null) return false;
        Value v = new Value(raw);
        dropContents(tx, db, key, v, false);
        tx.delete(keys[db], key);
        indexDeadline(tx, db, key, v.expireAt(), 0);
        return !v.expired(System.currentTimeMillis());
    }

    /** Removes a key's contents kept outside its entry (collection members, a large string's value). */
    private void dropContents(Transaction tx, int db, byte[] key, Value v, boolean keepBig) {
        switch (v.type()) {
            case STRING -> {
                if (v.payloadLength() == 0 && !keepBig) tx.delete(bigs[db], key);
            }
            case HASH -> deleteRange(tx, hashes[db], key);
            case LIST -> deleteRange(tx, lists[db], key);
            case SET -> deleteRange(tx, sets[db], key);
            case ZSET -> {
                deleteRange(tx, zsets[db], key);
                deleteRange(tx, zranks[db], key);
            }
            default -> throw new IllegalStateException("unknown type " + v.type());
        }
    }

    private static void deleteRange(Transaction tx, Table t, byte[] key) {
        byte[] p = prefix(key);
        List<byte[]> gone = new ArrayList<>();
        tx.scan(t, p, Bytes.prefixEnd(p), (k, val) -> gone.add(k));
        for (byte[] k : gone) tx.delete(t, k);
    }

    /**
     * The live entry of a collection key of {@code type}, created (empty, no deadline) when absent; WRONGTYPE for
     * other types. An existing entry is left as it is: writers of different members must not conflict on it.
     */
    Value ensure(Transaction tx, int db, byte[] key, byte type, byte[] emptyPayload) {
        byte[] raw = tx.get(keys[db], key);
        if (raw != null) {
            Value v = new Value(raw);
            if (!v.expired(System.currentTimeMillis())) {
                if (v.type() != type) throw WRONGTYPE;
                return v;
            }
            delete(tx, db, key); // expired: its members go before the new collection is made
        }
        byte[] fresh = Value.encode(type, 0, emptyPayload, emptyPayload.length);
        tx.putOwned(keys[db], key.clone(), fresh);
        return new Value(fresh);
    }

    /** Deletes a collection's key entry once its last member is gone; the caller checked the type. */
    void dropIfEmpty(Transaction tx, int db, byte[] key, Table members) {
        if (isEmpty(tx, members, key)) {
            Value v = new Value(tx.get(keys[db], key));
            tx.delete(keys[db], key);
            indexDeadline(tx, db, key, v.expireAt(), 0);
        }
    }

    /**
     * Removes members {@code args[from..argc)} of a collection of {@code type} kept in {@code table}; deletes the
     * key once empty. Returns how many were there (HDEL, SREM).
     */
    int removeMembers(Transaction tx, int db, byte[] key, byte type, Table table, byte[][] args, int from, int argc) {
        if (getTyped(tx, db, key, type) == null) return 0;
        int n = 0;
        for (int i = from; i < argc; i++) {
            byte[] mk = memberKey(key, args[i]);
            if (tx.get(table, mk) != null) {
                tx.delete(table, mk);
                n++;
            }
        }
        if (n > 0) dropIfEmpty(tx, db, key, table);
        return n;
    }

    static boolean isEmpty(Transaction tx, Table members, byte[] key) {
        byte[] p = prefix(key);
        boolean[] any = {false};
        tx.scan(members, p, Bytes.prefixEnd(p), (k, v) -> {
            any[0] = true;
            return false;
        });
        return !any[0];
    }

    /** The version WATCH compares: the newest change of the key entry or of any of its members. */
    long watchVersion(Transaction tx, int db, byte[] key) {
        long v = tx.versionOf(keys[db], key);
        byte[] p = prefix(key), end = Bytes.prefixEnd(p);
        for (Table t : new Table[] {hashes[db], lists[db], sets[db], zsets[db]}) v = Math.max(v, tx.versionOfRange(t, p, end));
        return Math.max(v, tx.versionOf(bigs[db], key));
    }

    // --- members ---

    static byte[] prefix(byte[] key) { return Bytes.escapeTerminated(key); }

    static byte[] memberKey(byte[] key, byte[] member) { return Bytes.concat(prefix(key), member); }

    /** Members of a collection in member-key order: {@code (suffix after the key's prefix, value)} pairs. */
    static List<byte[][]> members(Transaction tx, Table t, byte[] key) {
        byte[] p = prefix(key);
        List<byte[][]> out = new ArrayList<>();
        tx.scan(t, p, Bytes.prefixEnd(p), (k, v) -> out.add(new byte[][] {Arrays.copyOfRange(k, p.length, k.length), v}));
        return out;
    }

    static int count(Transaction tx, Table t, byte[] key) {
        byte[] p = prefix(key);
        int[] n = {0};
        tx.scan(t, p, Bytes.prefixEnd(p), (k, v) -> {
            n[0]++;
            return true;
        });
        return n[0];
    }

    // --- numbers in keys ---

    static long getLong(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (b[at + i] & 0xff);
        return v;
    }

    static void putLong(byte[] b, int at, long v) {
        for (int i = 7; i >= 0; i--) {
            b[at + i] = (byte) v;
            v >>>= 8;
        }
    }

    /** An index as 8 bytes that sort like the signed number. */
    static byte[] orderedLong(long v) {
        byte[] b = new byte[8];
        putLong(b, 0, v ^ Long.MIN_VALUE);
        return b;
    }

    /** A score as 8 bytes that sort like the double (-0.0 as 0.0). */
    static byte[] orderedDouble(double d) {
        long bits = Double.doubleToLongBits(d == 0 ? 0.0 : d);
        bits = bits < 0 ? ~bits : bits ^ Long.MIN_VALUE;
        byte[] b = new byte[8];
        putLong(b, 0, bits);
        return b;
    }

    static double fromOrderedDouble(byte[] b, int at) {
        long bits = getLong(b, at);
        bits = bits < 0 ? bits ^ Long.MIN_VALUE : ~bits;
        return Double.longBitsToDouble(bits);
    }

    static byte[] doubleBytes(double d) {
        byte[] b = new byte[8];
        putLong(b, 0, Double.doubleToLongBits(d));
        return b;
    }

    static double doubleOf(byte[] b) { return Double.longBitsToDouble(getLong(b, 0)); }

    /** Live keys of a database in key order, from {@code from} (inclusive, null: start), at most {@code limit}. */
    List<byte[]> keysFrom(Transaction tx, int db, byte[] from, int limit, long[] scanned) {
        List<byte[]> out = new ArrayList<>();
        long now = System.currentTimeMillis();
        tx.scan(keys[db], from, null, (k, v) -> {
            if (scanned != null) scanned[0]++;
            if (!new Value(v).expired(now)) out.add(k);
            return out.size() < limit;
        });
        return out;
    }

    List<byte[]> allKeys(Transaction tx, int db) { return keysFrom(tx, db, null, Integer.MAX_VALUE, null); }
}
