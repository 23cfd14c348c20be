package dev.bypass.txnstore;

import static dev.bypass.txnstore.Bytes.of;
import static dev.bypass.txnstore.Bytes.str;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Child process of {@link CrashLoopTest}: opens (recovering) the store and commits transactions from several
 * threads until killed. Thread t's transaction i writes {@code a/t-i}, {@code b/t-i} and {@code c/t = i}; it prints
 * {@code ack t i} only after commit returned.
 */
public final class CrashWorker {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        SyncPolicy policy = SyncPolicy.valueOf(args[1]);
        int threads = 3;
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false);
        Store s = Store.open(StoreOptions.durable(dir).withSync(policy).withAutoCheckpoint(48 << 10));
        synchronized (out) {
            out.println("ready");
            out.flush();
        }
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread.ofPlatform().start(() -> {
                byte[] ck = of("" + id);
                byte[] last = s.read(tx -> tx.get(s.table("c"), ck));
                int i = last == null ? 0 : Integer.parseInt(str(last)) + 1;
                while (true) {
                    int n = i;
                    s.run(Isolation.SERIALIZABLE, tx -> {
                        tx.put(s.table("a"), of(id + "-" + n), of("x".repeat(n % 50)));
                        tx.put(s.table("b"), of(id + "-" + n), of("y"));
                        tx.put(s.table("c"), ck, of("" + n));
                    });
                    synchronized (out) {
                        out.println("ack " + id + " " + n);
                        out.flush();
                    }
                    i++;
                }
            });
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
