package dev.bypass.replication;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.txnstore.Isolation;
import dev.bypass.txnstore.StoreException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReplicationSmokeTest {
    static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    @Test
    void commitsReachEveryReplicaAndSurviveLeaderLoss() throws Exception {
        try (Cluster c = new Cluster(3, Duration.ofMillis(500))) {
            c.startAll();
            ReplicatedStore leader = c.leader(Duration.ofSeconds(30));
            for (int i = 0; i < 500; i++) {
                int k = i;
                leader.call(Isolation.SERIALIZABLE, tx -> { tx.put("t", b("k" + k), b("v" + k)); return null; });
            }
            for (ReplicatedStore r : c.replicas) {
                if (r == leader) continue;
                assertThrows(StoreException.class, () -> r.call(Isolation.SERIALIZABLE, tx -> { tx.put("t", b("x"), b("y")); return null; }));
            }
            int old = c.indexOf(leader);
            c.stop(old);
            ReplicatedStore next = c.leader(Duration.ofSeconds(30));
            assertNotSame(leader, next);
            next.call(Isolation.SERIALIZABLE, tx -> { tx.put("t", b("after"), b("1")); return null; });
            assertArrayEquals(b("v499"), next.read(tx -> tx.get("t", b("k499"))));
            c.start(old);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (c.replicas[old - 1].readSnapshot(tx -> tx.get("t", b("after"))) == null && System.nanoTime() < deadline) Thread.sleep(20);
            assertArrayEquals(b("1"), c.replicas[old - 1].readSnapshot(tx -> tx.get("t", b("after"))));
            assertArrayEquals(b("v0"), c.replicas[old - 1].readSnapshot(tx -> tx.get("t", b("k0"))));
            System.out.println(next.info());
        }
    }
}
