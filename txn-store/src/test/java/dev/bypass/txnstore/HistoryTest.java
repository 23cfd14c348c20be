package dev.bypass.txnstore;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.txnstore.ListAppendChecker.Op;
import dev.bypass.txnstore.ListAppendChecker.Txn;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HistoryTest {
    static Txn t(int id, Op... ops) { return new Txn(id, true, List.of(ops)); }

    static Op a(int k, int v) { return Op.append(k, v); }

    static Op r(int k, Integer... vs) { return Op.read(k, List.of(vs)); }

    @Test
    void serialHistoryHasNoAnomalies() {
        var res = ListAppendChecker.check(List.of(
                t(1, a(1, 1), a(2, 1)), t(2, r(1, 1), a(1, 2)), t(3, r(1, 1, 2), r(2, 1), a(2, 2)), t(4, r(1, 1, 2), r(2, 1, 2))));
        assertTrue(res.kinds().isEmpty(), res.examples().toString());
        assertTrue(res.edges() >= 4);
    }

    @Test
    void plantedG0() {
        // t1 then t2 on key 1, t2 then t1 on key 2
        var res = ListAppendChecker.check(List.of(t(1, a(1, 1), a(2, 2)), t(2, a(1, 2), a(2, 1)), t(3, r(1, 1, 2), r(2, 1, 2))));
        assertTrue(res.has("G0"), res.kinds().toString());
    }

    @Test
    void plantedG1c() {
        // each reads the other's append
        var res = ListAppendChecker.check(List.of(t(1, a(1, 1), r(2, 1)), t(2, a(2, 1), r(1, 1))));
        assertEquals(Set.of("G1c"), res.kinds());
    }

    @Test
    void plantedGSingle() {
        // t2 appends to both keys; t1 sees t2's append on key 2 but not on key 1 (read skew)
        var res = ListAppendChecker.check(List.of(t(1, r(1), r(2, 1)), t(2, a(1, 1), a(2, 1)), t(3, r(1, 1))));
        assertEquals(Set.of("G-single"), res.kinds(), res.examples().toString());
    }

    @Test
    void plantedG2() {
        // write skew: each reads the key the other appends to, neither sees the other
        var res = ListAppendChecker.check(List.of(t(1, r(1), a(2, 1)), t(2, r(2), a(1, 1)), t(3, r(1, 1), r(2, 1))));
        assertEquals(Set.of("G2"), res.kinds(), res.examples().toString());
    }

    @Test
    void plantedG1aAndG1b() {
        var res = ListAppendChecker.check(List.of(new Txn(1, false, List.of(a(1, 9))), t(2, r(1, 9)), t(3, a(2, 1), a(2, 2)), t(4, r(2, 1)), t(5, r(2, 1, 2))));
        assertTrue(res.has("G1a") && res.has("G1b"), res.kinds().toString());
    }

    @Test
    void incompatibleOrdersAreReported() {
        var res = ListAppendChecker.check(List.of(t(1, a(1, 1)), t(2, a(1, 2)), t(3, r(1, 1, 2)), t(4, r(1, 2, 1))));
        assertTrue(res.has("incompatible-order"));
    }

    /** Whether op {@code j} is the last of the transaction on its key. */
    private static boolean lastUse(int[] keys, int j) {
        for (int i = j + 1; i < keys.length; i++) if (keys[i] == keys[j]) return false;
        return true;
    }

    static byte[] appendTo(byte[] list, int v) {
        byte[] out = list == null ? new byte[4] : java.util.Arrays.copyOf(list, list.length + 4);
        ByteBuffer.wrap(out).putInt(out.length - 4, v);
        return out;
    }

    static List<Integer> decode(byte[] list) {
        List<Integer> out = new ArrayList<>();
        if (list != null) for (int i = 0; i < list.length; i += 4) out.add(ByteBuffer.wrap(list).getInt(i));
        return out;
    }

    /**
     * 12,000 transactions from 4 threads over 6 keys, 1-4 random appends and reads each. Serializable must show no
     * anomaly at all; snapshot isolation nothing but G2 (write skew), which it is expected to show.
     */
    @ParameterizedTest
    @EnumSource(Isolation.class)
    void randomWorkload(Isolation level) throws Exception { workload(level, false, 3000); }

    /**
     * The same at serializable, with each append that is the transaction's last use of its key made inside the
     * commit ({@link Transaction#atCommit}): reading the newest list there instead of the snapshot's must keep every
     * history serializable.
     */
    @Test
    void randomWorkloadWithAppendsInsideTheCommit() throws Exception { workload(Isolation.SERIALIZABLE, true, 2000); }

    private static void workload(Isolation level, boolean appendsAtCommit, int perThread) throws Exception {
        long seed = Long.getLong("history.seed", System.nanoTime());
        int threads = 4, keys = 6;
        AtomicInteger values = new AtomicInteger(), ids = new AtomicInteger();
        List<Txn> history = Collections.synchronizedList(new ArrayList<>());
        try (Store s = Store.inMemory()) {
            Table t = s.table("lists");
            List<Thread> ts = new ArrayList<>();
            for (int th = 0; th < threads; th++) {
                Random rnd = new Random(seed + th);
                ts.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < perThread; i++) {
                        int nOps = 1 + rnd.nextInt(4);
                        int[] kinds = new int[nOps], ks = new int[nOps];
                        for (int j = 0; j < nOps; j++) {
                            kinds[j] = rnd.nextInt(2);
                            ks[j] = rnd.nextInt(keys);
                        }
                        while (true) {
                            List<Op> ops = new ArrayList<>();
                            Transaction tx = s.begin(level);
                            try {
                                for (int j = 0; j < nOps; j++) {
                                    byte[] k = {(byte) ks[j]};
                                    if (kinds[j] == 0) ops.add(Op.read(ks[j], decode(tx.get(t, k))));
                                    else {
                                        int v = values.incrementAndGet();
                                        if (appendsAtCommit && lastUse(ks, j)) tx.atCommit(latest -> latest.put(t, k, appendTo(latest.get(t, k), v)));
                                        else tx.put(t, k, appendTo(tx.get(t, k), v));
                                        ops.add(Op.append(ks[j], v));
                                    }
                                }
                                tx.commit();
                                history.add(new Txn(ids.incrementAndGet(), true, ops));
                                break;
                            } catch (SerializationFailure e) {
                                history.add(new Txn(ids.incrementAndGet(), false, ops));
                            } finally {
                                tx.close();
                            }
                        }
                    }
                }));
            }
            for (Thread th : ts) th.join();
            List<Op> finalReads = new ArrayList<>();
            s.read(tx -> {
                for (int k = 0; k < keys; k++) finalReads.add(Op.read(k, decode(tx.get(t, new byte[] {(byte) k}))));
                return null;
            });
            history.add(new Txn(ids.incrementAndGet(), true, finalReads));
        }
        long committed = history.stream().filter(Txn::committed).count();
        assertTrue(committed >= threads * perThread, "seed " + seed);
        var res = ListAppendChecker.check(history);
        System.out.println(level + (appendsAtCommit ? " (appends at commit)" : "") + ": " + committed + " committed, " + (history.size() - committed) + " aborted, " + res.edges()
                + " edges, anomalies " + res.anomalies() + " (seed " + seed + ")");
        if (level == Isolation.SERIALIZABLE) assertTrue(res.kinds().isEmpty(), "seed " + seed + ": " + res.examples());
        else assertTrue(Set.of("G2").containsAll(res.kinds()), "seed " + seed + ": " + res.examples());
    }
}
