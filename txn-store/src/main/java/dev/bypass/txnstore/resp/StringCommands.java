package dev.bypass.txnstore.resp;

import static dev.bypass.txnstore.resp.CommandSpec.*;
import static dev.bypass.txnstore.resp.RedisData.STRING;

import dev.bypass.txnstore.resp.RedisData.RedisError;
import dev.bypass.txnstore.resp.RedisData.Value;

/** String commands. */
final class StringCommands {
    private StringCommands() {}

    static void register(CommandTable t) {
        t.add("GET", 2, READONLY | FAST, 1, 1, 1, "string", "Returns the string value of a key.", c -> {
            Value v = c.data().getTyped(c.tx, c.db(), c.arg(1), STRING);
            if (v == null) c.out.nullBulk();
            else c.data().replyString(c.tx, c.db(), c.arg(1), v, c.out);
        });
        t.add("STRLEN", 2, READONLY | FAST, 1, 1, 1, "string", "Returns the length of a string value.", c -> {
            Value v = c.data().getTyped(c.tx, c.db(), c.arg(1), STRING);
            c.out.integer(v == null ? 0 : c.data().stringLength(c.tx, c.db(), c.arg(1), v));
        });
        t.add("MGET", -2, READONLY | FAST, 1, -1, 1, "string", "Atomically returns the string values of one or more keys.", c -> {
            c.out.array(c.argc - 1);
            for (int i = 1; i < c.argc; i++) {
                Value v = c.data().get(c.tx, c.db(), c.arg(i));
                if (v == null || v.type() != STRING) c.out.nullBulk();
                else c.data().replyString(c.tx, c.db(), c.arg(i), v, c.out);
            }
        });
        t.add("SET", -3, WRITE | DENYOOM, 1, 1, 1, "string", "Sets the string value of a key, ignoring its type.", StringCommands::set);
        t.add("SETNX", 3, WRITE | DENYOOM | FAST, 1, 1, 1, "string", "Sets the string value of a key only when the key doesn't exist.", c -> {
            if (c.data().get(c.tx, c.db(), c.arg(1)) != null) {
                c.out.integer(0);
                return;
            }
            c.data().putString(c.tx, c.db(), c.arg(1), c.arg(2), 0);
            c.out.integer(1);
        });
        t.add("SETEX", 4, WRITE | DENYOOM, 1, 1, 1, "string", "Sets the string value and expiration time of a key.", c -> setex(c, 1000));
        t.add("PSETEX", 4, WRITE | DENYOOM, 1, 1, 1, "string", "Sets the string value and expiration time in milliseconds of a key.", c -> setex(c, 1));
        t.add("GETSET", 3, WRITE | DENYOOM | FAST, 1, 1, 1, "string", "Returns the previous string value of a key after setting it to a new value.", c -> {
            byte[] old = c.data().getString(c.tx, c.db(), c.arg(1));
            c.data().putString(c.tx, c.db(), c.arg(1), c.arg(2), 0);
            c.out.bulkOrNull(old);
        });
        t.add("GETDEL", 2, WRITE | FAST, 1, 1, 1, "string", "Returns the string value of a key after deleting the key.", c -> {
            byte[] old = c.data().getString(c.tx, c.db(), c.arg(1));
            if (old != null) c.data().delete(c.tx, c.db(), c.arg(1));
            c.out.bulkOrNull(old);
        });
        t.add("MSET", -3, WRITE | DENYOOM, 1, -1, 2, "string", "Atomically creates or modifies the string values of one or more keys.", c -> {
            if (c.argc % 2 != 1) throw c.wrongArgs();
            for (int i = 1; i < c.argc; i += 2) c.data().putString(c.tx, c.db(), c.arg(i), c.arg(i + 1), 0);
            c.out.simple("OK");
        });
        t.add("MSETNX", -3, WRITE | DENYOOM, 1, -1, 2, "string", "Atomically sets keys only when none of them exist.", c -> {
            if (c.argc % 2 != 1) throw c.wrongArgs();
            for (int i = 1; i < c.argc; i += 2)
                if (c.data().get(c.tx, c.db(), c.arg(i)) != null) {
                    c.out.integer(0);
                    return;
                }
            for (int i = 1; i < c.argc; i += 2) c.data().putString(c.tx, c.db(), c.arg(i), c.arg(i + 1), 0);
            c.out.integer(1);
        });
        t.add("INCR", 2, WRITE | DENYOOM | FAST, 1, 1, 1, "string", "Increments the integer value of a key by one.", c -> incr(c, 1));
        t.add("DECR", 2, WRITE | DENYOOM | FAST, 1, 1, 1, "string", "Decrements the integer value of a key by one.", c -> incr(c, -1));
        t.add("INCRBY", 3, WRITE | DENYOOM | FAST, 1, 1, 1, "string", "Increments the integer value of a key by a number.", c -> incr(c, c.integer(2)));
        t.add("DECRBY", 3, WRITE | DENYOOM | FAST, 1, 1, 1, "string", "Decrements a number from the integer value of a key.", c -> {
            long by = c.integer(2);
            if (by == Long.MIN_VALUE) throw new RedisError("ERR decrement would overflow");
            incr(c, -by);
        });
        t.add("APPEND", 3, WRITE | DENYOOM | FAST, 1, 1, 1, "string", "Appends a string to the value of a key.", c -> {
            Value v = c.data().getTyped(c.tx, c.db(), c.arg(1), STRING);
            byte[] cur = v == null ? RedisData.EMPTY : c.data().stringOf(c.tx, c.db(), c.arg(1), v);
            long len = (long) cur.length + c.arg(2).length;
            if (len > c.server.config().protoMaxBulkLen()) throw RedisData.TOO_BIG;
            byte[] next = java.util.Arrays.copyOf(cur, (int) len);
            System.arraycopy(c.arg(2), 0, next, cur.length, c.arg(2).length);
            c.data().putString(c.tx, c.db(), c.arg(1), next, v == null ? 0 : v.expireAt());
            c.out.integer(len);
        });
    }

    private static void setex(Call c, long unit) {
        long n = c.integer(2);
        String name = c.spec.lowerName();
        if (n <= 0) throw new RedisError("ERR invalid expire time in '" + name + "' command");
        long at;
        try {
            at = Math.addExact(System.currentTimeMillis(), Math.multiplyExact(n, unit));
        } catch (ArithmeticException e) {
            throw new RedisError("ERR invalid expire time in '" + name + "' command");
        }
        c.data().putString(c.tx, c.db(), c.arg(1), c.arg(3), at);
        c.out.simple("OK");
    }

    private static void set(Call c) {
        boolean nx = false, xx = false, get = false, keepTtl = false;
        long expireAt = 0;
        for (int i = 3; i < c.argc; i++) {
            if (c.is(i, "NX") && !xx) nx = true;
            else if (c.is(i, "XX") && !nx) xx = true;
            else if (c.is(i, "GET")) get = true;
            else if (c.is(i, "KEEPTTL") && expireAt == 0) keepTtl = true;
            else if ((c.is(i, "EX") || c.is(i, "PX") || c.is(i, "EXAT") || c.is(i, "PXAT")) && !keepTtl && expireAt == 0 && i + 1 < c.argc) {
                String opt = c.upper(i);
                long n = c.integer(++i);
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
            } else throw RedisData.SYNTAX;
        }
        byte[] key = c.arg(1);
        if (!nx && !xx && !get && !keepTtl) { // a plain SET does not depend on what was there
            c.data().putString(c.tx, c.db(), key, c.arg(2), expireAt);
            c.out.simple("OK");
            return;
        }
        Value old = c.data().get(c.tx, c.db(), key);
        if (get && old != null && old.type() != STRING) throw RedisData.WRONGTYPE;
        byte[] prior = get && old != null ? c.data().stringOf(c.tx, c.db(), key, old) : null;
        boolean skip = (nx && old != null) || (xx && old == null);
        if (!skip) {
            if (keepTtl && old != null) expireAt = old.expireAt();
            c.data().putString(c.tx, c.db(), key, c.arg(2), expireAt);
        }
        if (get) c.out.bulkOrNull(prior);
        else if (skip) c.out.nullBulk();
        else c.out.simple("OK");
    }

    private static void incr(Call c, long by) {
        Value v = c.data().getTyped(c.tx, c.db(), c.arg(1), STRING);
        long cur = v == null ? 0 : Numbers.parseLong(c.data().stringOf(c.tx, c.db(), c.arg(1), v));
        long next;
        try {
            next = Math.addExact(cur, by);
        } catch (ArithmeticException e) {
            throw new RedisError("ERR increment or decrement would overflow");
        }
        c.data().putString(c.tx, c.db(), c.arg(1), Numbers.bytes(next), v == null ? 0 : v.expireAt());
        c.out.integer(next);
    }
}
