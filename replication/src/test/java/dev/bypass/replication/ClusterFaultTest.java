package dev.bypass.replication;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.txnstore.ListAppendChecker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Three replicas in child processes serving RESP, list-append clients on any replica (followers relay to the
 * leader) while the leader is killed with SIGKILL and restarted, a follower is paused (SIGSTOP) and resumed, and a
 * fourth replica joins online (started outside the group, then added) and catches up from the leader's newest
 * snapshot plus the log tail; then leader kills in a row ({@code -Dreplication.kills}, default 3;
 * {@code bench/scripts/store-replicated.sh} runs 20). At the end: no anomaly at serializable, every acknowledged
 * append present, every replica's data identical. Each replica's output is kept in {@code target/replica-logs}
 * ({@code -Dreplication.ratisLog=info} for Ratis's own account).
 */
class ClusterFaultTest {
    static final long ELECTION_MS = Long.getLong("replication.electionMs", 500);

    @Test
    void listAppendSurvivesLeaderKillsPausesAndAJoin() throws Exception {
        long seed = Long.getLong("replication.seed", System.nanoTime());
        int kills = Integer.getInteger("replication.kills", 3);
        try (ProcessCluster c = new ProcessCluster(4, 3, ELECTION_MS)) {
            for (int i = 1; i <= 3; i++) c.start(i, 3);
            int leader = c.leader(60_000);
            ListAppendClients clients = new ListAppendClients(c, 8);
            clients.start(4, seed);
            Thread.sleep(1500);

            // the leader dies and comes back
            c.kill(leader);
            long t0 = System.nanoTime();
            int next = c.leader(60_000);
            System.out.printf("leader n%d killed; n%d leads after %d ms%n", leader, next, (System.nanoTime() - t0) / 1_000_000);
            Thread.sleep(1000);
            c.start(leader, 3);
            Thread.sleep(1500);

            // a follower is cut off (paused) and returns
            int follower = next == 1 ? 2 : 1;
            c.signal(follower, "STOP");
            Thread.sleep(2000);
            c.signal(follower, "CONT");
            Thread.sleep(1000);

            // a fourth replica joins online and catches up from the leader's newest checkpoint plus the log tail
            while (Long.parseLong(c.info(c.leader(60_000)).get("snapshot_index")) < 0) Thread.sleep(100);
            c.startJoining(4);
            t0 = System.nanoTime();
            c.add(4);
            System.out.printf("n4 added after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            long joinDeadline = System.nanoTime() + 60_000_000_000L;
            while (Long.parseLong(c.info(4).get("snapshots_installed")) == 0 && System.nanoTime() < joinDeadline) Thread.sleep(100);
            assertTrue(Long.parseLong(c.info(4).get("snapshots_installed")) > 0, "n4 did not catch up from a snapshot: " + c.info(4));
            Thread.sleep(1000);

            // leader kills in a row, clients retrying
            for (int k = 0; k < kills; k++) {
                int l = c.leader(60_000);
                c.kill(l);
                t0 = System.nanoTime();
                int n = c.leader(60_000);
                System.out.printf("kill %d: n%d killed, n%d leads after %d ms%n", k + 1, l, n, (System.nanoTime() - t0) / 1_000_000);
                c.start(l, l == 4 ? 4 : 3);
                Thread.sleep(500);
            }
            Thread.sleep(1000);
            clients.stop();

            // every replica converges on the same lists
            Map<Integer, List<Integer>> reference = null;
            long deadline = System.nanoTime() + 60_000_000_000L;
            List<Map<Integer, List<Integer>>> all = new ArrayList<>();
            while (System.nanoTime() < deadline) {
                all.clear();
                int leaderNow = c.leader(60_000);
                for (int i = 1; i <= 4; i++) all.add(lists(c, i, i == leaderNow, clients.keys));
                if (all.stream().allMatch(all.getFirst()::equals)) break;
                Thread.sleep(200);
            }
            reference = all.getFirst();
            for (int i = 0; i < all.size(); i++) assertEquals(reference, all.get(i), "replica n" + (i + 1) + " differs from n1 (seed " + seed + ")");

            List<String> lost = new ArrayList<>();
            var history = clients.history(reference, lost);
            var result = ListAppendChecker.check(history);
            System.out.printf("%d acknowledged, %d refused, %d unknown; %d values in the lists; anomalies %s (seed %d)%n",
                    clients.acked.get(), clients.failed.get(), clients.unknown.get(),
                    reference.values().stream().mapToInt(List::size).sum(), result.anomalies(), seed);
            assertTrue(lost.isEmpty(), "acknowledged commits lost (seed " + seed + "): " + lost.subList(0, Math.min(10, lost.size())));
            assertTrue(result.kinds().isEmpty(), "anomalies (seed " + seed + "): " + result.examples());
            assertTrue(clients.acked.get() > 100, "too few transactions acknowledged to mean anything: " + clients.acked.get());
        }
    }

    /** Every key's list as replica {@code i} holds it (a snapshot read on a follower, a linearizable one on the leader). */
    static Map<Integer, List<Integer>> lists(ProcessCluster c, int i, boolean leader, int keys) {
        Map<Integer, List<Integer>> out = new TreeMap<>();
        try (Jedis j = ProcessCluster.connect(c.respPorts[i - 1])) {
            if (!leader) j.sendCommand(() -> "READONLY".getBytes());
            for (int k = 0; k < keys; k++) out.put(k, j.lrange("k" + k, 0, -1).stream().map(Integer::parseInt).toList());
        }
        return out;
    }
}
