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

    @Test
    void aReplicaJoinsOnlineCatchesUpFromASnapshotAndOneLeaves() throws Exception {
        try (Cluster c = new Cluster(4, Duration.ofMillis(500))) {
            for (int i = 1; i <= 3; i++) c.replicas[i - 1] = ReplicatedStore.open(ReplicaOptions.of(c.root.resolve("n" + i), c.peers.subList(0, 3), i)
                    .withElectionTimeout(c.election).withSnapshotEvery(100));
            ReplicatedStore leader = c.leader(Duration.ofSeconds(30));
            for (int i = 0; i < 600; i++) {
                int k = i;
                leader.call(Isolation.SERIALIZABLE, tx -> { tx.put("t", b("k" + k), b("v" + k)); return null; });
            }
            c.replicas[3] = ReplicatedStore.open(ReplicaOptions.of(c.root.resolve("n4"), c.peers, 4).withElectionTimeout(c.election).withSnapshotEvery(100).asJoining());
            leader.addReplica("n4", "127.0.0.1:" + c.peers.get(3).getPort());
            assertEquals(java.util.Set.of("n1", "n2", "n3", "n4"), leader.members().keySet());
            leader.call(Isolation.SERIALIZABLE, tx -> { tx.put("t", b("joined"), b("yes")); return null; });
            ReplicatedStore n4 = c.replicas[3];
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (n4.readSnapshot(tx -> tx.get("t", b("joined"))) == null && System.nanoTime() < deadline) Thread.sleep(20);
            assertArrayEquals(b("yes"), n4.readSnapshot(tx -> tx.get("t", b("joined"))));
            assertArrayEquals(b("v0"), n4.readSnapshot(tx -> tx.get("t", b("k0"))));
            assertArrayEquals(b("v599"), n4.readSnapshot(tx -> tx.get("t", b("k599"))));
            assertFalse(n4.info().contains("snapshots_installed:0\r\n"), "n4 caught up without a snapshot: " + n4.info());
            String gone = leader == c.replicas[0] ? "n2" : "n1";
            leader.removeReplica(gone);
            assertEquals(4 - 1, leader.members().size());
            leader.call(Isolation.SERIALIZABLE, tx -> { tx.put("t", b("after-removal"), b("1")); return null; });
        }
    }
}
