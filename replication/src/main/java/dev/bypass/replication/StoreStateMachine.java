package dev.bypass.replication;

import dev.bypass.txnstore.CommitLog;
import dev.bypass.txnstore.Replica;
import dev.bypass.txnstore.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.raftlog.RaftLogIOException;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft state machine of one replica, and the {@link CommitLog} of its store.
 *
 * <p>On the leader the store validates and orders a transaction under its commit lock, installs its versions
 * (invisible) and hands the record to {@link #append}, which submits it to the local Raft server in the same
 * thread: Ratis assigns the log index inside that call, so the log order is the commit order. Once a majority
 * holds the entry, Ratis applies it here, in log order, on every replica: the leader only makes its own (already
 * installed) commit visible, the others install the record. A replica's store is therefore always the committed
 * log prefix plus, on the leader, its own commits still in flight.
 *
 * <p>A leader that loses office may hold installed commits that the next leader never received. When the applied
 * log shows an entry other than the next one it is waiting for (a later term's, or its own out of order), its
 * remaining in-flight commits are lost: it reloads its store from its newest checkpoint and replays the committed
 * log since then, and their waiters learn that the outcome is unknown (nothing was acknowledged).
 *
 * <p>Checkpoints are the store's own, taken at the durable timestamp; a Ratis snapshot is that checkpoint file plus
 * a small file naming its timestamp, both under the state machine directory, so Ratis ships them to a replica that
 * joins late or fell behind the purged log, which then reloads its store from it.
 */
final class StoreStateMachine extends BaseStateMachine implements CommitLog {
    private static final Logger LOG = LoggerFactory.getLogger(StoreStateMachine.class);
    private static final String META_SUFFIX = ".snapshot";

    /** Appends {@code first} to {@code last} of this store, proposed as one log entry and not yet seen applied. */
    private record InFlight(long first, long last, long ts, long term) {}

    /** A reply waiting for its commits ({@code ticket} and all before it); {@code since}: when its reads were done. */
    private record Waiter(long ticket, long since, boolean confirmReads, CompletableFuture<Void> done) {}

    /** An entry grows up to this size while the previous round is under way; then it is proposed at once. */
    static final int ENTRY_BYTES = 1 << 20;
    /**
     * Entries proposed and not yet finished (applied or refused) before the next waits: every Raft entry costs each
     * replica the same work (a log append, a gRPC round, an fsync, an apply) whatever it holds, so while two are
     * under way the commits made meanwhile gather into the next one rather than each RESP round proposing its own.
     */
    static final int MAX_OUTSTANDING = 2;

    private final long proposer = ThreadLocalRandom.current().nextLong();
    private final ClientId clientId = ClientId.randomId();
    /**
     * Read-index requests go under an id of their own: Ratis makes a client's reads wait until its previous writes
     * are applied, which for the leader's own writes, always in flight, would make every read wait for the newest.
     */
    private final ClientId readerId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    /**
     * Guards tickets, the records not yet proposed, {@link #inFlight}, {@link #confirmed}, {@link #lost} and the
     * waiters. Never held while calling into Ratis: Ratis calls back here (leader changes) under its own locks.
     */
    private final Object lock = new Object();
    /** Orders proposals: records go to Ratis in ticket order, one entry at a time. Taken before {@link #lock}. */
    private final ReentrantLock proposing = new ReentrantLock();
    private long lastTicket = 1;
    private long confirmed = 1;
    /** Records appended and not yet proposed: tickets {@link #lastProposed} + 1 to {@link #lastTicket}. */
    private List<byte[]> unproposed = new ArrayList<>();
    private long unproposedBytes, unproposedTs, unproposedTerm, lastProposed = 1;
    /** Proposals not finished yet; the newest ticket a waiter asked to be proposed while there was no room. */
    private int outstanding;
    private long wanted;
    /** Ranges of tickets whose outcome became unknown, as {from, to} pairs. */
    private final List<long[]> lost = new ArrayList<>();
    private final PriorityQueue<Waiter> waiters = new PriorityQueue<>(Comparator.comparingLong(Waiter::ticket));
    private final Map<String, String> respAddresses = new ConcurrentHashMap<>();
    private final boolean linearizableReads;
    private final long commitTimeoutMillis;
    private final Path storeDir;
    private volatile Replica replica;
    private volatile RaftServer.Division division;
    private volatile Path smDir;
    private volatile FileListSnapshotInfo latest;
    private volatile Consumer<RaftPeerId> leaderListener = id -> {};
    private final AtomicReference<Barrier> barrier = new AtomicReference<>();
    private final AtomicLong snapshotsInstalled = new AtomicLong();

    private record Barrier(long started, CompletableFuture<RaftClientReply> done) {}

    StoreStateMachine(Path storeDir, boolean linearizableReads, long commitTimeoutMillis) {
        this.storeDir = storeDir;
        this.linearizableReads = linearizableReads;
        this.commitTimeoutMillis = commitTimeoutMillis;
    }

    void onLeaderChange(Consumer<RaftPeerId> listener) { leaderListener = listener; }

    Map<String, String> respAddresses() { return respAddresses; }

    /** Snapshots this replica loaded from another (it joined late or fell behind the purged log). */
    long snapshotsInstalled() { return snapshotsInstalled.get(); }

    // ---- CommitLog: the store's side ----

    @Override public void attach(Replica r) { replica = r; }

    /**
     * Takes the record into the next log entry. Called under the store's commit lock, in commit order; the entry is
     * proposed when someone waits for one of its commits (a RESP round ending, a committer of the embedded API), so
     * every commit made while the previous round was under way shares one Raft round and one fsync per replica.
     */
    @Override public long append(long ts, byte[] record) {
        RaftServer.Division d = division;
        if (d == null || !d.getInfo().isLeader())
            throw new StoreException("READONLY this replica is a follower (leader: " + leaderName() + "); writes go to the leader");
        if (!d.getInfo().isLeaderReady()) throw new StoreException("TRYAGAIN the new leader is still applying earlier commits");
        long ticket, term = d.getInfo().getCurrentTerm();
        boolean full;
        synchronized (lock) {
            ticket = ++lastTicket;
            if (unproposed.isEmpty()) unproposedTerm = term;
            unproposed.add(record);
            unproposedTs = ts;
            unproposedBytes += record.length;
            full = unproposedBytes >= ENTRY_BYTES;
        }
        if (full) propose(ticket);
        return ticket;
    }

    /**
     * Proposes, as one log entry, every record appended up to {@code ticket} and not proposed yet; while
     * {@link #MAX_OUTSTANDING} entries are under way (and the records fit in an entry) it only notes the wish, and
     * the first of them to finish proposes.
     */
    private void propose(long ticket) {
        RaftServer.Division d = division;
        proposing.lock();
        try {
            List<byte[]> records;
            long first;
            synchronized (lock) {
                if (lastProposed >= ticket || unproposed.isEmpty()) return;
                if (outstanding >= MAX_OUTSTANDING && unproposedBytes < ENTRY_BYTES) {
                    wanted = Math.max(wanted, ticket);
                    return;
                }
                outstanding++;
                records = unproposed;
                first = lastProposed + 1;
                // the term the records were validated in: an entry of a later term shows they never made it
                inFlight.add(new InFlight(first, lastTicket, unproposedTs, unproposedTerm));
                unproposed = new ArrayList<>();
                unproposedBytes = 0;
                lastProposed = lastTicket;
            }
            RaftClientRequest request = RaftClientRequest.newBuilder()
                    .setClientId(clientId).setServerId(d.getId()).setGroupId(d.getMemberId().getGroupId())
                    .setCallId(callIds.incrementAndGet())
                    .setMessage(Message.valueOf(LogEntries.encode(new LogEntries.Commit(proposer, first, records))))
                    .setType(RaftClientRequest.writeRequestType()).build();
            try {
                // Ratis appends to its log inside this call, and proposals go one at a time: log order is commit order.
                d.getRaftServer().submitClientRequestAsync(request).whenComplete((reply, error) -> {
                    if (error != null || !reply.isSuccess()) checkLeadership();
                    proposed();
                });
            } catch (IOException e) {
                checkLeadership();
                proposed();
            }
        } finally {
            proposing.unlock();
        }
    }

    /** An entry's proposal finished (applied, or refused): propose what waited for room. */
    private void proposed() {
        long next;
        synchronized (lock) {
            outstanding--;
            next = wanted > lastProposed ? wanted : 0;
        }
        if (next > 0) propose(next);
    }

    @Override public long appended() {
        synchronized (lock) {
            return lastTicket;
        }
    }

    @Override public void await(long ticket) {
        CompletableFuture<Void> f = durable(ticket, linearizableReads);
        try {
            f.get(commitTimeoutMillis + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for the replicated log");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof StoreException se ? se : new StoreException("TRYAGAIN " + e.getCause(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw unknown();
        }
    }

    /**
     * Completes once the commit with this ticket and all before it are applied (visible), and then, when
     * {@code confirmReads}, once a read index taken after this call shows this replica still led: what the caller
     * read on the leader is then linearizable. A commit of the caller's own needs no such round: an entry proposed
     * after another leader was elected never commits, so its commit certifies what its transaction read. Fails
     * (TRYAGAIN) when the outcome became unknown: leadership moved before the entry reached a majority, or the
     * commit timeout passed.
     */
    @Override public CompletableFuture<Void> durable(long ticket, boolean confirmReads) {
        long since = System.nanoTime();
        propose(ticket);
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (lock) {
            if (isLost(ticket)) return CompletableFuture.failedFuture(unknown());
            if (confirmed < ticket) {
                waiters.add(new Waiter(ticket, since, confirmReads && linearizableReads, done));
                done.orTimeout(commitTimeoutMillis, TimeUnit.MILLISECONDS);
                return done.exceptionallyCompose(e -> CompletableFuture.failedFuture(e instanceof StoreException ? e : unknown()));
            }
        }
        return confirmReads && linearizableReads ? confirmLeadership(since) : CompletableFuture.completedFuture(null);
    }

    /** The term the oldest commit not yet seen applied was appended in, or -1 when there is none; caller holds {@link #lock}. */
    private long oldestTerm() {
        if (!inFlight.isEmpty()) return inFlight.peek().term();
        return unproposed.isEmpty() ? -1 : unproposedTerm;
    }

    private static StoreException unknown() {
        return new StoreException("TRYAGAIN leadership changed before the commit reached a majority: its outcome is unknown");
    }

    private boolean isLost(long ticket) {
        for (long[] r : lost) if (ticket >= r[0] && ticket <= r[1]) return true;
        return false;
    }

    /** Waiters whose commits are applied; caller holds {@link #lock}. They are completed outside it. */
    private List<Waiter> satisfied() {
        List<Waiter> out = null;
        while (!waiters.isEmpty() && waiters.peek().ticket() <= confirmed) {
            if (out == null) out = new ArrayList<>();
            out.add(waiters.poll());
        }
        return out == null ? List.of() : out;
    }

    private void complete(List<Waiter> ready) {
        for (Waiter w : ready) {
            if (!w.confirmReads()) w.done().complete(null);
            else confirmLeadership(w.since()).whenComplete((v, e) -> {
                if (e == null) w.done().complete(null);
                else w.done().completeExceptionally(e);
            });
        }
    }

    /** Fails every waiter still waiting; caller holds {@link #lock}. Their futures are failed outside it. */
    private List<Waiter> drainWaiters() {
        List<Waiter> out = new ArrayList<>(waiters);
        waiters.clear();
        return out;
    }

    private static void fail(List<Waiter> gone) {
        for (Waiter w : gone) w.done().completeExceptionally(unknown());
    }

    /**
     * After a leader change or a refused proposal: a replica that no longer leads the term its oldest in-flight entry
     * was proposed in cannot tell whether those commits will happen; their waiters learn that the outcome is unknown
     * (they may still commit: nothing is undone here, the applied log decides).
     */
    private void checkLeadership() {
        RaftServer.Division d = division;
        List<Waiter> gone = List.of();
        synchronized (lock) {
            long oldest = oldestTerm();
            if (!waiters.isEmpty() && (d == null || !d.getInfo().isLeader() || (oldest >= 0 && oldest != d.getInfo().getCurrentTerm())))
                gone = drainWaiters();
        }
        fail(gone);
    }

    /**
     * A read index (a leader lease when valid, else a heartbeat round) taken after {@code since}, when the caller's
     * reads were done: it proves this replica still led then, so they saw every commit acknowledged before them.
     * Callers whose reads were done before the newest round started share it.
     */
    private CompletableFuture<Void> confirmLeadership(long since) {
        RaftServer.Division d = division;
        if (d == null || !d.getInfo().isLeader()) return CompletableFuture.completedFuture(null); // a follower serves snapshot reads only (READONLY connections)
        Barrier b = barrier.get();
        if (b == null || b.started() < since) {
            RaftClientRequest request = RaftClientRequest.newBuilder()
                    .setClientId(readerId).setServerId(d.getId()).setGroupId(d.getMemberId().getGroupId())
                    .setCallId(callIds.incrementAndGet()).setMessage(Message.EMPTY)
                    .setType(RaftClientRequest.readRequestType()).build();
            try {
                Barrier mine = new Barrier(System.nanoTime(), d.getRaftServer().submitClientRequestAsync(request));
                barrier.set(mine);
                b = mine;
            } catch (IOException e) {
                return CompletableFuture.failedFuture(new StoreException("TRYAGAIN cannot confirm leadership: " + e.getMessage(), e));
            }
        }
        return b.done().orTimeout(commitTimeoutMillis, TimeUnit.MILLISECONDS).handle((reply, e) -> {
            if (e != null) throw new StoreException("TRYAGAIN cannot confirm leadership: " + e, e);
            if (!reply.isSuccess())
                throw new StoreException("TRYAGAIN this replica may no longer lead: " + (reply.getException() == null ? "read index refused" : reply.getException().getMessage()));
            return null;
        });
    }

    String leaderName() {
        RaftServer.Division d = division;
        RaftPeerId id = d == null ? null : d.getInfo().getLeaderId();
        return id == null ? "none known" : id.toString();
    }

    // ---- Ratis: the log's side ----

    @Override public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws IOException {
        super.initialize(server, groupId, storage);
        division = server.getDivision(groupId);
        smDir = storage.getStorageDir().getStateMachineDir().toPath();
        Files.createDirectories(smDir);
        loadSnapshotInfo();
        // The store must start from exactly the checkpoint the Raft snapshot names: the log replays what follows it.
        prepareStoreDir(latest == null ? 0 : readMeta(metaFile()).ts());
        if (latest != null) setLastAppliedTermIndex(latest.getTermIndex());
        getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.STARTING);
        getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.RUNNING);
    }

    @Override public void pause() {
        // Ratis pauses the state machine (once per chunk) before it replaces its directory with a leader's snapshot.
        if (getLifeCycle().getCurrentState() == org.apache.ratis.util.LifeCycle.State.PAUSED) return;
        getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.PAUSING);
        getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.PAUSED);
    }

    @Override public void reinitialize() throws IOException {
        // A snapshot from the leader was installed into the state machine directory: load it.
        loadSnapshotInfo();
        if (latest == null) throw new IOException("installed snapshot has no " + META_SUFFIX + " file in " + smDir);
        Meta m = readMeta(metaFile());
        prepareStoreDir(m.ts());
        Path source = smDir.resolve(m.checkpoint());
        Files.copy(source, storeDir.resolve(m.checkpoint()), StandardCopyOption.REPLACE_EXISTING);
        long ts = replica.reload();
        List<Waiter> gone;
        synchronized (lock) {
            gone = failInFlight();
        }
        fail(gone);
        snapshotsInstalled.incrementAndGet();
        setLastAppliedTermIndex(latest.getTermIndex());
        getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.STARTING);
        getLifeCycle().transition(org.apache.ratis.util.LifeCycle.State.RUNNING);
        LOG.info("loaded snapshot {} (checkpoint at timestamp {})", latest.getTermIndex(), ts);
    }

    /** Removes checkpoints newer than {@code ts} from the store's directory (made after the snapshot the log follows). */
    private void prepareStoreDir(long ts) throws IOException {
        Files.createDirectories(storeDir);
        try (var s = Files.list(storeDir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (n.startsWith("ckpt-") && n.endsWith(".ckpt") && Replica.checkpointTimestamp(p) > ts) Files.delete(p);
            }
        }
    }

    private record Meta(long ts, String checkpoint) {}

    private Path metaFile() {
        TermIndex ti = latest.getTermIndex();
        return smDir.resolve("snapshot-" + ti.getTerm() + "_" + ti.getIndex() + META_SUFFIX);
    }

    private static Meta readMeta(Path p) throws IOException {
        String[] f = Files.readString(p, StandardCharsets.UTF_8).trim().split(" ");
        if (f.length != 2) throw new IOException("malformed snapshot file " + p);
        return new Meta(Long.parseLong(f[0]), f[1]);
    }

    private void loadSnapshotInfo() throws IOException {
        List<FileListSnapshotInfo> found = new ArrayList<>();
        try (var s = Files.list(smDir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (!n.startsWith("snapshot-") || !n.endsWith(META_SUFFIX)) continue;
                String[] ti = n.substring(9, n.length() - META_SUFFIX.length()).split("_");
                long term = Long.parseLong(ti[0]), index = Long.parseLong(ti[1]);
                Meta m = readMeta(p);
                found.add(new FileListSnapshotInfo(List.of(new FileInfo(smDir.resolve(m.checkpoint()), null), new FileInfo(p, null)), term, index));
            }
        }
        found.sort(Comparator.comparingLong(FileListSnapshotInfo::getIndex));
        synchronized (retained) {
            retained.clear();
            retained.addAll(found);
        }
        latest = found.isEmpty() ? null : found.getLast();
    }

    /**
     * Snapshots kept, oldest first. Not only the newest: the leader may still be sending an older one to a replica
     * that joins or lags (in chunks, which on a loaded machine can outlast a snapshot interval); deleting it under the
     * transfer would make that replica start over, possibly forever.
     */
    private final ArrayDeque<FileListSnapshotInfo> retained = new ArrayDeque<>();
    private static final int SNAPSHOTS_KEPT = 3;

    /** Makes {@code s} the newest snapshot and deletes the files of those beyond {@link #SNAPSHOTS_KEPT}. */
    private void retain(FileListSnapshotInfo s) throws IOException {
        List<FileListSnapshotInfo> gone = new ArrayList<>();
        java.util.Set<Path> kept = new java.util.HashSet<>();
        synchronized (retained) {
            retained.add(s);
            while (retained.size() > SNAPSHOTS_KEPT) gone.add(retained.removeFirst());
            for (FileListSnapshotInfo r : retained) for (FileInfo f : r.getFiles()) kept.add(f.getPath());
        }
        latest = s;
        for (FileListSnapshotInfo g : gone)
            for (FileInfo f : g.getFiles())
                if (!kept.contains(f.getPath())) Files.deleteIfExists(f.getPath());
    }

    @Override public SnapshotInfo getLatestSnapshot() { return latest; }

    @Override public long takeSnapshot() throws IOException {
        // Runs on the thread that applies the log, between entries: the durable timestamp is the applied index's.
        TermIndex applied = getLastAppliedTermIndex();
        if (applied == null || applied.getIndex() <= 0) return RaftLog.INVALID_LOG_INDEX;
        if (latest != null && latest.getIndex() >= applied.getIndex()) return latest.getIndex();
        var result = replica.checkpoint();
        Path ckpt = Path.of(result.file());
        String name = ckpt.getFileName().toString();
        Path link = smDir.resolve(name);
        if (!Files.exists(link)) { // else the same checkpoint (no commit since), perhaps being sent: left as it is
            try {
                Files.createLink(link, ckpt);
            } catch (IOException | UnsupportedOperationException e) {
                Files.copy(ckpt, link);
            }
        }
        Path meta = smDir.resolve("snapshot-" + applied.getTerm() + "_" + applied.getIndex() + META_SUFFIX);
        Path tmp = smDir.resolve(meta.getFileName() + ".tmp");
        Files.writeString(tmp, result.timestamp() + " " + name + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, meta, StandardCopyOption.ATOMIC_MOVE);
        retain(new FileListSnapshotInfo(List.of(new FileInfo(link, null), new FileInfo(meta, null)), applied));
        return applied.getIndex();
    }

    @Override public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        TransactionContext trx = super.startTransaction(request);
        // Commit records enter the log only through this replica's own store; a client may only announce addresses.
        if (request.getClientId().equals(clientId)) return trx; // this store's own commit entry, encoded here
        try {
            if (LogEntries.decode(request.getMessage().getContent()) instanceof LogEntries.Commit)
                trx.setException(new IOException("commit records are proposed by the leader's store only"));
        } catch (IllegalArgumentException e) {
            trx.setException(new IOException(e.getMessage()));
        }
        return trx;
    }

    @Override public CompletableFuture<Message> query(Message request) {
        return CompletableFuture.completedFuture(Message.EMPTY); // the read index was all a barrier wanted
    }

    @Override public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        try {
            apply(entry);
            return CompletableFuture.completedFuture(Message.EMPTY);
        } catch (RuntimeException e) {
            LOG.error("applying log entry {} failed", TermIndex.valueOf(entry), e);
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override public void notifyTermIndexUpdated(long term, long index) {
        // A configuration or leader start-up entry: it also tells whether in-flight commits of an older term survived.
        boolean lostSome;
        List<Waiter> gone;
        synchronized (lock) {
            long oldest = oldestTerm();
            lostSome = oldest >= 0 && oldest != term;
            gone = lostSome ? failInFlight() : List.of();
        }
        fail(gone);
        if (lostSome) replayAfterLoss(index);
        super.notifyTermIndexUpdated(term, index);
    }

    private void apply(LogEntryProto entry) {
        long term = entry.getTerm(), index = entry.getIndex();
        ByteString data = entry.getStateMachineLogEntry().getLogData();
        boolean lostSome;
        InFlight own = null;
        synchronized (lock) {
            InFlight head = inFlight.peek();
            if (head != null && LogEntries.isCommitOf(data, proposer, head.first())) own = head;
        }
        if (own != null) { // its records are installed here already: the header says all
            // Outside the lock: publishing takes the store's commit lock, whose holder may be appending.
            replica.publish(own.ts());
            List<Waiter> ready;
            synchronized (lock) {
                inFlight.poll();
                confirmed = own.last();
                ready = satisfied();
            }
            complete(ready);
            updateLastAppliedTermIndex(term, index);
            return;
        }
        LogEntries e = LogEntries.decode(data);
        List<Waiter> gone;
        synchronized (lock) {
            long oldest = oldestTerm();
            lostSome = oldest >= 0 && !(oldest == term && !(e instanceof LogEntries.Commit));
            gone = lostSome ? failInFlight() : List.of();
        }
        fail(gone);
        if (lostSome) replayAfterLoss(index);
        switch (e) {
            case LogEntries.Commit c -> c.records().forEach(replica::apply);
            case LogEntries.Address a -> respAddresses.put(a.peer(), a.address());
        }
        updateLastAppliedTermIndex(term, index);
    }

    /**
     * The log holds, before {@code index}, an entry other than this replica's next in-flight commit: those commits
     * never reached it. The caller failed their waiters; reload the store from its checkpoint and replay the committed log up to {@code index - 1}.
     */
    private void replayAfterLoss(long index) {
        LOG.warn("in-flight commits of this former leader are not in the log: reloading the store and replaying to index {}", index - 1);
        replica.reload();
        long from = latest == null ? 1 : latest.getIndex() + 1;
        var log = division.getRaftLog();
        try {
            for (long i = from; i < index; i++) {
                LogEntryProto past = log.get(i);
                if (past == null) throw new StoreException("log entry " + i + " needed to replay after a lost leadership is gone");
                if (!past.hasStateMachineLogEntry()) continue;
                LogEntries e = LogEntries.decode(past.getStateMachineLogEntry().getLogData());
                if (e instanceof LogEntries.Commit c) c.records().forEach(replica::apply);
            }
        } catch (RaftLogIOException ex) {
            throw new UncheckedIOException(new IOException(ex));
        }
    }

    /**
     * Caller holds {@link #lock}: every in-flight commit's outcome is unknown; returns their waiters, to be failed
     * outside the lock. Records not proposed yet are dropped with them (the store is reloaded).
     */
    private List<Waiter> failInFlight() {
        if (inFlight.isEmpty() && unproposed.isEmpty()) return List.of();
        long from = inFlight.isEmpty() ? lastProposed + 1 : inFlight.peekFirst().first();
        lost.add(new long[] {from, lastTicket});
        if (lost.size() > 1024) lost.removeFirst();
        inFlight.clear();
        unproposed = new ArrayList<>();
        unproposedBytes = 0;
        lastProposed = lastTicket;
        return drainWaiters();
    }

    @Override public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeader) {
        // Called under Ratis's locks: the waiters are failed on another thread, which may take them.
        Thread.ofVirtual().start(this::checkLeadership);
        leaderListener.accept(newLeader);
    }

    @Override public void close() throws IOException {
        List<Waiter> gone;
        synchronized (lock) {
            gone = drainWaiters();
        }
        fail(gone);
        super.close();
    }
}
