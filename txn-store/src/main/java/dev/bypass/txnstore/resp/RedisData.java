package dev.bypass.txnstore.resp;

import dev.bypass.txnstore.Bytes;
import dev.bypass.txnstore.Entry;
import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.Table;
import dev.bypass.txnstore.Transaction;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The Redis keyspace on store tables. Database N has a key table {@code redisN} mapping each key to
 * {@code type:u8 expireAtMillis:i64 payload} (payload: the string for strings, empty for hashes) and a field
 * table {@code redisN.hash} keyed by the escaped key followed by the field. Expired keys read as absent (lazy
 * expiry). Hash writes also rewrite the key entry, so WATCH on a hash key sees field changes.
 */
final class RedisData {
    static final byte STRING = 's', HASH = 'h';
    static final int DATABASES = 16;

    record Value(byte type, long expireAt, byte[] payload) {
        byte[] encode() {
            return ByteBuffer.allocate(9 + payload.length).put(type).putLong(expireAt).put(payload).array();
        }

        static Value decode(byte[] b) {
            ByteBuffer bb = ByteBuffer.wrap(b);
            byte type = bb.get();
            long exp = bb.getLong();
            byte[] p = new byte[bb.remaining()];
            bb.get(p);
            return new Value(type, exp, p);
        }
    }

    /** A command failed with a Redis error reply (text after the leading '-'). */
    static final class RedisError extends RuntimeException {
        RedisError(String message) { super(message, null, false, false); }
    }

    static final RedisError WRONGTYPE = new RedisError("WRONGTYPE Operation against a key holding the wrong kind of value");
    static final RedisError NOT_INTEGER = new RedisError("ERR value is not an integer or out of range");

    private final Table[] keys = new Table[DATABASES], hashes = new Table[DATABASES];

    RedisData(Store store) {
        for (int i = 0; i < DATABASES; i++) {
            keys[i] = store.table("redis" + i);
            hashes[i] = store.table("redis" + i + ".hash");
        }
    }

    Table keys(int db) { return keys[db]; }

    /** The live value of a key, or null (absent or expired). */
    Value get(Transaction tx, int db, byte[] key) {
        byte[] raw = tx.get(keys[db], key);
        if (raw == null) return null;
        Value v = Value.decode(raw);
        if (v.expireAt() != 0 && v.expireAt() <= System.currentTimeMillis()) return null;
        return v;
    }

    byte[] getString(Transaction tx, int db, byte[] key) {
        Value v = get(tx, db, key);
        if (v == null) return null;
        if (v.type() != STRING) throw WRONGTYPE;
        return v.payload();
    }

    /** Sets a string, replacing a key of any type (a hash's fields go with it, even when the hash had expired). */
    void putString(Transaction tx, int db, byte[] key, byte[] value, long expireAt) {
        byte[] raw = tx.get(keys[db], key);
        if (raw != null && raw[0] == HASH) deleteFields(tx, db, key);
        tx.put(keys[db], key, new Value(STRING, expireAt, value).encode());
    }

    void put(Transaction tx, int db, byte[] key, Value v) { tx.put(keys[db], key, v.encode()); }

    /** Deletes a key of any type; returns whether it existed. */
    boolean delete(Transaction tx, int db, byte[] key) {
        byte[] raw = tx.get(keys[db], key);
        if (raw == null) return false;
        Value v = Value.decode(raw);
        if (v.type() == HASH) deleteFields(tx, db, key);
        tx.delete(keys[db], key);
        return v.expireAt() == 0 || v.expireAt() > System.currentTimeMillis();
    }

    private void deleteFields(Transaction tx, int db, byte[] key) {
        for (Entry e : fields(tx, db, key)) tx.delete(hashes[db], fieldKey(key, e.key()));
    }

    static byte[] fieldKey(byte[] key, byte[] field) { return Bytes.concat(Bytes.escapeTerminated(key), field); }

    /** The fields of a hash (keys are field names), in field order. */
    List<Entry> fields(Transaction tx, int db, byte[] key) {
        byte[] prefix = Bytes.escapeTerminated(key);
        List<Entry> out = new ArrayList<>();
        for (Entry e : tx.scanPrefix(hashes[db], prefix, Integer.MAX_VALUE))
            out.add(new Entry(java.util.Arrays.copyOfRange(e.key(), prefix.length, e.key().length), e.value()));
        return out;
    }

    /** Makes sure {@code key} holds a hash, creating its (empty) header when absent; WRONGTYPE for other types. */
    void ensureHash(Transaction tx, int db, byte[] key) {
        Value v = get(tx, db, key);
        if (v != null) {
            if (v.type() != HASH) throw WRONGTYPE;
            return; // left as it is: writers of different fields of one hash must not conflict on its header
        }
        byte[] raw = tx.get(keys[db], key);
        if (raw != null && Value.decode(raw).type() == HASH) deleteFields(tx, db, key); // expired hash
        put(tx, db, key, new Value(HASH, 0, new byte[0]));
    }

    /** Reads a field; null when the key or field is absent; WRONGTYPE for non-hash keys. */
    byte[] hget(Transaction tx, int db, byte[] key, byte[] field) {
        Value v = get(tx, db, key);
        if (v == null) return null;
        if (v.type() != HASH) throw WRONGTYPE;
        return tx.get(hashes[db], fieldKey(key, field));
    }

    void hput(Transaction tx, int db, byte[] key, byte[] field, byte[] value) { tx.put(hashes[db], fieldKey(key, field), value); }

    void hdel(Transaction tx, int db, byte[] key, byte[] field) { tx.delete(hashes[db], fieldKey(key, field)); }

    /** Live keys of a database, in key order. */
    List<byte[]> allKeys(Transaction tx, int db) {
        List<byte[]> out = new ArrayList<>();
        long now = System.currentTimeMillis();
        tx.scan(keys[db], null, null, (k, v) -> {
            Value x = Value.decode(v);
            if (x.expireAt() == 0 || x.expireAt() > now) out.add(k);
            return true;
        });
        return out;
    }
}
