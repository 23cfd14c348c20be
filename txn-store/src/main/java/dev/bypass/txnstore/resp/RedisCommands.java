package dev.bypass.txnstore.resp;

import static dev.bypass.txnstore.resp.RedisData.HASH;
import static dev.bypass.txnstore.resp.RedisData.NOT_INTEGER;
import static dev.bypass.txnstore.resp.RedisData.STRING;
import static dev.bypass.txnstore.resp.RedisData.WRONGTYPE;

import dev.bypass.txnstore.CheckpointResult;
import dev.bypass.txnstore.Entry;
import dev.bypass.txnstore.Isolation;
import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.Transaction;
import dev.bypass.txnstore.resp.RedisData.RedisError;
import dev.bypass.txnstore.resp.RedisData.Value;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.IntegerRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Redis commands on store transactions. A command outside MULTI runs in its own serializable transaction
 * (read-only commands in a read-only one, which never aborts); MULTI/EXEC runs the queued commands in one
 * serializable transaction, retried on conflicts, and WATCH adds the watched keys' versions to it.
 */
final class RedisCommands {
    static final RedisMessage OK = new SimpleStringRedisMessage("OK");
    static final RedisMessage QUEUED = new SimpleStringRedisMessage("QUEUED");

    /** Arity as Redis states it: n exact (including the name), -n at least n. */
    private static final Map<String, Integer> ARITY = Map.ofEntries(
            Map.entry("PING", -1), Map.entry("ECHO", 2), Map.entry("SELECT", 2), Map.entry("INFO", -1), Map.entry("QUIT", 1),
            Map.entry("GET", 2), Map.entry("SET", -3), Map.entry("SETNX", 3), Map.entry("SETEX", 4), Map.entry("GETSET", 3),
            Map.entry("MGET", -2), Map.entry("MSET", -3), Map.entry("INCR", 2), Map.entry("DECR", 2), Map.entry("INCRBY", 3),
            Map.entry("DECRBY", 3), Map.entry("APPEND", 3), Map.entry("STRLEN", 2), Map.entry("DEL", -2), Map.entry("UNLINK", -2),
            Map.entry("EXISTS", -2), Map.entry("EXPIRE", -3), Map.entry("PEXPIRE", -3), Map.entry("TTL", 2), Map.entry("PTTL", 2),
            Map.entry("PERSIST", 2), Map.entry("TYPE", 2), Map.entry("KEYS", 2), Map.entry("DBSIZE", 1), Map.entry("FLUSHDB", -1),
            Map.entry("FLUSHALL", -1), Map.entry("HSET", -4), Map.entry("HMSET", -4), Map.entry("HSETNX", 4), Map.entry("HGET", 3),
            Map.entry("HMGET", -3), Map.entry("HDEL", -3), Map.entry("HGETALL", 2), Map.entry("HKEYS", 2), Map.entry("HVALS", 2),
            Map.entry("HLEN", 2), Map.entry("HEXISTS", 3), Map.entry("HINCRBY", 4), Map.entry("MULTI", 1), Map.entry("EXEC", 1),
            Map.entry("DISCARD", 1), Map.entry("WATCH", -2), Map.entry("UNWATCH", 1), Map.entry("SAVE", 1), Map.entry("BGSAVE", -1),
            Map.entry("LASTSAVE", 1), Map.entry("COMMAND", -1), Map.entry("CONFIG", -2), Map.entry("CLIENT", -2),
            Map.entry("BPF.RUN", -2), Map.entry("BPF.LIST", 1));

    private static final java.util.Set<String> READ_ONLY = java.util.Set.of("GET", "MGET", "STRLEN", "EXISTS", "TTL", "PTTL", "TYPE",
            "KEYS", "DBSIZE", "HGET", "HMGET", "HGETALL", "HKEYS", "HVALS", "HLEN", "HEXISTS");

    private final Store store;
    private final RedisData data;
    private final Procedures procedures;
    private final long started = System.currentTimeMillis();
    private volatile long lastSave = System.currentTimeMillis() / 1000;

    RedisCommands(Store store, Procedures procedures) {
        this.store = store;
        this.data = new RedisData(store);
        this.procedures = procedures;
    }

    static String name(List<byte[]> args) { return new String(args.getFirst(), StandardCharsets.UTF_8).toUpperCase(Locale.ROOT); }

    /** Null when the command is known and has a valid argument count; otherwise the error to reply. */
    static String checkArity(List<byte[]> args) {
        String name = name(args);
        Integer a = ARITY.get(name);
        if (a == null) return "ERR unknown command '" + new String(args.getFirst(), StandardCharsets.UTF_8) + "'";
        if (a >= 0 ? args.size() != a : args.size() < -a) return "ERR wrong number of arguments for '" + name.toLowerCase(Locale.ROOT) + "' command";
        return null;
    }

    /** Runs one command for a session (connection commands, MULTI handling included). */
    RedisMessage execute(Session s, List<byte[]> args) {
        String err = checkArity(args);
        String name = name(args);
        if (s.inMulti() && !name.equals("EXEC") && !name.equals("DISCARD") && !name.equals("MULTI") && !name.equals("WATCH")) {
            if (err != null) {
                s.queueError = true;
                return new ErrorRedisMessage(err);
            }
            s.queued.add(args);
            return QUEUED;
        }
        if (err != null) return new ErrorRedisMessage(err);
        try {
            return switch (name) {
                case "MULTI" -> {
                    if (s.inMulti()) yield new ErrorRedisMessage("ERR MULTI calls can not be nested");
                    s.beginMulti();
                    yield OK;
                }
                case "DISCARD" -> {
                    if (!s.inMulti()) yield new ErrorRedisMessage("ERR DISCARD without MULTI");
                    s.endMulti();
                    yield OK;
                }
                case "EXEC" -> exec(s);
                case "WATCH" -> {
                    if (s.inMulti()) yield new ErrorRedisMessage("ERR WATCH inside MULTI is not allowed");
                    store.read(tx -> {
                        for (int i = 1; i < args.size(); i++)
                            s.watched.putIfAbsent(new Session.WatchKey(s.db, new String(args.get(i), StandardCharsets.ISO_8859_1)),
                                    tx.versionOf(data.keys(s.db), args.get(i)));
                        return null;
                    });
                    yield OK;
                }
                case "UNWATCH" -> {
                    s.watched.clear();
                    yield OK;
                }
                case "SELECT" -> {
                    int db = parseInt(args.get(1));
                    if (db < 0 || db >= RedisData.DATABASES) yield new ErrorRedisMessage("ERR DB index is out of range");
                    s.db = db;
                    yield OK;
                }
                case "SAVE" -> {
                    CheckpointResult r = checkpoint(false);
                    yield r == null ? new ErrorRedisMessage("ERR the server runs without a data directory") : OK;
                }
                case "BGSAVE" -> {
                    if (store.options().inMemoryMode()) yield new ErrorRedisMessage("ERR the server runs without a data directory");
                    if (store.checkpointRunning()) yield new ErrorRedisMessage("ERR Background save already in progress");
                    checkpoint(true);
                    yield new SimpleStringRedisMessage("Background saving started");
                }
                case "BPF.RUN" -> {
                    long[] a = new long[args.size() - 2];
                    for (int i = 0; i < a.length; i++) a[i] = parseLong(args.get(i + 2));
                    yield new IntegerRedisMessage(procedures.run(str(args.get(1)), a));
                }
                default -> {
                    if (READ_ONLY.contains(name)) yield store.read(tx -> command(tx, s, name, args));
                    yield deferred(s, store.callDeferred(Isolation.SERIALIZABLE, tx -> command(tx, s, name, args)));
                }
            };
        } catch (RedisError e) {
            return new ErrorRedisMessage(e.getMessage());
        } catch (IllegalArgumentException e) {
            return new ErrorRedisMessage("ERR " + e.getMessage());
        } catch (dev.bypass.txnstore.StoreException e) {
            return new ErrorRedisMessage("ERR " + e.getMessage());
        }
    }

    private CheckpointResult checkpoint(boolean background) {
        if (store.options().inMemoryMode()) return null;
        if (background) {
            store.checkpointAsync().thenRun(() -> lastSave = System.currentTimeMillis() / 1000);
            return null;
        }
        CheckpointResult r = store.checkpoint();
        lastSave = System.currentTimeMillis() / 1000;
        return r;
    }

    private RedisMessage exec(Session s) {
        if (!s.inMulti()) return new ErrorRedisMessage("ERR EXEC without MULTI");
        List<List<byte[]>> queued = s.queued;
        boolean error = s.queueError;
        Map<Session.WatchKey, Long> watched = Map.copyOf(s.watched);
        s.endMulti();
        if (error) return new ErrorRedisMessage("EXECABORT Transaction discarded because of previous errors.");
        return deferred(s, store.callDeferred(Isolation.SERIALIZABLE, tx -> {
            for (var w : watched.entrySet())
                if (tx.versionOf(data.keys(w.getKey().db()), w.getKey().key().getBytes(StandardCharsets.ISO_8859_1)) != w.getValue()) {
                    tx.abort();
                    return ArrayRedisMessage.NULL_INSTANCE;
                }
            List<RedisMessage> replies = new ArrayList<>();
            for (List<byte[]> c : queued) {
                String n = name(c);
                try {
                    replies.add(switch (n) {
                        case "SELECT" -> {
                            int db = parseInt(c.get(1));
                            if (db < 0 || db >= RedisData.DATABASES) throw new RedisError("ERR DB index is out of range");
                            s.db = db;
                            yield OK;
                        }
                        case "SAVE", "BGSAVE", "BPF.RUN", "UNWATCH" -> throw new RedisError("ERR " + n + " is not allowed inside MULTI");
                        default -> command(tx, s, n, c);
                    });
                } catch (RedisError e) {
                    replies.add(new ErrorRedisMessage(e.getMessage()));
                } catch (IllegalArgumentException e) {
                    replies.add(new ErrorRedisMessage("ERR " + e.getMessage()));
                }
            }
            return new ArrayRedisMessage(replies);
        }));
    }

    /** Waits for the log write the session's replies owe (its next command must see its own writes). */
    void settle(Session s) {
        long owed = s.owed;
        if (owed == 0) return;
        store.awaitDurable(owed);
        s.owed = 0;
    }

    Store store() { return store; }

    /** The reply of a commit whose log write is still owed: the connection holds it until the write is done. */
    private static RedisMessage deferred(Session s, Store.Deferred<RedisMessage> d) {
        if (d.ticket() > s.owed) s.owed = d.ticket();
        return d.result();
    }

    private RedisMessage command(Transaction tx, Session s, String name, List<byte[]> a) {
        int db = s.db;
        return switch (name) {
            case "PING" -> a.size() > 1 ? bulk(a.get(1)) : new SimpleStringRedisMessage("PONG");
            case "ECHO" -> bulk(a.get(1));
            case "INFO" -> bulk(info().getBytes(StandardCharsets.UTF_8));
            case "COMMAND" -> ArrayRedisMessage.EMPTY_INSTANCE;
            case "CLIENT" -> OK;
            case "CONFIG" -> {
                if (a.size() >= 3 && str(a.get(1)).equalsIgnoreCase("GET")) {
                    String p = str(a.get(2)).toLowerCase(Locale.ROOT);
                    String v = switch (p) {
                        case "save" -> "";
                        case "appendonly" -> "no";
                        case "databases" -> "16";
                        default -> null;
                    };
                    yield v == null ? ArrayRedisMessage.EMPTY_INSTANCE : new ArrayRedisMessage(List.of(bulk(p), bulk(v)));
                }
                yield OK;
            }
            case "BPF.LIST" -> new ArrayRedisMessage(procedures.names().stream().map(n -> (RedisMessage) bulk(n)).toList());
            case "LASTSAVE" -> new IntegerRedisMessage(lastSave);
            case "GET" -> bulkOrNull(data.getString(tx, db, a.get(1)));
            case "STRLEN" -> {
                byte[] v = data.getString(tx, db, a.get(1));
                yield new IntegerRedisMessage(v == null ? 0 : v.length);
            }
            case "MGET" -> {
                List<RedisMessage> out = new ArrayList<>();
                for (int i = 1; i < a.size(); i++) {
                    Value v = data.get(tx, db, a.get(i));
                    out.add(v == null || v.type() != STRING ? FullBulkStringRedisMessage.NULL_INSTANCE : bulk(v.payload()));
                }
                yield new ArrayRedisMessage(out);
            }
            case "SET" -> set(tx, db, a);
            case "SETNX" -> {
                if (data.get(tx, db, a.get(1)) != null) yield new IntegerRedisMessage(0);
                data.putString(tx, db, a.get(1), a.get(2), 0);
                yield new IntegerRedisMessage(1);
            }
            case "SETEX" -> {
                long secs = parseLong(a.get(2));
                if (secs <= 0) throw new RedisError("ERR invalid expire time in 'setex' command");
                data.putString(tx, db, a.get(1), a.get(3), System.currentTimeMillis() + secs * 1000);
                yield OK;
            }
            case "GETSET" -> {
                byte[] old = data.getString(tx, db, a.get(1));
                data.putString(tx, db, a.get(1), a.get(2), 0);
                yield bulkOrNull(old);
            }
            case "MSET" -> {
                if (a.size() % 2 != 1) throw new RedisError("ERR wrong number of arguments for 'mset' command");
                for (int i = 1; i < a.size(); i += 2) data.putString(tx, db, a.get(i), a.get(i + 1), 0);
                yield OK;
            }
            case "INCR" -> incr(tx, db, a.get(1), 1);
            case "DECR" -> incr(tx, db, a.get(1), -1);
            case "INCRBY" -> incr(tx, db, a.get(1), parseLong(a.get(2)));
            case "DECRBY" -> {
                long by = parseLong(a.get(2));
                if (by == Long.MIN_VALUE) throw new RedisError("ERR decrement would overflow");
                yield incr(tx, db, a.get(1), -by);
            }
            case "APPEND" -> {
                Value v = data.get(tx, db, a.get(1));
                if (v != null && v.type() != STRING) throw WRONGTYPE;
                byte[] cur = v == null ? new byte[0] : v.payload();
                byte[] next = dev.bypass.txnstore.Bytes.concat(cur, a.get(2));
                data.putString(tx, db, a.get(1), next, v == null ? 0 : v.expireAt());
                yield new IntegerRedisMessage(next.length);
            }
            case "DEL", "UNLINK" -> {
                int n = 0;
                for (int i = 1; i < a.size(); i++) if (data.delete(tx, db, a.get(i))) n++;
                yield new IntegerRedisMessage(n);
            }
            case "EXISTS" -> {
                int n = 0;
                for (int i = 1; i < a.size(); i++) if (data.get(tx, db, a.get(i)) != null) n++;
                yield new IntegerRedisMessage(n);
            }
            case "EXPIRE", "PEXPIRE" -> {
                long amount = parseLong(a.get(2));
                long at = System.currentTimeMillis() + (name.equals("EXPIRE") ? Math.multiplyExact(amount, 1000L) : amount);
                Value v = data.get(tx, db, a.get(1));
                if (v == null) yield new IntegerRedisMessage(0);
                String cond = a.size() > 3 ? str(a.get(3)).toUpperCase(Locale.ROOT) : "";
                boolean ok = switch (cond) {
                    case "" -> true;
                    case "NX" -> v.expireAt() == 0;
                    case "XX" -> v.expireAt() != 0;
                    case "GT" -> v.expireAt() != 0 && at > v.expireAt();
                    case "LT" -> v.expireAt() == 0 || at < v.expireAt();
                    default -> throw new RedisError("ERR Unsupported option " + cond);
                };
                if (!ok) yield new IntegerRedisMessage(0);
                if (at <= System.currentTimeMillis()) data.delete(tx, db, a.get(1));
                else data.put(tx, db, a.get(1), new Value(v.type(), at, v.payload()));
                yield new IntegerRedisMessage(1);
            }
            case "PERSIST" -> {
                Value v = data.get(tx, db, a.get(1));
                if (v == null || v.expireAt() == 0) yield new IntegerRedisMessage(0);
                data.put(tx, db, a.get(1), new Value(v.type(), 0, v.payload()));
                yield new IntegerRedisMessage(1);
            }
            case "TTL", "PTTL" -> {
                Value v = data.get(tx, db, a.get(1));
                if (v == null) yield new IntegerRedisMessage(-2);
                if (v.expireAt() == 0) yield new IntegerRedisMessage(-1);
                long ms = Math.max(0, v.expireAt() - System.currentTimeMillis());
                yield new IntegerRedisMessage(name.equals("TTL") ? (ms + 500) / 1000 : ms);
            }
            case "TYPE" -> {
                Value v = data.get(tx, db, a.get(1));
                yield new SimpleStringRedisMessage(v == null ? "none" : v.type() == STRING ? "string" : "hash");
            }
            case "KEYS" -> {
                String pattern = str(a.get(1));
                List<RedisMessage> out = new ArrayList<>();
                for (byte[] k : data.allKeys(tx, db)) if (Glob.matches(pattern, str(k))) out.add(bulk(k));
                yield new ArrayRedisMessage(out);
            }
            case "DBSIZE" -> new IntegerRedisMessage(data.allKeys(tx, db).size());
            case "FLUSHDB" -> {
                for (byte[] k : data.allKeys(tx, db)) data.delete(tx, db, k);
                yield OK;
            }
            case "FLUSHALL" -> {
                for (int d = 0; d < RedisData.DATABASES; d++) for (byte[] k : data.allKeys(tx, d)) data.delete(tx, d, k);
                yield OK;
            }
            case "HSET", "HMSET" -> {
                if (a.size() % 2 != 0) throw new RedisError("ERR wrong number of arguments for '" + name.toLowerCase(Locale.ROOT) + "' command");
                data.ensureHash(tx, db, a.get(1));
                int added = 0;
                for (int i = 2; i < a.size(); i += 2) {
                    if (data.hget(tx, db, a.get(1), a.get(i)) == null) added++;
                    data.hput(tx, db, a.get(1), a.get(i), a.get(i + 1));
                }
                yield name.equals("HSET") ? new IntegerRedisMessage(added) : OK;
            }
            case "HSETNX" -> {
                data.ensureHash(tx, db, a.get(1));
                if (data.hget(tx, db, a.get(1), a.get(2)) != null) yield new IntegerRedisMessage(0);
                data.hput(tx, db, a.get(1), a.get(2), a.get(3));
                yield new IntegerRedisMessage(1);
            }
            case "HGET" -> bulkOrNull(data.hget(tx, db, a.get(1), a.get(2)));
            case "HMGET" -> {
                List<RedisMessage> out = new ArrayList<>();
                for (int i = 2; i < a.size(); i++) out.add(bulkOrNull(data.hget(tx, db, a.get(1), a.get(i))));
                yield new ArrayRedisMessage(out);
            }
            case "HDEL" -> {
                Value v = data.get(tx, db, a.get(1));
                if (v == null) yield new IntegerRedisMessage(0);
                if (v.type() != HASH) throw WRONGTYPE;
                int n = 0;
                for (int i = 2; i < a.size(); i++)
                    if (data.hget(tx, db, a.get(1), a.get(i)) != null) {
                        data.hdel(tx, db, a.get(1), a.get(i));
                        n++;
                    }
                if (data.fields(tx, db, a.get(1)).isEmpty()) data.delete(tx, db, a.get(1));
                else if (n > 0) data.put(tx, db, a.get(1), v);
                yield new IntegerRedisMessage(n);
            }
            case "HGETALL", "HKEYS", "HVALS" -> {
                Value v = data.get(tx, db, a.get(1));
                if (v != null && v.type() != HASH) throw WRONGTYPE;
                List<RedisMessage> out = new ArrayList<>();
                if (v != null)
                    for (Entry e : data.fields(tx, db, a.get(1))) {
                        if (!name.equals("HVALS")) out.add(bulk(e.key()));
                        if (!name.equals("HKEYS")) out.add(bulk(e.value()));
                    }
                yield new ArrayRedisMessage(out);
            }
            case "HLEN" -> {
                Value v = data.get(tx, db, a.get(1));
                if (v != null && v.type() != HASH) throw WRONGTYPE;
                yield new IntegerRedisMessage(v == null ? 0 : data.fields(tx, db, a.get(1)).size());
            }
            case "HEXISTS" -> new IntegerRedisMessage(data.hget(tx, db, a.get(1), a.get(2)) == null ? 0 : 1);
            case "HINCRBY" -> {
                data.ensureHash(tx, db, a.get(1));
                byte[] cur = data.hget(tx, db, a.get(1), a.get(2));
                long by = parseLong(a.get(3));
                long base;
                try {
                    base = cur == null ? 0 : parseLong(cur);
                } catch (RedisError e) {
                    throw new RedisError("ERR hash value is not an integer");
                }
                long next;
                try {
                    next = Math.addExact(base, by);
                } catch (ArithmeticException e) {
                    throw new RedisError("ERR increment or decrement would overflow");
                }
                data.hput(tx, db, a.get(1), a.get(2), Long.toString(next).getBytes(StandardCharsets.US_ASCII));
                yield new IntegerRedisMessage(next);
            }
            default -> throw new RedisError("ERR unknown command '" + name + "'");
        };
    }

    private RedisMessage set(Transaction tx, int db, List<byte[]> a) {
        boolean nx = false, xx = false, get = false, keepTtl = false;
        long expireAt = 0;
        for (int i = 3; i < a.size(); i++) {
            String opt = str(a.get(i)).toUpperCase(Locale.ROOT);
            switch (opt) {
                case "NX" -> nx = true;
                case "XX" -> xx = true;
                case "GET" -> get = true;
                case "KEEPTTL" -> keepTtl = true;
                case "EX", "PX", "EXAT", "PXAT" -> {
                    if (expireAt != 0 || i + 1 >= a.size()) throw new RedisError("ERR syntax error");
                    long n = parseLong(a.get(++i));
                    if (n <= 0) throw new RedisError("ERR invalid expire time in 'set' command");
                    try {
                        expireAt = switch (opt) {
                            case "EX" -> Math.addExact(System.currentTimeMillis(), Math.multiplyExact(n, 1000L));
                            case "PX" -> Math.addExact(System.currentTimeMillis(), n);
                            case "EXAT" -> Math.multiplyExact(n, 1000L);
                            default -> n;
                        };
                    } catch (ArithmeticException e) {
                        throw new RedisError("ERR invalid expire time in 'set' command");
                    }
                }
                default -> throw new RedisError("ERR syntax error");
            }
        }
        if ((nx && xx) || (keepTtl && expireAt != 0)) throw new RedisError("ERR syntax error");
        if (!nx && !xx && !get && !keepTtl) { // a plain SET does not depend on what was there
            data.putString(tx, db, a.get(1), a.get(2), expireAt);
            return OK;
        }
        Value old = data.get(tx, db, a.get(1));
        if (get && old != null && old.type() != STRING) throw WRONGTYPE;
        RedisMessage prior = get ? (old == null ? FullBulkStringRedisMessage.NULL_INSTANCE : bulk(old.payload())) : OK;
        if ((nx && old != null) || (xx && old == null)) return get ? prior : FullBulkStringRedisMessage.NULL_INSTANCE;
        if (keepTtl && old != null) expireAt = old.expireAt();
        data.putString(tx, db, a.get(1), a.get(2), expireAt);
        return prior;
    }

    private RedisMessage incr(Transaction tx, int db, byte[] key, long by) {
        Value v = data.get(tx, db, key);
        if (v != null && v.type() != STRING) throw WRONGTYPE;
        long cur = v == null ? 0 : parseLong(v.payload());
        long next;
        try {
            next = Math.addExact(cur, by);
        } catch (ArithmeticException e) {
            throw new RedisError("ERR increment or decrement would overflow");
        }
        data.putString(tx, db, key, Long.toString(next).getBytes(StandardCharsets.US_ASCII), v == null ? 0 : v.expireAt());
        return new IntegerRedisMessage(next);
    }

    private String info() {
        Store.Stats st = store.stats();
        StringBuilder sb = new StringBuilder();
        sb.append("# Server\r\nredis_version:7.0.0\r\nbypass_store:1\r\nuptime_in_seconds:").append((System.currentTimeMillis() - started) / 1000).append("\r\n");
        sb.append("# Persistence\r\nrdb_bgsave_in_progress:").append(store.checkpointRunning() ? 1 : 0).append("\r\n");
        sb.append("rdb_last_save_time:").append(lastSave).append("\r\n");
        CheckpointResult last = store.lastCheckpoint();
        if (last != null) sb.append("rdb_last_bgsave_snapshot_usec:").append(last.snapshotNanos() / 1000).append("\r\nrdb_last_bgsave_time_usec:")
                .append(last.totalNanos() / 1000).append("\r\n");
        sb.append("# Stats\r\ntotal_commits:").append(st.commits()).append("\r\nserialization_failures:").append(st.conflicts())
                .append("\r\nlast_commit_timestamp:").append(st.lastCommitTimestamp()).append("\r\nlog_writes:").append(st.logWrites()).append("\r\n");
        sb.append("# Keyspace\r\n");
        for (int d = 0; d < RedisData.DATABASES; d++) {
            int n = data.keys(d).approximateSize();
            if (n > 0) sb.append("db").append(d).append(":keys=").append(n).append("\r\n");
        }
        return sb.toString();
    }

    static FullBulkStringRedisMessage bulk(byte[] b) { return new FullBulkStringRedisMessage(Unpooled.wrappedBuffer(b)); }

    static FullBulkStringRedisMessage bulk(String s) { return bulk(s.getBytes(StandardCharsets.UTF_8)); }

    static RedisMessage bulkOrNull(byte[] b) { return b == null ? FullBulkStringRedisMessage.NULL_INSTANCE : bulk(b); }

    static String str(byte[] b) { return new String(b, StandardCharsets.UTF_8); }

    static long parseLong(byte[] b) {
        String s = new String(b, StandardCharsets.US_ASCII);
        if (s.isEmpty() || s.length() > 20 || s.startsWith("+") || (s.length() > 1 && (s.startsWith("0") || s.startsWith("-0")))) throw NOT_INTEGER;
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw NOT_INTEGER;
        }
    }

    static int parseInt(byte[] b) {
        long v = parseLong(b);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw NOT_INTEGER;
        return (int) v;
    }
}
