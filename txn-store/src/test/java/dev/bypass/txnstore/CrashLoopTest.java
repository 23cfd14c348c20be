package dev.bypass.txnstore;

import static dev.bypass.txnstore.Bytes.of;
import static dev.bypass.txnstore.Bytes.str;
import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM under write load with SIGKILL at random moments, 100 times, and checks after each restart that
 * every acknowledged commit is present and no transaction is partly visible. Sync policies rotate: a process crash
 * must lose nothing acknowledged under any of them.
 */
class CrashLoopTest {
    static final int ROUNDS = Integer.getInteger("crashloop.rounds", 100);

    @Test
    void acknowledgedCommitsSurviveSigkill(@TempDir Path dir) throws Exception {
        long seed = Long.getLong("crashloop.seed", System.nanoTime());
        Random rnd = new Random(seed);
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Map<Integer, Integer> acked = new HashMap<>();
        int totalAcks = 0, killedBeforeReady = 0;
        for (int round = 0; round < ROUNDS; round++) {
            SyncPolicy policy = SyncPolicy.values()[round % 3];
            Process p = new ProcessBuilder(javaBin, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx96m", "-Xss512k",
                    "-cp", System.getProperty("java.class.path"), CrashWorker.class.getName(), dir.toString(), policy.name())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread reader = Thread.ofPlatform().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                    for (String l; (l = r.readLine()) != null; ) lines.add(l);
                } catch (java.io.IOException ignored) {
                    // killed
                }
            });
            boolean early = rnd.nextInt(10) == 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90); // a JVM start on a loaded machine
            if (early) {
                Thread.sleep(50 + rnd.nextInt(250)); // maybe during startup or recovery
            } else {
                while (!lines.contains("ready") && System.nanoTime() < deadline) Thread.sleep(2);
                assertTrue(lines.contains("ready"), "round " + round + ": the child did not start (seed " + seed + ")");
                Thread.sleep(rnd.nextInt(120));
            }
            if (!lines.contains("ready")) killedBeforeReady++;
            p.destroyForcibly(); // SIGKILL on Linux
            p.waitFor();
            reader.join();
            for (String l : List.copyOf(lines)) {
                if (!l.startsWith("ack ")) continue;
                String[] f = l.split(" ");
                acked.merge(Integer.parseInt(f[1]), Integer.parseInt(f[2]), Math::max);
                totalAcks++;
            }
            int r0 = round;
            try (Store s = Store.open(StoreOptions.durable(dir))) {
                s.read(tx -> {
                    Map<Integer, Integer> last = new HashMap<>();
                    for (Entry e : tx.scan(s.table("c"), null, null, 100)) last.put(Integer.parseInt(str(e.key())), Integer.parseInt(str(e.value())));
                    for (var a : acked.entrySet())
                        assertTrue(last.getOrDefault(a.getKey(), -1) >= a.getValue(),
                                "round " + r0 + ": thread " + a.getKey() + " acknowledged " + a.getValue() + " but the store has "
                                        + last.get(a.getKey()) + " (seed " + seed + ")");
                    int aCount = 0;
                    for (Entry e : tx.scan(s.table("a"), null, null, Integer.MAX_VALUE)) {
                        aCount++;
                        String[] k = str(e.key()).split("-");
                        int t = Integer.parseInt(k[0]), i = Integer.parseInt(k[1]);
                        assertTrue(i <= last.get(t), "round " + r0 + ": a/" + str(e.key()) + " without its c update (partial transaction)");
                        assertNotNull(tx.get(s.table("b"), e.key()), "round " + r0 + ": a/" + str(e.key()) + " without b (partial transaction)");
                    }
                    int expected = 0;
                    for (int v : last.values()) expected += v + 1;
                    assertEquals(expected, aCount, "round " + r0 + ": every transaction up to the last one is present");
                    assertEquals(expected, tx.scan(s.table("b"), null, null, Integer.MAX_VALUE).size());
                    return null;
                });
            }
        }
        System.out.println("crash loop: " + ROUNDS + " kills (" + killedBeforeReady + " before ready), " + totalAcks + " acknowledged commits, seed " + seed);
        assertTrue(totalAcks > ROUNDS, "the child made progress");
    }
}
