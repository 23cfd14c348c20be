package dev.bypass.txnstore.resp;

import static dev.bypass.txnstore.resp.CommandSpec.*;

import dev.bypass.txnstore.resp.RedisData.RedisError;
import dev.bypass.txnstore.resp.RedisData.Value;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Commands on keys of any type: DEL, EXISTS, TYPE, RENAME, expiry, KEYS and SCAN. */
final class KeyCommands {
    private KeyCommands() {}

    static void register(CommandTable t) {
        CommandSpec.Handler del = c -> {
            int n = 0;
            for (int i = 1; i < c.argc; i++) if (c.data().delete(c.tx, c.db(), c.arg(i))) n++;
            c.out.integer(n);
        };
        t.add("DEL", -2, WRITE, 1, -1, 1, "generic", "Deletes one or more keys.", del);
        t.add("UNLINK", -2, WRITE | FAST, 1, -1, 1, "generic", "Asynchronously deletes one or more keys.", del);
        t.add("EXISTS", -2, READONLY | FAST, 1, -1, 1, "generic", "Determines whether one or more keys exist.", c -> {
            int n = 0;
            for (int i = 1; i < c.argc; i++) if (c.data().get(c.tx, c.db(), c.arg(i)) != null) n++;
            c.out.integer(n);
        });
        t.add("TYPE", 2, READONLY | FAST, 1, 1, 1, "generic", "Determines the type of value stored at a key.", c -> {
            Value v = c.data().get(c.tx, c.db(), c.arg(1));
            c.out.simple(v == null ? "none" : typeName(v.type()));
        });
        t.add("RENAME", 3, WRITE, 1, 2, 1, "generic", "Renames a key and overwrites the destination.", c -> {
            if (!rename(c, false)) throw RedisData.NO_SUCH_KEY;
            c.out.simple("OK");
        });
        t.add("RENAMENX", 3, WRITE | FAST, 1, 2, 1, "generic", "Renames a key only when the target key name doesn't exist.", c -> {
            if (c.data().get(c.tx, c.db(), c.arg(1)) == null) throw RedisData.NO_SUCH_KEY;
            c.out.integer(rename(c, true) ? 1 : 0);
        });
        t.add("EXPIRE", -3, WRITE | FAST, 1, 1, 1, "generic", "Sets the expiration time of a key in seconds.", c -> expire(c, 1000, false));
        t.add("PEXPIRE", -3, WRITE | FAST, 1, 1, 1, "generic", "Sets the expiration time of a key in milliseconds.", c -> expire(c, 1, false));
        t.add("EXPIREAT", -3, WRITE | FAST, 1, 1, 1, "generic", "Sets the expiration time of a key to a Unix timestamp.", c -> expire(c, 1000, true));
        t.add("PEXPIREAT", -3, WRITE | FAST, 1, 1, 1, "generic", "Sets the expiration time of a key to a Unix milliseconds timestamp.", c -> expire(c, 1, true));
        t.add("TTL", 2, READONLY | FAST, 1, 1, 1, "generic", "Returns the expiration time in seconds of a key.", c -> ttl(c, true));
        t.add("PTTL", 2, READONLY | FAST, 1, 1, 1, "generic", "Returns the expiration time in milliseconds of a key.", c -> ttl(c, false));
        t.add("PERSIST", 2, WRITE | FAST, 1, 1, 1, "generic", "Removes the expiration time of a key.", c -> {
            Value v = c.data().get(c.tx, c.db(), c.arg(1));
            if (v == null || v.expireAt() == 0) {
                c.out.integer(0);
                return;
            }
            c.data().setExpire(c.tx, c.db(), c.arg(1), v, 0);
            c.out.integer(1);
        });
        t.add("KEYS", 2, READONLY | DANGEROUS, 0, 0, 0, "generic", "Returns all key names that match a pattern.", c -> {
            String pattern = c.str(1);
            List<byte[]> out = new ArrayList<>();
            for (byte[] k : c.data().allKeys(c.tx, c.db())) if (Glob.matches(pattern, latin1(k))) out.add(k);
            c.out.array(out.size());
            for (byte[] k : out) c.out.bulk(k);
        });
        t.add("SCAN", -2, READONLY, 0, 0, 0, "generic", "Iterates over the key names in the database.", KeyCommands::scan);
        t.add("RANDOMKEY", 1, READONLY, 0, 0, 0, "generic", "Returns a random key name from the database.", c -> {
            List<byte[]> keys = c.data().keysFrom(c.tx, c.db(), null, 64, null);
            if (keys.isEmpty()) c.out.nullBulk();
            else c.out.bulk(keys.get(java.util.concurrent.ThreadLocalRandom.current().nextInt(keys.size())));
        });
    }

    static String latin1(byte[] b) { return new String(b, StandardCharsets.ISO_8859_1); }

    static String typeName(byte type) {
        return switch (type) {
            case RedisData.STRING -> "string";
            case RedisData.HASH -> "hash";
            case RedisData.LIST -> "list";
            case RedisData.SET -> "set";
            case RedisData.ZSET -> "zset";
            default -> "none";
        };
    }

    private static boolean rename(Call c, boolean nx) {
        RedisData d = c.data();
        byte[] src = c.arg(1), dst = c.arg(2);
        Value v = d.get(c.tx, c.db(), src);
        if (v == null) return false;
        if (java.util.Arrays.equals(src, dst)) return !nx;
        if (nx && d.get(c.tx, c.db(), dst) != null) return false;
        d.copy(c.tx, c.db(), src, v, dst);
        d.delete(c.tx, c.db(), src);
        return true;
    }

    private static void expire(Call c, long unit, boolean absolute) {
        long amount = c.integer(2);
        long now = System.currentTimeMillis();
        long at;
        try {
            at = absolute ? Math.multiplyExact(amount, unit) : Math.addExact(now, Math.multiplyExact(amount, unit));
        } catch (ArithmeticException e) {
            throw new RedisError("ERR invalid expire time in '" + c.spec.lowerName() + "' command");
        }
        boolean nx = false, xx = false, gt = false, lt = false;
        for (int i = 3; i < c.argc; i++) {
            if (c.is(i, "NX")) nx = true;
            else if (c.is(i, "XX")) xx = true;
            else if (c.is(i, "GT")) gt = true;
            else if (c.is(i, "LT")) lt = true;
            else throw new RedisError("ERR Unsupported option " + c.str(i));
        }
        if (nx && (xx || gt || lt)) throw new RedisError("ERR NX and XX, GT or LT options at the same time are not compatible");
        if (gt && lt) throw new RedisError("ERR GT and LT options at the same time are not compatible");
        Value v = c.data().get(c.tx, c.db(), c.arg(1));
        if (v == null) {
            c.out.integer(0);
            return;
        }
        long cur = v.expireAt();
        boolean ok = (!nx || cur == 0) && (!xx || cur != 0) && (!gt || (cur != 0 && at > cur)) && (!lt || cur == 0 || at < cur);
        if (!ok) {
            c.out.integer(0);
            return;
        }
        if (at <= now) c.data().delete(c.tx, c.db(), c.arg(1));
        else c.data().setExpire(c.tx, c.db(), c.arg(1), v, at);
        c.out.integer(1);
    }

    private static void ttl(Call c, boolean seconds) {
        Value v = c.data().get(c.tx, c.db(), c.arg(1));
        if (v == null) c.out.integer(-2);
        else if (v.expireAt() == 0) c.out.integer(-1);
        else {
            long ms = Math.max(0, v.expireAt() - System.currentTimeMillis());
            c.out.integer(seconds ? (ms + 500) / 1000 : ms);
        }
    }

    private static void scan(Call c) {
        byte[] from = c.server.cursors.start(c.arg(1));
        String match = null;
        long count = 10;
        Byte type = null;
        for (int i = 2; i < c.argc; i++) {
            if (c.is(i, "MATCH") && i + 1 < c.argc) match = c.str(++i);
            else if (c.is(i, "COUNT") && i + 1 < c.argc) {
                count = c.integer(++i);
                if (count < 1) throw RedisData.SYNTAX;
            } else if (c.is(i, "TYPE") && i + 1 < c.argc) {
                String name = c.str(++i).toLowerCase(java.util.Locale.ROOT);
                type = switch (name) {
                    case "string" -> RedisData.STRING;
                    case "hash" -> RedisData.HASH;
                    case "list" -> RedisData.LIST;
                    case "set" -> RedisData.SET;
                    case "zset" -> RedisData.ZSET;
                    default -> (byte) 0; // matches nothing, as Redis does for unknown types
                };
            } else throw RedisData.SYNTAX;
        }
        int limit = (int) Math.min(count, 100_000);
        List<byte[]> keys = c.data().keysFrom(c.tx, c.db(), from, limit + 1, null);
        String next = "0";
        if (keys.size() > limit) {
            next = c.server.cursors.save(keys.get(limit));
            keys = keys.subList(0, limit);
        }
        List<byte[]> out = new ArrayList<>();
        for (byte[] k : keys) {
            if (match != null && !Glob.matches(match, latin1(k))) continue;
            if (type != null) {
                Value v = c.data().get(c.tx, c.db(), k);
                if (v == null || v.type() != type) continue;
            }
            out.add(k);
        }
        c.out.array(2);
        c.out.bulk(next);
        c.out.array(out.size());
        for (byte[] k : out) c.out.bulk(k);
    }
}
