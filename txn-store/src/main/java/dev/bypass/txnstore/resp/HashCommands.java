package dev.bypass.txnstore.resp;

import static dev.bypass.txnstore.resp.CommandSpec.*;
import static dev.bypass.txnstore.resp.RedisData.HASH;

import dev.bypass.txnstore.resp.RedisData.RedisError;
import dev.bypass.txnstore.resp.RedisData.Value;
import java.util.List;

/** Hash commands: fields are members of {@code redisN.hash}. */
final class HashCommands {
    private HashCommands() {}

    static void register(CommandTable t) {
        CommandSpec.Handler hset = c -> {
            if (c.argc % 2 != 0) throw c.wrongArgs();
            RedisData d = c.data();
            d.ensure(c.tx, c.db(), c.arg(1), HASH, RedisData.EMPTY);
            int added = 0;
            for (int i = 2; i < c.argc; i += 2) {
                byte[] fk = RedisData.memberKey(c.arg(1), c.arg(i));
                if (c.tx.get(d.hashes(c.db()), fk) == null) added++;
                c.tx.putOwned(d.hashes(c.db()), fk, c.arg(i + 1));
            }
            if (c.spec.name().equals("HSET")) c.out.integer(added);
            else c.out.simple("OK");
        };
        t.add("HSET", -4, WRITE | DENYOOM | FAST, 1, 1, 1, "hash", "Creates or modifies the value of a field in a hash.", hset);
        t.add("HMSET", -4, WRITE | DENYOOM | FAST, 1, 1, 1, "hash", "Sets the values of multiple fields.", hset);
        t.add("HSETNX", 4, WRITE | DENYOOM | FAST, 1, 1, 1, "hash", "Sets the value of a field in a hash only when the field doesn't exist.", c -> {
            RedisData d = c.data();
            d.ensure(c.tx, c.db(), c.arg(1), HASH, RedisData.EMPTY);
            byte[] fk = RedisData.memberKey(c.arg(1), c.arg(2));
            if (c.tx.get(d.hashes(c.db()), fk) != null) {
                c.out.integer(0);
                return;
            }
            c.tx.putOwned(d.hashes(c.db()), fk, c.arg(3));
            c.out.integer(1);
        });
        t.add("HGET", 3, READONLY | FAST, 1, 1, 1, "hash", "Returns the value of a field in a hash.", c -> c.out.bulkOrNull(field(c, c.arg(2))));
        t.add("HMGET", -3, READONLY | FAST, 1, 1, 1, "hash", "Returns the values of all fields in a hash.", c -> {
            c.out.array(c.argc - 2);
            for (int i = 2; i < c.argc; i++) c.out.bulkOrNull(field(c, c.arg(i)));
        });
        t.add("HEXISTS", 3, READONLY | FAST, 1, 1, 1, "hash", "Determines whether a field exists in a hash.", c -> c.out.integer(field(c, c.arg(2)) == null ? 0 : 1));
        t.add("HDEL", -3, WRITE | FAST, 1, 1, 1, "hash", "Deletes one or more fields and their values from a hash.",
                c -> c.out.integer(c.data().removeMembers(c.tx, c.db(), c.arg(1), HASH, c.data().hashes(c.db()), c.args, 2, c.argc)));
        t.add("HLEN", 2, READONLY | FAST, 1, 1, 1, "hash", "Returns the number of fields in a hash.", c -> {
            Value v = c.data().getTyped(c.tx, c.db(), c.arg(1), HASH);
            c.out.integer(v == null ? 0 : RedisData.count(c.tx, c.data().hashes(c.db()), c.arg(1)));
        });
        t.add("HGETALL", 2, READONLY, 1, 1, 1, "hash", "Returns all fields and values in a hash.", c -> {
            List<byte[][]> fields = fields(c);
            c.out.map(fields.size());
            for (byte[][] f : fields) {
                c.out.bulk(f[0]);
                c.out.bulk(f[1]);
            }
        });
        t.add("HKEYS", 2, READONLY, 1, 1, 1, "hash", "Returns all fields in a hash.", c -> {
            List<byte[][]> fields = fields(c);
            c.out.array(fields.size());
            for (byte[][] f : fields) c.out.bulk(f[0]);
        });
        t.add("HVALS", 2, READONLY, 1, 1, 1, "hash", "Returns all values in a hash.", c -> {
            List<byte[][]> fields = fields(c);
            c.out.array(fields.size());
            for (byte[][] f : fields) c.out.bulk(f[1]);
        });
        t.add("HINCRBY", 4, WRITE | DENYOOM | FAST, 1, 1, 1, "hash", "Increments the integer value of a field in a hash by a number.", c -> {
            RedisData d = c.data();
            long by = c.integer(3);
            d.ensure(c.tx, c.db(), c.arg(1), HASH, RedisData.EMPTY);
            byte[] fk = RedisData.memberKey(c.arg(1), c.arg(2));
            byte[] cur = c.tx.get(d.hashes(c.db()), fk);
            long base;
            try {
                base = cur == null ? 0 : Numbers.parseLong(cur);
            } catch (RedisError e) {
                throw new RedisError("ERR hash value is not an integer");
            }
            long next;
            try {
                next = Math.addExact(base, by);
            } catch (ArithmeticException e) {
                throw new RedisError("ERR increment or decrement would overflow");
            }
            c.tx.putOwned(d.hashes(c.db()), fk, Numbers.bytes(next));
            c.out.integer(next);
        });
    }

    private static byte[] field(Call c, byte[] field) {
        if (c.data().getTyped(c.tx, c.db(), c.arg(1), HASH) == null) return null;
        return c.tx.get(c.data().hashes(c.db()), RedisData.memberKey(c.arg(1), field));
    }

    private static List<byte[][]> fields(Call c) {
        if (c.data().getTyped(c.tx, c.db(), c.arg(1), HASH) == null) return List.of();
        return RedisData.members(c.tx, c.data().hashes(c.db()), c.arg(1));
    }
}
