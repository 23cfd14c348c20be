package dev.bypass.bench.store;

import dev.bypass.txnstore.Isolation;
import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.Table;
import dev.bypass.txnstore.Transaction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.tx.TransactionMap;
import org.h2.mvstore.tx.TransactionStore;

/**
 * YCSB workloads A (50% read, 50% update), B (95/5) and C (read only) with Zipfian keys, one thread, one
 * transaction per operation, in process: this store (in-memory mode, reads in read-only transactions, updates in
 * serializable ones) against H2 MVStore's TransactionStore (in-memory). Same key count and value size.
 * Usage: YcsbComparison [keys=1000000] [seconds=5] [workloads=ABC]
 */
public final class YcsbComparison {
    interface Db {
        void load(byte[] key, byte[] value);

        byte[] read(byte[] key);

        void update(byte[] key, byte[] value);
    }

    static final class Bypass implements Db {
        final Store store = Store.inMemory();
        final Table t = store.table("usertable");

        @Override public void load(byte[] k, byte[] v) {
            try (Transaction tx = store.begin(Isolation.SNAPSHOT)) {
                tx.put(t, k, v);
                tx.commit();
            }
        }

        @Override public byte[] read(byte[] k) {
            try (Transaction tx = store.beginReadOnly()) {
                return tx.get(t, k);
            }
        }

        @Override public void update(byte[] k, byte[] v) {
            try (Transaction tx = store.begin(Isolation.SERIALIZABLE)) {
                tx.put(t, k, v);
                tx.commit();
            }
        }
    }

    static final class H2 implements Db {
        final MVStore mv = MVStore.open(null);
        final TransactionStore ts = new TransactionStore(mv);

        H2() { ts.init(); }

        @Override public void load(byte[] k, byte[] v) { update(k, v); }

        @Override public byte[] read(byte[] k) {
            org.h2.mvstore.tx.Transaction tx = ts.begin();
            TransactionMap<byte[], byte[]> m = tx.openMap("usertable");
            byte[] v = m.get(k);
            tx.commit();
            return v;
        }

        @Override public void update(byte[] k, byte[] v) {
            org.h2.mvstore.tx.Transaction tx = ts.begin();
            TransactionMap<byte[], byte[]> m = tx.openMap("usertable");
            m.put(k, v);
            tx.commit();
        }
    }

    static byte[] key(long i) { return ("user" + Long.toString(i * 0x9E3779B97F4A7C15L >>> 1, 36)).getBytes(StandardCharsets.US_ASCII); }

    static double run(Db db, double readFraction, long keys, double seconds, long seed) {
        Zipfian z = new Zipfian(keys, seed);
        byte[] value = new byte[100];
        new SplittableRandom(seed).nextBytes(value);
        long ops = 0, sink = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime();
        while (true) {
            for (int i = 0; i < 1000; i++) {
                byte[] k = key(z.next());
                if (z.nextDouble() < readFraction) {
                    byte[] v = db.read(k);
                    if (v != null) sink += v[0];
                } else db.update(k, value);
            }
            ops += 1000;
            if (System.nanoTime() >= end) break;
        }
        double secs = (System.nanoTime() - start) / 1e9;
        if (sink == 42) System.out.print("");
        return ops / secs;
    }

    public static void main(String[] args) {
        long keys = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 5;
        String only = args.length > 2 ? args[2].toUpperCase(Locale.ROOT) : "ABC";
        byte[] value = new byte[100];
        new SplittableRandom(1).nextBytes(value);
        Db[] dbs = {new Bypass(), new H2()};
        String[] names = {"bypass txn-store", "H2 MVStore TransactionStore"};
        for (Db db : dbs) for (long i = 0; i < keys; i++) db.load(key(i), value);
        String[] workloads = {"A", "B", "C"};
        double[] reads = {0.5, 0.95, 1.0};
        double[][] result = new double[2][3];
        for (int w = 0; w < 3; w++) {
            if (only.indexOf(workloads[w].charAt(0)) < 0) continue;
            for (int d = 0; d < 2; d++) run(dbs[d], reads[w], keys, Math.min(2, seconds), 7); // warm-up
            // Both sides alternate in slices of at most one second, so a change of the machine's load during the run
            // falls on both alike; each side's rate is its operations over its own time.
            int slices = (int) Math.max(1, Math.ceil(seconds));
            double[] ops = new double[2], time = new double[2];
            for (int s = 0; s < slices; s++)
                for (int d = 0; d < 2; d++) {
                    double secs = seconds / slices;
                    double rate = run(dbs[d], reads[w], keys, secs, 11 + w + 31L * s);
                    ops[d] += rate * secs;
                    time[d] += secs;
                }
            for (int d = 0; d < 2; d++) result[d][w] = ops[d] / time[d];
        }
        System.out.printf(Locale.ROOT, "YCSB, %,d keys x 100 B, Zipfian 0.99, 1 thread, one transaction per operation (%.0f s per side, alternating 1 s slices)%n", keys, seconds);
        System.out.println("| workload | " + names[0] + " (txn/s) | " + names[1] + " (txn/s) | ratio |");
        System.out.println("|---|---|---|---|");
        for (int w = 0; w < 3; w++)
            if (result[0][w] > 0)
                System.out.printf(Locale.ROOT, "| YCSB-%s | %,.0f | %,.0f | %.2fx |%n", workloads[w], result[0][w], result[1][w], result[0][w] / result[1][w]);
    }
}
