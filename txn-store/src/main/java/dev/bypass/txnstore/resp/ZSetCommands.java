package dev.bypass.txnstore.resp;

import static dev.bypass.txnstore.resp.CommandSpec.*;
import static dev.bypass.txnstore.resp.RedisData.ZSET;

import dev.bypass.txnstore.Bytes;
import dev.bypass.txnstore.Table;
import dev.bypass.txnstore.resp.RedisData.RedisError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sorted-set commands. Each member has its score in {@code redisN.zset} and an entry {@code escaped(key)
 * orderedScore member} in {@code redisN.zrank}, so the members are kept in Redis's order (score, then member
 * bytes) and ranges by score are one ordered scan.
 */
final class ZSetCommands {
    private ZSetCommands() {}

    record Member(byte[] member, double score) {}

    static void register(CommandTable t) {
        t.add("ZADD", -4, WRITE | DENYOOM | FAST, 1, 1, 1, "sorted_set", "Adds one or more members to a sorted set, or updates their scores.", ZSetCommands::zadd);
        t.add("ZINCRBY", 4, WRITE | DENYOOM | FAST, 1, 1, 1, "sorted_set", "Increments the score of a member in a sorted set.", c -> {
            double by = c.dbl(2);
            Double cur = score(c, c.arg(1), c.arg(3), true);
            double next = (cur == null ? 0 : cur) + by;
            if (Double.isNaN(next)) throw new RedisError("ERR resulting score is not a number (NaN)");
            c.data().ensure(c.tx, c.db(), c.arg(1), ZSET, RedisData.EMPTY);
            put(c, c.arg(1), c.arg(3), cur, next);
            c.out.dbl(next);
        });
        t.add("ZREM", -3, WRITE | FAST, 1, 1, 1, "sorted_set", "Removes one or more members from a sorted set.", c -> {
            RedisData d = c.data();
            if (d.getTyped(c.tx, c.db(), c.arg(1), ZSET) == null) {
                c.out.integer(0);
                return;
            }
            int n = 0;
            for (int i = 2; i < c.argc; i++) {
                Double cur = score(c, c.arg(1), c.arg(i), false);
                if (cur == null) continue;
                c.tx.delete(d.zsets(c.db()), RedisData.memberKey(c.arg(1), c.arg(i)));
                c.tx.delete(d.zranks(c.db()), rankKey(c.arg(1), cur, c.arg(i)));
                n++;
            }
            if (n > 0) d.dropIfEmpty(c.tx, c.db(), c.arg(1), d.zsets(c.db()));
            c.out.integer(n);
        });
        t.add("ZSCORE", 3, READONLY | FAST, 1, 1, 1, "sorted_set", "Returns the score of a member in a sorted set.", c -> {
            Double s = score(c, c.arg(1), c.arg(2), true);
            if (s == null) c.out.nullBulk();
            else c.out.dbl(s);
        });
        t.add("ZCARD", 2, READONLY | FAST, 1, 1, 1, "sorted_set", "Returns the number of members in a sorted set.", c -> {
            boolean exists = c.data().getTyped(c.tx, c.db(), c.arg(1), ZSET) != null;
            c.out.integer(exists ? RedisData.count(c.tx, c.data().zsets(c.db()), c.arg(1)) : 0);
        });
        t.add("ZRANK", -3, READONLY | FAST, 1, 1, 1, "sorted_set", "Returns the index of a member in a sorted set ordered by ascending scores.", c -> rank(c, false));
        t.add("ZREVRANK", -3, READONLY | FAST, 1, 1, 1, "sorted_set", "Returns the index of a member in a sorted set ordered by descending scores.", c -> rank(c, true));
        t.add("ZRANGE", -4, READONLY, 1, 1, 1, "sorted_set", "Returns members in a sorted set within a range of indexes or scores.", c -> range(c, 4, false, false));
        t.add("ZRANGEBYSCORE", -4, READONLY, 1, 1, 1, "sorted_set", "Returns members in a sorted set within a range of scores.", c -> range(c, 4, true, false));
        t.add("ZREVRANGE", -4, READONLY, 1, 1, 1, "sorted_set", "Returns members in a sorted set within a range of indexes in reverse order.", c -> range(c, 4, false, true));
        t.add("ZREVRANGEBYSCORE", -4, READONLY, 1, 1, 1, "sorted_set", "Returns members in a sorted set within a range of scores in reverse order.", c -> range(c, 4, true, true));
    }

    static byte[] rankKey(byte[] key, double score, byte[] member) {
        byte[] p = RedisData.prefix(key);
        byte[] out = Arrays.copyOf(p, p.length + 8 + member.length);
        System.arraycopy(RedisData.orderedDouble(score), 0, out, p.length, 8);
        System.arraycopy(member, 0, out, p.length + 8, member.length);
        return out;
    }

    /** A member's score, null when absent; with {@code check}, WRONGTYPE for keys of other types. */
    private static Double score(Call c, byte[] key, byte[] member, boolean check) {
        if (check && c.data().getTyped(c.tx, c.db(), key, ZSET) == null) return null;
        byte[] s = c.tx.get(c.data().zsets(c.db()), RedisData.memberKey(key, member));
        return s == null ? null : RedisData.doubleOf(s);
    }

    private static void put(Call c, byte[] key, byte[] member, Double old, double score) {
        RedisData d = c.data();
        if (old != null && old == score && (old != 0 || Double.doubleToLongBits(old) == Double.doubleToLongBits(score))) return;
        if (old != null) c.tx.delete(d.zranks(c.db()), rankKey(key, old, member));
        c.tx.putOwned(d.zsets(c.db()), RedisData.memberKey(key, member), RedisData.doubleBytes(score));
        c.tx.putOwned(d.zranks(c.db()), rankKey(key, score, member), RedisData.EMPTY);
    }

    private static void zadd(Call c) {
        boolean nx = false, xx = false, gt = false, lt = false, ch = false, incr = false;
        int i = 2;
        for (; i < c.argc; i++) {
            if (c.is(i, "NX")) nx = true;
            else if (c.is(i, "XX")) xx = true;
            else if (c.is(i, "GT")) gt = true;
            else if (c.is(i, "LT")) lt = true;
            else if (c.is(i, "CH")) ch = true;
            else if (c.is(i, "INCR")) incr = true;
            else break;
        }
        int pairs = c.argc - i;
        if (pairs == 0 || pairs % 2 != 0) throw RedisData.SYNTAX;
        if (nx && xx) throw new RedisError("ERR XX and NX options at the same time are not compatible");
        if ((gt && nx) || (lt && nx) || (gt && lt)) throw new RedisError("ERR GT, LT, and/or NX options at the same time are not compatible");
        if (incr && pairs > 2) throw new RedisError("ERR INCR option supports a single increment-element pair");
        double[] scores = new double[pairs / 2];
        for (int k = 0; k < scores.length; k++) scores[k] = c.dbl(i + 2 * k); // all scores are checked before any change
        RedisData d = c.data();
        boolean created = false;
        if (d.getTyped(c.tx, c.db(), c.arg(1), ZSET) == null) {
            created = true;
            if (xx) { // nothing to update, nothing created
                if (incr) c.out.nullBulk();
                else c.out.integer(0);
                return;
            }
            d.ensure(c.tx, c.db(), c.arg(1), ZSET, RedisData.EMPTY);
        }
        long added = 0, changed = 0;
        Double incrResult = null;
        for (int k = 0; k < scores.length; k++) {
            byte[] member = c.arg(i + 2 * k + 1);
            Double old = score(c, c.arg(1), member, false);
            double next = scores[k];
            if (incr) {
                next = (old == null ? 0 : old) + scores[k];
                if (Double.isNaN(next)) throw new RedisError("ERR resulting score is not a number (NaN)");
            }
            if ((nx && old != null) || (xx && old == null) || (old != null && ((gt && next <= old) || (lt && next >= old)))) continue;
            if (old == null) added++;
            else if (old != next) changed++;
            put(c, c.arg(1), member, old, next);
            incrResult = next;
        }
        if (created && added == 0) d.delete(c.tx, c.db(), c.arg(1)); // every member was skipped: no empty set is left
        if (incr) {
            if (incrResult == null) c.out.nullBulk();
            else c.out.dbl(incrResult);
        } else c.out.integer(ch ? added + changed : added);
    }

    private static void rank(Call c, boolean reverse) {
        boolean withScore = false;
        if (c.argc == 4) {
            if (!c.is(3, "WITHSCORE")) throw RedisData.SYNTAX;
            withScore = true;
        } else if (c.argc > 4) throw RedisData.SYNTAX;
        Double s = score(c, c.arg(1), c.arg(2), true);
        if (s == null) {
            if (withScore) c.out.nullArray();
            else c.out.nullBulk();
            return;
        }
        List<Member> all = all(c, c.arg(1));
        int r = 0;
        for (Member m : all) {
            if (Arrays.equals(m.member(), c.arg(2))) break;
            r++;
        }
        if (reverse) r = all.size() - 1 - r;
        if (!withScore) {
            c.out.integer(r);
            return;
        }
        c.out.array(2);
        c.out.integer(r);
        c.out.dbl(s);
    }

    /** Every member in order (score, then member bytes). */
    private static List<Member> all(Call c, byte[] key) {
        byte[] p = RedisData.prefix(key);
        List<Member> out = new ArrayList<>();
        Table ranks = c.data().zranks(c.db());
        c.tx.scan(ranks, p, Bytes.prefixEnd(p), (k, v) -> out.add(new Member(Arrays.copyOfRange(k, p.length + 8, k.length), RedisData.fromOrderedDouble(k, p.length))));
        return out;
    }

    /** A score bound: {@code value}, exclusive when written {@code (value}. */
    private record Bound(double value, boolean exclusive) {
        static Bound parse(byte[] b) {
            boolean ex = b.length > 0 && b[0] == '(';
            Double d = Doubles.parse(ex ? Arrays.copyOfRange(b, 1, b.length) : b);
            if (d == null) throw new RedisError("ERR min or max is not a float");
            return new Bound(d, ex);
        }

        boolean belowOrAt(double s) { return exclusive ? value < s : value <= s; } // as a minimum

        boolean aboveOrAt(double s) { return exclusive ? value > s : value >= s; } // as a maximum
    }

    /**
     * ZRANGE and its older forms. {@code byScore}/{@code reverse} are preset by ZRANGEBYSCORE, ZREVRANGE and
     * ZREVRANGEBYSCORE; ZRANGE takes BYSCORE and REV as options.
     */
    private static void range(Call c, int optionsFrom, boolean byScore, boolean reverse) {
        boolean withScores = false, limit = false;
        long offset = 0, count = -1;
        boolean zrange = c.spec.name().equals("ZRANGE");
        for (int i = optionsFrom; i < c.argc; i++) {
            if (c.is(i, "WITHSCORES")) withScores = true;
            else if (zrange && c.is(i, "BYSCORE")) byScore = true;
            else if (zrange && c.is(i, "REV")) reverse = true;
            else if (c.is(i, "LIMIT") && i + 2 < c.argc) {
                offset = c.integer(++i);
                count = c.integer(++i);
                limit = true;
            } else throw RedisData.SYNTAX;
        }
        if (limit && !byScore) throw new RedisError("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
        List<Member> selected = new ArrayList<>();
        if (byScore) {
            // ZRANGE BYSCORE REV and ZREVRANGEBYSCORE take max first
            boolean maxFirst = reverse;
            Bound min = Bound.parse(c.arg(maxFirst ? 3 : 2)), max = Bound.parse(c.arg(maxFirst ? 2 : 3));
            if (c.data().getTyped(c.tx, c.db(), c.arg(1), ZSET) != null)
                for (Member m : all(c, c.arg(1))) if (min.belowOrAt(m.score()) && max.aboveOrAt(m.score())) selected.add(m);
            if (reverse) java.util.Collections.reverse(selected);
            if (offset < 0) selected.clear();
            else {
                int from = (int) Math.min(offset, selected.size());
                int to = count < 0 ? selected.size() : (int) Math.min(selected.size(), from + count);
                selected = selected.subList(from, to);
            }
        } else {
            long start = c.integer(2), stop = c.integer(3);
            List<Member> all = c.data().getTyped(c.tx, c.db(), c.arg(1), ZSET) == null ? List.of() : all(c, c.arg(1));
            if (reverse) {
                all = new ArrayList<>(all);
                java.util.Collections.reverse(all);
            }
            long size = all.size();
            if (start < 0) start = Math.max(0, size + start);
            if (stop < 0) stop = size + stop;
            if (stop >= size) stop = size - 1;
            if (start <= stop && start < size) selected = all.subList((int) start, (int) stop + 1);
        }
        if (withScores && c.out.resp3()) {
            c.out.array(selected.size());
            for (Member m : selected) {
                c.out.array(2);
                c.out.bulk(m.member());
                c.out.dbl(m.score());
            }
            return;
        }
        c.out.array(withScores ? 2 * selected.size() : selected.size());
        for (Member m : selected) {
            c.out.bulk(m.member());
            if (withScores) c.out.dbl(m.score());
        }
    }
}
