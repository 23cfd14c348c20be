/**
 * The store replicated with Apache Ratis (Raft): the store's committed transactions, in commit order, are the
 * Raft log; every replica applies them to its own MVCC store; the store's checkpoints are the Raft snapshots.
 *
 * <h2>Commit</h2>
 * Only the leader takes commits. A transaction runs on the leader's store exactly as on one machine: under the
 * commit lock it is validated (write-write conflicts; at serializable also every key and range it read), given the
 * next commit timestamp, taken into the next log entry and installed, invisible. The entry is proposed when someone
 * waits for one of its commits (a RESP event loop at the end of a round of reads, a committer of the embedded API),
 * so the commits made while the previous entry was under way share one Raft round and one fsync per replica;
 * entries are proposed one at a time, in commit order, and at most two are under way: every entry costs each replica
 * the same work whatever it holds, so while two are in flight the commits made meanwhile gather into the next. The commit returns (and a RESP reply goes out) once the entry
 * is applied, i.e. held (fsync'd) by a majority, and it is then made visible. A RESP event loop does not wait: it
 * goes on reading, running and proposing, and each connection's replies go out in order as their entries commit.
 * Followers install the same records, in log order, at the same timestamps.
 *
 * <h2>Why validating on the leader before proposing keeps serializability and snapshot isolation</h2>
 * The leader's store holds every committed entry (a new leader takes no commit before Ratis reports it ready: its
 * start-up entry applied, so everything of earlier terms is applied too) plus its own entries still in flight,
 * installed at timestamps above every snapshot. Validation therefore sees every transaction ordered before this
 * one, committed or in flight, exactly as the single-node store sees commits whose log write is still owed. Records
 * join the next entry under the same commit lock and entries are proposed one at a time in that order, so the log
 * order is the validation (commit-timestamp) order. The log being a prefix-closed sequence, an entry commits only with every
 * entry before it, so the committed history is a prefix of validated transactions in commit-timestamp order:
 * the same serial order, and the same serialization failures, as on one machine. Replicas apply records without
 * validating: applying a log prefix in order is deterministic.
 *
 * <h2>A leader that loses office</h2>
 * Its in-flight entries may or may not have reached the next leader. It learns which from the applied log: its own
 * entries coming back in order are published; the first entry of another term (or out of order) shows that the
 * rest never made it: it reloads its store from its newest checkpoint and replays the committed log since then,
 * and their waiters are told the outcome is unknown (the client sees the connection close or an error; nothing
 * unacknowledged was ever reported committed). Ratis's log retains at least everything after the newest snapshot,
 * so that replay always finds its entries.
 *
 * <h2>Reads</h2>
 * On the leader reads are linearizable by default: a read runs on the newest installed state and its reply waits,
 * like a commit's, for the commits it saw, then for a Ratis read index taken after it (answered from the leader
 * lease when valid, else by a heartbeat round), which proves this replica still led when it read. Concurrent reads
 * share one read index. A reply that is a write transaction's own needs none: an entry proposed after another leader
 * was elected never commits (that leader's majority has moved to a newer term, and an older term's entry reaches a
 * later log only through a leader that had it), so the commit itself shows that the transaction read the newest
 * state. On any replica, a RESP connection that starts with {@code READONLY}, or
 * {@link dev.bypass.replication.ReplicatedStore#readSnapshot}, reads that replica's committed state: a consistent
 * snapshot, possibly behind the leader; its writes are refused.
 *
 * <h2>Snapshots, catching up, membership</h2>
 * Ratis asks for a snapshot every {@code snapshotEvery} entries: the store writes a checkpoint of its durable state
 * (taken without stopping writers) and a hard link to it plus a small file naming its timestamp go under Ratis's
 * state machine directory, so Ratis ships both to a replica that lags behind the purged log or joins late, which
 * reloads its store from them and takes the log tail. Membership changes go through Ratis's joint consensus:
 * {@link dev.bypass.replication.Membership}, or {@code bypass store members}. A new replica starts outside the group
 * ({@link dev.bypass.replication.ReplicaOptions#asJoining}, {@code serve --join}): with no configuration of its own
 * it runs no election timer, so it cannot disturb the group, and it learns the configuration from the leader, which
 * sends it the newest snapshot first (Ratis does so for every replica being added) and then the log tail; only
 * then does the new configuration count it towards a majority.
 *
 * <h2>RESP</h2>
 * {@link dev.bypass.replication.LeaderRouter} routes each connection of a replica's RESP server: served on the
 * leader; on a follower relayed byte for byte to the leader's RESP port (learnt through the log), unless its first
 * command is READONLY. Apache Ratis carries its gRPC, Netty and protobuf shaded, so the consensus transport (gRPC)
 * never meets the RESP server's Netty on the class path.
 */
package dev.bypass.replication;
