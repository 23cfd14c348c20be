package dev.bypass.replication;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.txnstore.Isolation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The leader's log appender for each follower fails at the start of its loop: the followers still receive every
 * commit (a new appender replaces each failed one). With Ratis's own handling the failed appenders stayed dead, the
 * followers got no entries until another election, and with both of them cut off nothing could commit.
 */
class AppenderFailureTest {
    static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    @AfterEach void noMoreFailures() { RestartingGrpc.beforeLoop = f -> { }; }

    @Test
    void followersWhoseAppendersFailStillReceiveCommits() throws Exception {
        Set<String> failed = ConcurrentHashMap.newKeySet();
        RestartingGrpc.beforeLoop = f -> {
            if (failed.add(f.getId().toString())) throw new IllegalStateException("appender failure staged by the test");
        };
        try (Cluster c = new Cluster(3, Duration.ofMillis(500))) {
            c.startAll();
            ReplicatedStore leader = c.leader(Duration.ofSeconds(30));
            for (int i = 0; i < 50; i++) {
                int k = i;
                leader.call(Isolation.SERIALIZABLE, tx -> { tx.put("t", b("k" + k), b("v" + k)); return null; });
            }
            for (ReplicatedStore r : c.replicas) {
                if (r == leader) continue;
                String name = "n" + c.indexOf(r);
                assertTrue(failed.contains(name), "no failure was staged for " + name + ": " + failed);
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (r.readSnapshot(tx -> tx.get("t", b("k49"))) == null && System.nanoTime() < deadline) Thread.sleep(20);
                assertArrayEquals(b("v49"), r.readSnapshot(tx -> tx.get("t", b("k49"))), name + " fell behind after its appender failed");
            }
        }
    }
}
