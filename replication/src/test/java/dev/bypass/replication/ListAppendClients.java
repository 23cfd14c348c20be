package dev.bypass.replication;

import dev.bypass.txnstore.ListAppendChecker;
import dev.bypass.txnstore.ListAppendChecker.Op;
import dev.bypass.txnstore.ListAppendChecker.Txn;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Clients running list-append transactions (MULTI, RPUSH and LRANGE, EXEC: one serializable transaction each)
 * against any running replica, retrying on errors with a fresh transaction, recording the history. A transaction
 * whose EXEC reply was lost (connection dropped: the leader died) has an unknown outcome; it is resolved at the
 * end by whether its appended values appear in the final lists (values are unique, appends atomic).
 */
final class ListAppendClients {
    record Attempt(int id, List<Op> ops, Boolean committed) {}

    final int keys;
    private final ProcessCluster cluster;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger values = new AtomicInteger(), ids = new AtomicInteger();
    final List<Attempt> attempts = Collections.synchronizedList(new ArrayList<>());
    final AtomicLong acked = new AtomicLong(), failed = new AtomicLong(), unknown = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();

    ListAppendClients(ProcessCluster cluster, int keys) {
        this.cluster = cluster;
        this.keys = keys;
    }

    void start(int n, long seed) {
        for (int t = 0; t < n; t++) {
            Random rnd = new Random(seed + t);
            threads.add(Thread.ofPlatform().name("list-append-" + t).start(() -> run(rnd)));
        }
    }

    private void run(Random rnd) {
        Jedis j = null;
        while (!stop.get()) {
            try {
                if (j == null) {
                    int[] ports = cluster.respPorts;
                    int port = ports[rnd.nextInt(ports.length)];
                    if (port == 0) continue;
                    j = ProcessCluster.connect(port);
                }
                attempt(j, rnd);
            } catch (JedisConnectionException e) {
                if (j != null) j.close();
                j = null;
                pause(20);
            }
        }
        if (j != null) j.close();
    }

    private void attempt(Jedis j, Random rnd) {
        int n = 1 + rnd.nextInt(4);
        int[] kinds = new int[n], ks = new int[n], vs = new int[n];
        for (int i = 0; i < n; i++) {
            kinds[i] = rnd.nextInt(2);
            ks[i] = rnd.nextInt(keys);
            if (kinds[i] == 1) vs[i] = values.incrementAndGet();
        }
        int id = ids.incrementAndGet();
        List<Op> appends = new ArrayList<>();
        for (int i = 0; i < n; i++) if (kinds[i] == 1) appends.add(Op.append(ks[i], vs[i]));
        List<Object> replies;
        try {
            Transaction tx = j.multi();
            for (int i = 0; i < n; i++) {
                if (kinds[i] == 1) tx.rpush("k" + ks[i], String.valueOf(vs[i]));
                else tx.lrange("k" + ks[i], 0, -1);
            }
            replies = tx.exec();
        } catch (JedisDataException e) {
            // refused before it was ordered (a follower mid-failover, a conflict): not committed
            attempts.add(new Attempt(id, appends, false));
            failed.incrementAndGet();
            pause(10);
            return;
        } catch (JedisConnectionException e) {
            attempts.add(new Attempt(id, appends, null));
            unknown.incrementAndGet();
            throw e;
        }
        if (replies == null) {
            attempts.add(new Attempt(id, appends, false));
            failed.incrementAndGet();
            return;
        }
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (kinds[i] == 1) ops.add(Op.append(ks[i], vs[i]));
            else {
                @SuppressWarnings("unchecked") List<String> read = (List<String>) replies.get(i);
                ops.add(Op.read(ks[i], read.stream().map(Integer::parseInt).toList()));
            }
        }
        attempts.add(new Attempt(id, ops, true));
        acked.incrementAndGet();
    }

    void stop() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) t.join(60_000);
    }

    /**
     * The history for the checker, with unknown outcomes resolved against the final lists, followed by one
     * transaction reading the final lists; the appends acknowledged but missing from them are returned in {@code lost}.
     */
    List<Txn> history(Map<Integer, List<Integer>> finalLists, List<String> lost) {
        Set<Long> present = new HashSet<>();
        finalLists.forEach((k, vs) -> vs.forEach(v -> present.add(((long) k << 32) | v)));
        List<Txn> out = new ArrayList<>();
        for (Attempt a : attempts) {
            boolean committed;
            if (a.committed() == null) {
                if (a.ops().isEmpty()) continue;
                committed = a.ops().stream().anyMatch(o -> present.contains(((long) o.key() << 32) | o.value()));
            } else committed = a.committed();
            if (a.committed() == Boolean.TRUE)
                for (Op o : a.ops())
                    if (o.type() == ListAppendChecker.OpType.APPEND && !present.contains(((long) o.key() << 32) | o.value()))
                        lost.add("acknowledged append of " + o.value() + " to key " + o.key() + " (transaction " + a.id() + ")");
            out.add(new Txn(a.id(), committed, a.ops()));
        }
        List<Op> reads = new ArrayList<>();
        new TreeMap<>(finalLists).forEach((k, vs) -> reads.add(Op.read(k, vs)));
        out.add(new Txn(ids.incrementAndGet(), true, reads));
        return out;
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
