package dev.bypass.txnstore.resp;

import static dev.bypass.txnstore.resp.CommandSpec.*;
import static dev.bypass.txnstore.resp.RedisData.LIST;

import dev.bypass.txnstore.Table;
import dev.bypass.txnstore.Transaction;
import dev.bypass.txnstore.resp.RedisData.RedisError;
import dev.bypass.txnstore.resp.RedisData.Value;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * List commands. A list's key entry holds {@code head} and {@code tail}; element {@code i} (head ≤ i < tail) is
 * stored under {@code escaped(key) orderedIndex(i)}, so pushes and pops at either end and LINDEX are one write or
 * read, and LRANGE is one ordered scan. Pushes and pops change the header. A push run alone (not inside MULTI)
 * reads and writes the list inside its commit ({@link Call#atCommit}), so concurrent pushes to one list follow each
 * other in commit order, each returning its own new length, and never conflict; pops, LSET, LREM and pushes inside
 * MULTI read the header in the transaction and are validated like any read.
 */
final class ListCommands {
    private ListCommands() {}

    private static final byte[] EMPTY_LIST = new byte[16];

    /** A list's position: its key entry as read, the element keys' prefix and the element table. */
    private record ListRef(RedisData d, Transaction tx, int db, byte[] key, byte[] prefix, byte[] raw, long head, long tail) {
        long size() { return tail - head; }

        Table table() { return d.lists(db); }

        byte[] at(long i) { return tx.get(table(), element(i)); }

        byte[] element(long i) { return ListCommands.element(prefix, i); }

        void store(long newHead, long newTail) {
            if (newHead == newTail) {
                d.delete(tx, db, key);
                return;
            }
            byte[] header = raw.clone();
            RedisData.putLong(header, RedisData.HEADER, newHead);
            RedisData.putLong(header, RedisData.HEADER + 8, newTail);
            tx.putOwned(d.keys(db), key, header);
        }
    }

    /** The key of element {@code i} of the list whose escaped key is {@code prefix}: one array, exactly sized. */
    static byte[] element(byte[] prefix, long i) {
        byte[] k = Arrays.copyOf(prefix, prefix.length + 8);
        RedisData.putLong(k, prefix.length, i ^ Long.MIN_VALUE); // as RedisData.orderedLong
        return k;
    }

    private static ListRef open(Call c, boolean create) {
        RedisData d = c.data();
        byte[] key = c.arg(1);
        Value v = create ? d.ensure(c.tx, c.db(), key, LIST, EMPTY_LIST) : d.getTyped(c.tx, c.db(), key, LIST);
        if (v == null) return null;
        byte[] raw = v.raw();
        return new ListRef(d, c.tx, c.db(), key, RedisData.prefix(key), raw, RedisData.getLong(raw, RedisData.HEADER), RedisData.getLong(raw, RedisData.HEADER + 8));
    }

    static void register(CommandTable t) {
        t.add("LPUSH", -3, WRITE | DENYOOM | FAST, 1, 1, 1, "list", "Prepends one or more elements to a list.", c -> push(c, true, true));
        t.add("RPUSH", -3, WRITE | DENYOOM | FAST, 1, 1, 1, "list", "Appends one or more elements to a list.", c -> push(c, false, true));
        t.add("LPUSHX", -3, WRITE | DENYOOM | FAST, 1, 1, 1, "list", "Prepends elements to a list only when the list exists.", c -> push(c, true, false));
        t.add("RPUSHX", -3, WRITE | DENYOOM | FAST, 1, 1, 1, "list", "Appends elements to a list only when the list exists.", c -> push(c, false, false));
        t.add("LPOP", -2, WRITE | FAST, 1, 1, 1, "list", "Returns the first elements in a list after removing it.", c -> pop(c, true));
        t.add("RPOP", -2, WRITE | FAST, 1, 1, 1, "list", "Returns and removes the last elements of a list.", c -> pop(c, false));
        t.add("LLEN", 2, READONLY | FAST, 1, 1, 1, "list", "Returns the length of a list.", c -> {
            ListRef l = open(c, false);
            c.out.integer(l == null ? 0 : l.size());
        });
        t.add("LINDEX", 3, READONLY, 1, 1, 1, "list", "Returns an element from a list by its index.", c -> {
            long index = c.integer(2);
            ListRef l = open(c, false);
            if (l == null) {
                c.out.nullBulk();
                return;
            }
            long i = index < 0 ? l.tail() + index : l.head() + index;
            c.out.bulkOrNull(i < l.head() || i >= l.tail() ? null : l.at(i));
        });
        t.add("LSET", 4, WRITE | DENYOOM, 1, 1, 1, "list", "Sets the value of an element in a list by its index.", c -> {
            long index = c.integer(2);
            ListRef l = open(c, false);
            if (l == null) throw RedisData.NO_SUCH_KEY;
            long i = index < 0 ? l.tail() + index : l.head() + index;
            if (i < l.head() || i >= l.tail()) throw new RedisError("ERR index out of range");
            c.tx.putOwned(l.table(), l.element(i), c.arg(3));
            c.out.simple("OK");
        });
        t.add("LRANGE", 4, READONLY, 1, 1, 1, "list", "Returns a range of elements from a list.", c -> {
            long start = c.integer(2), stop = c.integer(3);
            ListRef l = open(c, false);
            List<byte[]> out = l == null ? List.of() : range(l, start, stop);
            c.out.array(out.size());
            for (byte[] e : out) c.out.bulk(e);
        });
        t.add("LREM", 4, WRITE, 1, 1, 1, "list", "Removes elements from a list.", c -> {
            long count = c.integer(2);
            ListRef l = open(c, false);
            if (l == null) {
                c.out.integer(0);
                return;
            }
            List<byte[]> all = range(l, 0, -1);
            byte[] target = c.arg(3);
            boolean[] drop = new boolean[all.size()];
            long removed = 0, limit = count == 0 ? Long.MAX_VALUE : Math.abs(count);
            for (int k = 0; k < all.size() && removed < limit; k++) {
                int i = count < 0 ? all.size() - 1 - k : k;
                if (Arrays.equals(all.get(i), target)) {
                    drop[i] = true;
                    removed++;
                }
            }
            if (removed > 0) {
                for (long i = l.head(); i < l.tail(); i++) c.tx.delete(l.table(), l.element(i));
                long i = l.head();
                for (int k = 0; k < all.size(); k++) if (!drop[k]) c.tx.putOwned(l.table(), l.element(i++), all.get(k));
                l.store(l.head(), i);
            }
            c.out.integer(removed);
        });
    }

    private static void push(Call c, boolean left, boolean create) {
        // Alone in its transaction, a push reads and writes the list inside the commit: pushes to one list then
        // follow each other in commit order instead of conflicting on its ends (each still returns its own length).
        if (c.alone) c.atCommit(() -> pushNow(c, left, create));
        else pushNow(c, left, create);
    }

    private static void pushNow(Call c, boolean left, boolean create) {
        ListRef l = open(c, create);
        if (l == null) {
            c.out.integer(0);
            return;
        }
        long head = l.head(), tail = l.tail();
        for (int i = 2; i < c.argc; i++) {
            long at = left ? --head : tail++;
            c.tx.putOwned(l.table(), l.element(at), c.arg(i));
        }
        l.store(head, tail);
        c.out.integer(tail - head);
    }

    private static void pop(Call c, boolean left) {
        long count = 1;
        boolean many = c.argc > 2;
        if (c.argc > 3) throw RedisData.SYNTAX;
        if (many) {
            count = c.integer(2);
            if (count < 0) throw new RedisError("ERR value is out of range, must be positive");
        }
        ListRef l = open(c, false);
        if (l == null) {
            if (many) c.out.nullArray();
            else c.out.nullBulk();
            return;
        }
        long n = Math.min(count, l.size());
        long head = l.head(), tail = l.tail();
        List<byte[]> out = new ArrayList<>();
        for (long k = 0; k < n; k++) {
            long at = left ? head++ : --tail;
            byte[] ek = l.element(at);
            out.add(c.tx.get(l.table(), ek));
            c.tx.delete(l.table(), ek);
        }
        if (n > 0) l.store(head, tail);
        if (!many) {
            c.out.bulk(out.getFirst());
            return;
        }
        c.out.array(out.size());
        for (byte[] e : out) c.out.bulk(e);
    }

    /** Elements {@code start..stop} (Redis's inclusive, negative-from-the-end indexes). */
    private static List<byte[]> range(ListRef l, long start, long stop) {
        long size = l.size();
        if (start < 0) start = Math.max(0, size + start);
        if (stop < 0) stop = size + stop;
        if (stop >= size) stop = size - 1;
        if (start > stop || start >= size) return List.of();
        List<byte[]> out = new ArrayList<>();
        l.tx().scan(l.table(), l.element(l.head() + start), l.element(l.head() + stop + 1), (k, v) -> out.add(v));
        return out;
    }
}
