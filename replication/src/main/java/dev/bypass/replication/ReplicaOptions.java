package dev.bypass.replication;

import dev.bypass.txnstore.StoreOptions;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How one replica starts: its directory, the consensus addresses of the group's replicas in order and which of
 * them ({@code self}, 1-based) it is; replica {@code i} is named {@code n<i>}. {@code electionTimeoutMin} (and twice
 * it, the maximum) bounds how long followers wait for a silent leader before electing another: failover time.
 * {@code linearizableReads}: reads on the leader confirm its leadership (a lease, else a heartbeat round) before
 * their replies go out. {@code snapshotEvery}: log entries between checkpoints (the Raft snapshots). {@code joining}:
 * a new replica that waits, outside the group, to be added to it ({@link Membership}); it takes no part in elections
 * until the group's configuration names it, and catches up from the leader's newest checkpoint plus the log tail.
 * Once it holds a log it restarts like any other replica (the configuration then comes from its log).
 */
public record ReplicaOptions(Path directory, List<InetSocketAddress> peers, int self, Duration electionTimeoutMin,
                             boolean linearizableReads, long snapshotEvery, Duration commitTimeout, boolean joining) {
    public ReplicaOptions {
        if (directory == null) throw new IllegalArgumentException("a replica needs a directory");
        peers = List.copyOf(peers);
        if (peers.isEmpty()) throw new IllegalArgumentException("the peer list is empty");
        if (self < 1 || self > peers.size())
            throw new IllegalArgumentException("replica number " + self + " is not between 1 and the " + peers.size() + " peers given");
        if (electionTimeoutMin.toMillis() < 50) throw new IllegalArgumentException("election timeout below 50 ms: " + electionTimeoutMin);
        if (snapshotEvery < 16) throw new IllegalArgumentException("snapshot interval below 16 entries: " + snapshotEvery);
    }

    /**
     * Defaults: 500 ms election timeout (500-1000 ms randomized; see {@link ReplicatedStore} for the trade-off),
     * linearizable reads, a checkpoint every 20,000 entries.
     */
    public static ReplicaOptions of(Path directory, List<InetSocketAddress> peers, int self) {
        return new ReplicaOptions(directory, peers, self, Duration.ofMillis(500), true, 20_000, Duration.ofSeconds(30), false);
    }

    public ReplicaOptions withElectionTimeout(Duration min) {
        return new ReplicaOptions(directory, peers, self, min, linearizableReads, snapshotEvery, commitTimeout, joining);
    }

    public ReplicaOptions withSnapshotEvery(long entries) {
        return new ReplicaOptions(directory, peers, self, electionTimeoutMin, linearizableReads, entries, commitTimeout, joining);
    }

    public ReplicaOptions withLinearizableReads(boolean on) {
        return new ReplicaOptions(directory, peers, self, electionTimeoutMin, on, snapshotEvery, commitTimeout, joining);
    }

    /** A new replica, to be added to a running group: {@code peers} name the group's replicas and this one. */
    public ReplicaOptions asJoining() {
        return new ReplicaOptions(directory, peers, self, electionTimeoutMin, linearizableReads, snapshotEvery, commitTimeout, true);
    }

    /** The name of replica {@code i} (1-based). */
    public static String peerName(int i) { return "n" + i; }

    public String name() { return peerName(self); }

    /** The store's options: checkpoints in {@code directory/store}, taken only when Ratis asks for a snapshot. */
    StoreOptions storeOptions() { return StoreOptions.durable(directory.resolve("store")); }

    /**
     * Parses {@code host:port,host:port,...}, naming what is wrong with a bad entry.
     *
     * @throws IllegalArgumentException for a malformed list
     */
    public static List<InetSocketAddress> parsePeers(String list) {
        List<InetSocketAddress> out = new ArrayList<>();
        if (list == null || list.isBlank()) throw new IllegalArgumentException("--peers is empty: give host:port of every replica, in order");
        int i = 0;
        for (String p : list.split(",")) {
            i++;
            String s = p.trim();
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1)
                throw new IllegalArgumentException("peer " + i + " '" + s + "' is not host:port");
            int port;
            try {
                port = Integer.parseInt(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("peer " + i + " '" + s + "' has a port that is not a number");
            }
            if (port < 1 || port > 65535) throw new IllegalArgumentException("peer " + i + " '" + s + "' has port " + port + " outside 1-65535");
            out.add(InetSocketAddress.createUnresolved(s.substring(0, colon), port));
        }
        return out;
    }
}
