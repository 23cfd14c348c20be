package dev.bypass.bench.store;

import dev.bypass.txnstore.CheckpointResult;
import dev.bypass.txnstore.Isolation;
import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.StoreOptions;
import dev.bypass.txnstore.SyncPolicy;
import dev.bypass.txnstore.Table;
import dev.bypass.txnstore.Transaction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * Write latency while checkpoints run versus steady state, and the time a checkpoint holds writers to take its
 * snapshot at two data sizes. One writer thread updates random keys (100-byte values) in serializable
 * transactions against a durable store (log written to the OS, sync policy NEVER, so the figures are about the
 * checkpoint, not the disk's fsync): steady state, and the same load while checkpoints run back to back on the
 * store's background thread; the two phases alternate in slices of about five seconds.
 * Usage: CheckpointLatency [keys=1000000] [seconds=10] [bigKeys=4000000] (bigKeys 0: no snapshot-start table)
 */
public final class CheckpointLatency {
    static Histogram phase(Store store, Table t, long keys, double seconds, boolean checkpoints, long[] count) {
        Histogram h = new Histogram(3_600_000_000_000L, 3);
        phase(store, t, keys, seconds, checkpoints, count, h, new SplittableRandom(5));
        return h;
    }

    static void phase(Store store, Table t, long keys, double seconds, boolean checkpoints, long[] count, Histogram h, SplittableRandom rnd) {
        byte[] value = new byte[100];
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            if (checkpoints && !store.checkpointRunning()) {
                store.checkpointAsync();
                count[0]++;
            }
            rnd.nextBytes(value);
            byte[] k = YcsbComparison.key(rnd.nextLong(keys));
            long t0 = System.nanoTime();
            try (Transaction tx = store.begin(Isolation.SERIALIZABLE)) {
                tx.put(t, k, value);
                tx.commit();
            }
            h.recordValue(System.nanoTime() - t0);
        }
        store.checkpointAsync().join();
    }

    static Store loaded(Path dir, long keys) {
        Store store = Store.open(new StoreOptions(dir, SyncPolicy.NEVER, 1000, 0));
        Table t = store.table("usertable");
        byte[] value = new byte[100];
        for (long i = 0; i < keys; i += 1000) {
            long from = i;
            store.run(Isolation.SNAPSHOT, tx -> {
                for (long j = from; j < Math.min(keys, from + 1000); j++) tx.put(t, YcsbComparison.key(j), value);
            });
        }
        return store;
    }

    static String row(String name, Histogram h) {
        return String.format(Locale.ROOT, "| %s | %,d | %.1f | %.1f | %.1f | %.1f | %.1f |", name, h.getTotalCount(), h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3, h.getValueAtPercentile(99.99) / 1e3, h.getMaxValue() / 1e3);
    }

    public static void main(String[] args) throws Exception {
        long keys = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 10;
        long bigKeys = args.length > 2 ? Long.parseLong(args[2]) : 4_000_000;
        Path dir = Files.createTempDirectory("ckpt-bench");
        Histogram steady, during;
        long[] count = {0};
        CheckpointResult last;
        try (Store store = loaded(dir.resolve("a"), keys)) {
            Table t = store.table("usertable");
            phase(store, t, keys, Math.min(3, seconds), false, new long[1]); // warm-up
            // The two phases alternate in slices of about five seconds (at least one checkpoint each), so a change of
            // the machine's load during the run falls on both alike.
            steady = new Histogram(3_600_000_000_000L, 3);
            during = new Histogram(3_600_000_000_000L, 3);
            int slices = (int) Math.max(1, Math.round(seconds / 5));
            SplittableRandom rnd = new SplittableRandom(5);
            for (int s = 0; s < slices; s++) {
                phase(store, t, keys, seconds / slices, false, new long[1], steady, rnd);
                phase(store, t, keys, seconds / slices, true, count, during, rnd);
            }
            last = store.lastCheckpoint();
        }
        System.out.printf(Locale.ROOT, "Write latency, %,d keys x 100 B, 1 writer, serializable update transactions (microseconds)%n", keys);
        System.out.println("| phase | commits | p50 | p99 | p99.9 | p99.99 | max |");
        System.out.println("|---|---|---|---|---|---|---|");
        System.out.println(row("steady state", steady));
        System.out.println(row(count[0] + " checkpoints running back to back", during));
        System.out.printf(Locale.ROOT, "p99.9 during checkpoints / steady: %.2fx; last checkpoint: %,d entries, snapshot %.1f us, written in %.0f ms%n",
                (double) during.getValueAtPercentile(99.9) / steady.getValueAtPercentile(99.9), last.entries(), last.snapshotNanos() / 1e3, last.totalNanos() / 1e6);
        if (bigKeys > 0) {
            System.out.println("| keys | data (keys x 100 B) | snapshot start (writers held), median of 11 | checkpoint total |");
            System.out.println("|---|---|---|---|");
            for (long n : new long[] {keys, bigKeys}) {
                try (Store store = loaded(dir.resolve("s" + n), n)) {
                    long[] starts = new long[11];
                    long total = 0;
                    for (int i = 0; i < starts.length; i++) {
                        CheckpointResult r = store.checkpoint();
                        starts[i] = r.snapshotNanos();
                        total = r.totalNanos();
                    }
                    java.util.Arrays.sort(starts);
                    System.out.printf(Locale.ROOT, "| %,d | %,d MB | %.1f us (min %.1f) | %,.0f ms |%n", n, n * 100 / 1_000_000, starts[5] / 1e3, starts[0] / 1e3, total / 1e6);
                }
            }
        }
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
