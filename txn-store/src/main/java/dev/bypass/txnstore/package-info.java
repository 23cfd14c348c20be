/**
 * An embedded multi-versioned transactional store: named tables of ordered byte-string keys, secondary indexes,
 * snapshot isolation and serializable transactions, a write-ahead log with group commit, snapshot checkpoints
 * taken while writers continue, and recovery. {@link dev.bypass.txnstore.resp} serves it over the Redis protocol;
 * {@link dev.bypass.txnstore.programs} lets BPF programs run transactions on it as stored procedures.
 *
 * <h2>Data</h2>
 * A {@link dev.bypass.txnstore.Table} keeps each key's {@code Record}: a chain of committed {@code Version}s,
 * newest first, each stamped with its commit timestamp (a deletion is a version without a value). Records sit in
 * a concurrent skip list (key order, for scans) and a concurrent hash map (point reads: one probe instead of a
 * cache miss per skip-list level). Readers never lock; only committers, under one commit lock, add versions.
 *
 * <h2>Isolation: commit-time validation (Silo/Cicada style), not SSI</h2>
 * A transaction reads the snapshot of the newest visible commit timestamp at begin, plus its own buffered
 * writes; nothing it writes is visible to anyone before commit, so dirty reads and writes (G0, G1a, G1b, G1c)
 * cannot happen. At commit, under the commit lock:
 * <ul>
 *   <li>{@link dev.bypass.txnstore.Isolation#SNAPSHOT}: every written key must have no version newer than the
 *       snapshot (first committer wins); this prevents lost updates (P4) and read skew (G-single) but permits
 *       write skew (G2-item, G2), exactly as snapshot isolation should.</li>
 *   <li>{@link dev.bypass.txnstore.Isolation#SERIALIZABLE}: additionally every key read and every range scanned
 *       (including index ranges: the index entries are keys of their own table) must still have no version
 *       newer than the snapshot — phantoms included, since an insert or delete adds a version to a key in the
 *       range. A transaction that passes read exactly what it would have read at its commit timestamp, so
 *       committed writers are equivalent to running one at a time in commit-timestamp order.</li>
 * </ul>
 * I chose validation over SSI's dangerous-structure tracking because it needs no read locks or SIREAD
 * bookkeeping shared between transactions, has no false positives from unrelated concurrent readers, and makes
 * the serial order explicit (the commit timestamp); the price is that a long read-write transaction over a hot
 * range aborts more often. Read-only transactions ({@link dev.bypass.txnstore.Store#beginReadOnly()}, or any
 * transaction without writes) skip validation: a snapshot is a prefix of the commit order, so they are
 * serializable too, and they never block or abort.
 *
 * <h2>Commit actions: read-modify-writes of hot records without conflicts</h2>
 * A transaction may hand the store work to do inside its commit
 * ({@link dev.bypass.txnstore.Transaction#atCommit}): after validation, under the commit lock, the action reads the
 * newest installed state and its writes join the commit. It reads exactly the state at the commit timestamp, so it
 * needs no validation of its own and the transaction stays serializable; what it cannot do is make the transaction's
 * earlier reads depend on it (they are validated as usual). The Redis front end runs a list push this way, so
 * pushes to one list follow each other in commit order, each seeing the length its predecessor left, instead of
 * conflicting on the list's ends; the list-append history test checks such appends with the same checker.
 *
 * <h2>Commit, log and visibility</h2>
 * Under the commit lock a committer validates, takes the next timestamp, installs its versions (and index
 * entries: an index entry is the escaped index key followed by the primary key, written in the same commit as
 * the row) and appends one CRC'd frame to the log buffer. Outside the lock it waits for the {@code Wal} flusher,
 * which writes everything buffered in one write and, under {@link dev.bypass.txnstore.SyncPolicy#ALWAYS}, one
 * fsync (group commit), then advances the visible timestamp. New snapshots therefore only ever see commits that
 * are as durable as the policy promises; a commit still waiting is invisible but does conflict with later
 * writers of the same keys (its version is installed with a timestamp above their snapshots).
 *
 * <h2>An external commit log</h2>
 * {@link dev.bypass.txnstore.Store#open(StoreOptions, CommitLog)} puts a {@link dev.bypass.txnstore.CommitLog}
 * (the replicated log of the {@code replication} module) in place of the write-ahead log: under the commit lock the
 * log is asked to take the record first (a follower refuses, and nothing is installed), then the commit is
 * installed; it becomes visible when the log reports it durable. Records decided elsewhere are installed through
 * {@link dev.bypass.txnstore.Replica}; checkpoints then hold only durable commits, and a replica that must drop
 * commits the log never took reloads its newest checkpoint. The single-node store carries no dependency for this.
 *
 * <h2>Reclamation</h2>
 * Each open transaction and running checkpoint holds an epoch slot carrying a timestamp at or below its snapshot
 * ({@code Epochs}); the horizon is the minimum over held slots. Committers cut version chains below the newest
 * version at or under the horizon as they install, and {@link dev.bypass.txnstore.Store#vacuum()} (run after
 * each checkpoint) also drops deleted keys every snapshot already sees as deleted.
 *
 * <h2>Checkpoints and recovery</h2>
 * A checkpoint holds the commit lock only to read the newest timestamp, claim an epoch slot and switch the log
 * to a new segment — constant work at any data size — then streams the snapshot at that timestamp to a
 * {@code .tmp} file on its own thread while writers go on, fsyncs and renames it. The newest two checkpoints and
 * the log since the older one are kept. Recovery loads the newest readable checkpoint (a damaged one is reported
 * and the older one used with a longer replay), then replays newer log frames. A damaged frame followed by
 * nothing valid in the last segment is a torn tail and is cut; damage anywhere else stops recovery with
 * {@link dev.bypass.txnstore.StoreCorruptedException} naming file and offset, since cutting it would drop
 * acknowledged commits. A {@code LOCK} file keeps two processes out of one directory.
 */
package dev.bypass.txnstore;
