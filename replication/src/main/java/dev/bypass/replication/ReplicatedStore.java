package dev.bypass.replication;

import dev.bypass.txnstore.Isolation;
import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.StoreException;
import dev.bypass.txnstore.Transaction;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * One replica of a store replicated with Apache Ratis: a local {@link Store} whose commits are decided by the Raft
 * log (see {@link StoreStateMachine}). On the leader, {@link #store()} runs transactions as on one machine and a
 * commit returns once a majority holds it; on a follower it serves snapshot reads and refuses writes.
 *
 * <pre>{@code
 * try (ReplicatedStore r = ReplicatedStore.open(ReplicaOptions.of(dir, peers, 1))) {
 *     r.awaitLeader(Duration.ofSeconds(10));
 *     if (r.isLeader()) r.store().run(Isolation.SERIALIZABLE, tx -> tx.put("t", key, value));
 * }
 * }</pre>
 */
public final class ReplicatedStore implements AutoCloseable {
    /** The group every replica of a store belongs to. */
    static final RaftGroupId GROUP = RaftGroupId.valueOf(UUID.nameUUIDFromBytes("bypass-replicated-store".getBytes()));

    private final ReplicaOptions options;
    private final StoreStateMachine machine;
    private final Store store;
    private final RaftServer server;
    private final RaftServer.Division division;
    private final RaftClient client;
    private final List<RaftPeer> initialPeers;
    private volatile boolean closed;

    private ReplicatedStore(ReplicaOptions options) throws IOException {
        this.options = options;
        Path raftDir = options.directory().resolve("raft");
        Files.createDirectories(raftDir);
        machine = new StoreStateMachine(options.directory().resolve("store"), options.linearizableReads(), options.commitTimeout().toMillis());
        initialPeers = new ArrayList<>();
        for (int i = 0; i < options.peers().size(); i++) initialPeers.add(peer(i + 1, options.peers().get(i)));
        RaftProperties props = properties(options, raftDir);
        boolean existing = Files.isDirectory(raftDir.resolve(GROUP.getUuid().toString()));
        RaftGroup group = RaftGroup.valueOf(GROUP, initialPeers);
        // A new replica starts with no configuration of its own (Ratis then runs no election timer for it) and learns
        // the group's from the leader once it is added; one that already holds a log recovers it from there.
        RaftGroup startAs = options.joining() && !existing ? RaftGroup.valueOf(GROUP, List.of()) : group;
        // The state machine opens the store on its directory's checkpoint before the log replays what follows.
        store = Store.open(options.storeOptions(), machine);
        try {
            server = RaftServer.newBuilder().setServerId(RaftPeerId.valueOf(options.name())).setGroup(startAs)
                    .setStateMachine(machine).setProperties(props)
                    .setOption(existing ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT).build();
            server.start();
            division = server.getDivision(GROUP);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        client = RaftClient.newBuilder().setProperties(clientProperties()).setRaftGroup(group)
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(5, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS))).build();
    }

    /** Starts (creating or recovering) a replica; it joins elections at once. */
    public static ReplicatedStore open(ReplicaOptions options) {
        try {
            return new ReplicatedStore(options);
        } catch (IOException e) {
            throw new StoreException("cannot start replica " + options.name() + " in " + options.directory() + ": " + e.getMessage(), e);
        }
    }

    static RaftPeer peer(int i, InetSocketAddress a) {
        return RaftPeer.newBuilder().setId(ReplicaOptions.peerName(i)).setAddress(a.getHostString() + ":" + a.getPort()).build();
    }

    /**
     * Ratis settings, tuned from its defaults. Election timeout from the options, randomized up to twice it (default
     * 500-1000 ms; Ratis's 150-300 ms elect spuriously on a loaded machine): the leader heartbeats every half of the
     * minimum, so a follower notices a dead leader 0.5-1 s after its last heartbeat, and failover is that plus a
     * pre-vote, a vote and the new leader's first entry committed and applied. The trade-off: a leader whose process
     * is starved of CPU (or paused) for longer than that loses office; pre-vote (Ratis's default, kept) stops a
     * single starved follower from disturbing a healthy leader, since the others refuse while they hear from it.
     * Leader lease on (90% of the minimum timeout) for linearizable reads without a heartbeat round; a commit waits
     * for the log's fsync on a majority (Ratis's default); room for many in-flight entries; a snapshot every
     * {@code snapshotEvery} entries; gRPC with a failed log appender replaced rather than left dead ({@link RestartingGrpc}).
     */
    static RaftProperties properties(ReplicaOptions o, Path raftDir) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, new RestartingGrpc());
        RaftServerConfigKeys.setStorageDir(p, List.of(raftDir.toFile()));
        GrpcConfigKeys.Server.setHost(p, o.peers().get(o.self() - 1).getHostString()); // its own address, not every interface
        GrpcConfigKeys.Server.setPort(p, o.peers().get(o.self() - 1).getPort());
        long min = o.electionTimeoutMin().toMillis();
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(min, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2 * min, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(Math.max(3000, 3 * min), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, true);
        RaftServerConfigKeys.LeaderElection.setPreVote(p, true);
        RaftServerConfigKeys.Write.setElementLimit(p, 1 << 16);
        RaftServerConfigKeys.Write.setByteLimit(p, SizeInBytes.valueOf("1GB"));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, o.snapshotEvery());
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("16MB"));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf("1MB"));
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, true);
        return p;
    }

    private static RaftProperties clientProperties() {
        RaftProperties p = new RaftProperties();
        org.apache.ratis.client.RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(5, TimeUnit.SECONDS));
        return p;
    }

    public ReplicaOptions options() { return options; }

    /** The local store: transactions commit through the leader's log (on a follower they fail with READONLY). */
    public Store store() { return store; }

    public String name() { return options.name(); }

    public boolean isLeader() { return division.getInfo().isLeader(); }

    /** True once this replica leads and has applied every entry of earlier terms: it takes commits. */
    public boolean isReadyLeader() { return division.getInfo().isLeader() && division.getInfo().isLeaderReady(); }

    /** The leader's name as this replica knows it, or null. */
    public String leader() {
        RaftPeerId id = division.getInfo().getLeaderId();
        return id == null ? null : id.toString();
    }

    /** Waits until some replica is known to lead; returns its name. */
    public String awaitLeader(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String l = leader();
            if (l != null && (!l.equals(name()) || isReadyLeader())) return l;
            sleep(10);
        }
        throw new StoreException("no leader elected within " + timeout.toMillis() + " ms (replica " + name() + ")");
    }

    /**
     * Runs a transaction on this replica, which must lead; the commit returns once a majority holds it. Retries
     * serialization failures like {@link Store#call}.
     */
    public <T> T call(Isolation isolation, Function<Transaction, T> body) { return store.call(isolation, body); }

    /**
     * A linearizable read: on the leader, reads the newest state and then confirms leadership (lease or heartbeat
     * round), so it sees every commit acknowledged before it began. Fails with READONLY on a follower.
     */
    public <T> T read(Function<Transaction, T> body) {
        if (!isLeader()) throw new StoreException("READONLY replica " + name() + " is a follower (leader: " + machine.leaderName() + "); use readSnapshot");
        Store.Deferred<T> d = store.readDeferred(body);
        store.awaitDurable(Math.max(1, d.ticket()));
        return d.result();
    }

    /** A snapshot read of this replica's committed state, on any replica: consistent, possibly behind the leader. */
    public <T> T readSnapshot(Function<Transaction, T> body) { return store.read(body); }

    /** Called with the new leader's name (or null) whenever leadership changes. */
    public void onLeaderChange(Consumer<String> listener) {
        machine.onLeaderChange(id -> listener.accept(id == null ? null : id.toString()));
    }

    /** Tells the group, through its leader, where this replica serves RESP; retried until it lands. */
    public void announceRespAddress(String hostPort) {
        Thread.ofPlatform().name("replica-announce").daemon().start(() -> {
            while (!closed) {
                try {
                    RaftClientReply r = client.io().send(Message.valueOf(LogEntries.encode(new LogEntries.Address(name(), hostPort))));
                    if (r.isSuccess()) return;
                } catch (IOException | RuntimeException e) {
                    // no leader yet: try again
                }
                sleep(200);
            }
        });
    }

    /** The RESP address replica {@code name} announced, or null. */
    public String respAddress(String name) { return machine.respAddresses().get(name); }

    /** The group's members as this replica knows them: name to consensus address. */
    public Map<String, String> members() {
        Map<String, String> out = new java.util.TreeMap<>();
        for (RaftPeer p : division.getRaftConf().getCurrentPeers()) out.put(p.getId().toString(), p.getAddress());
        return out;
    }

    /** Adds replica {@code name} at consensus address {@code hostPort} (it must be running), through this replica's group. */
    public void addReplica(String name, String hostPort) {
        Map<String, String> now = members();
        if (now.containsKey(name)) throw new IllegalArgumentException("replica " + name + " is already a member");
        Map<String, String> target = new java.util.TreeMap<>(now);
        target.put(name, hostPort);
        Membership.set(now, target);
    }

    /** Removes replica {@code name} from the group. */
    public void removeReplica(String name) {
        Map<String, String> now = members();
        if (!now.containsKey(name)) throw new IllegalArgumentException("replica " + name + " is not a member");
        Map<String, String> target = new java.util.TreeMap<>(now);
        target.remove(name);
        Membership.set(now, target);
    }

    /** The lines of {@code INFO replication}. */
    public String info() {
        var i = division.getInfo();
        var log = division.getRaftLog();
        long commit = log.getLastCommittedIndex(), applied = i.getLastAppliedIndex(), last = log.getLastEntryTermIndex() == null ? 0 : log.getLastEntryTermIndex().getIndex();
        StringBuilder sb = new StringBuilder();
        sb.append("role:").append(i.isLeader() ? "leader" : i.isFollower() ? "follower" : i.getCurrentRole().name().toLowerCase()).append("\r\n");
        sb.append("replica:").append(name()).append("\r\n");
        String leader = leader();
        sb.append("leader:").append(leader == null ? "" : leader).append("\r\n");
        String leaderResp = leader == null ? null : respAddress(leader);
        sb.append("leader_resp:").append(leaderResp == null ? "" : leaderResp).append("\r\n");
        sb.append("term:").append(i.getCurrentTerm()).append("\r\n");
        sb.append("commit_index:").append(commit).append("\r\n");
        sb.append("applied_index:").append(applied).append("\r\n");
        sb.append("last_log_index:").append(last).append("\r\n");
        sb.append("commit_timestamp:").append(store.lastCommitTimestamp()).append("\r\n");
        long lag;
        if (i.isLeader()) {
            long[] match = i.getFollowerMatchIndices();
            lag = 0;
            int n = 0;
            for (var p : division.getRaftConf().getCurrentPeers()) {
                if (p.getId().equals(division.getId())) continue;
                long m = n < match.length ? match[n] : 0;
                sb.append("follower").append(n).append(":name=").append(p.getId()).append(",match_index=").append(m).append(",lag=").append(Math.max(0, last - m)).append("\r\n");
                lag = Math.max(lag, last - m);
                n++;
            }
        } else lag = Math.max(0, commit - applied);
        sb.append("lag:").append(Math.max(0, lag)).append("\r\n");
        sb.append("members:").append(String.join(",", members().keySet())).append("\r\n");
        var snapshot = machine.getLatestSnapshot();
        sb.append("snapshot_index:").append(snapshot == null ? -1 : snapshot.getIndex()).append("\r\n");
        sb.append("snapshots_installed:").append(machine.snapshotsInstalled()).append("\r\n");
        return sb.toString();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted");
        }
    }

    @Override public void close() {
        if (closed) return;
        closed = true;
        try {
            client.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            server.close();
        } catch (IOException e) {
            throw new StoreException("closing replica " + name() + ": " + e.getMessage(), e);
        } finally {
            store.close();
        }
    }
}
