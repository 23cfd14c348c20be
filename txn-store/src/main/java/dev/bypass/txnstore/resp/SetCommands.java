package dev.bypass.txnstore.resp;

import static dev.bypass.txnstore.resp.CommandSpec.*;
import static dev.bypass.txnstore.resp.RedisData.SET;

import dev.bypass.txnstore.Bytes;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Set commands: members are keys {@code escaped(key) member} of {@code redisN.set}. */
final class SetCommands {
    private SetCommands() {}

    static void register(CommandTable t) {
        t.add("SADD", -3, WRITE | DENYOOM | FAST, 1, 1, 1, "set", "Adds one or more members to a set.", c -> {
            RedisData d = c.data();
            d.ensure(c.tx, c.db(), c.arg(1), SET, RedisData.EMPTY);
            int added = 0;
            for (int i = 2; i < c.argc; i++) {
                byte[] mk = RedisData.memberKey(c.arg(1), c.arg(i));
                if (c.tx.get(d.sets(c.db()), mk) == null) {
                    c.tx.putOwned(d.sets(c.db()), mk, RedisData.EMPTY);
                    added++;
                }
            }
            c.out.integer(added);
        });
        t.add("SREM", -3, WRITE | FAST, 1, 1, 1, "set", "Removes one or more members from a set.",
                c -> c.out.integer(c.data().removeMembers(c.tx, c.db(), c.arg(1), SET, c.data().sets(c.db()), c.args, 2, c.argc)));
        t.add("SISMEMBER", 3, READONLY | FAST, 1, 1, 1, "set", "Determines whether a member belongs to a set.", c -> c.out.integer(isMember(c, c.arg(1), c.arg(2)) ? 1 : 0));
        t.add("SMISMEMBER", -3, READONLY | FAST, 1, 1, 1, "set", "Determines whether multiple members belong to a set.", c -> {
            c.out.array(c.argc - 2);
            for (int i = 2; i < c.argc; i++) c.out.integer(isMember(c, c.arg(1), c.arg(i)) ? 1 : 0);
        });
        t.add("SCARD", 2, READONLY | FAST, 1, 1, 1, "set", "Returns the number of members in a set.", c -> {
            boolean exists = c.data().getTyped(c.tx, c.db(), c.arg(1), SET) != null;
            c.out.integer(exists ? RedisData.count(c.tx, c.data().sets(c.db()), c.arg(1)) : 0);
        });
        t.add("SMEMBERS", 2, READONLY, 1, 1, 1, "set", "Returns all members of a set.", c -> reply(c, members(c, c.arg(1))));
        t.add("SINTER", -2, READONLY, 1, -1, 1, "set", "Returns the intersect of multiple sets.", c -> {
            List<TreeSet<byte[]>> all = new ArrayList<>();
            for (int i = 1; i < c.argc; i++) all.add(members(c, c.arg(i))); // every key is type-checked, as Redis does
            TreeSet<byte[]> result = all.getFirst();
            for (int i = 1; i < all.size(); i++) result.retainAll(all.get(i));
            reply(c, result);
        });
        t.add("SUNION", -2, READONLY, 1, -1, 1, "set", "Returns the union of multiple sets.", c -> {
            TreeSet<byte[]> result = new TreeSet<>(Bytes.ORDER);
            for (int i = 1; i < c.argc; i++) result.addAll(members(c, c.arg(i)));
            reply(c, result);
        });
    }

    private static boolean isMember(Call c, byte[] key, byte[] member) {
        if (c.data().getTyped(c.tx, c.db(), key, SET) == null) return false;
        return c.tx.get(c.data().sets(c.db()), RedisData.memberKey(key, member)) != null;
    }

    private static TreeSet<byte[]> members(Call c, byte[] key) {
        TreeSet<byte[]> out = new TreeSet<>(Bytes.ORDER);
        if (c.data().getTyped(c.tx, c.db(), key, SET) == null) return out;
        for (byte[][] m : RedisData.members(c.tx, c.data().sets(c.db()), key)) out.add(m[0]);
        return out;
    }

    private static void reply(Call c, java.util.Collection<byte[]> members) {
        c.out.set(members.size());
        for (byte[] m : members) c.out.bulk(m);
    }
}
