package dev.bypass.txnstore.resp;

import dev.bypass.txnstore.Store;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** What every connection of one server shares: the store and keyspace, configuration, commands, clients, counters. */
final class Server {
    final Store store;
    final RedisData data;
    final Procedures procedures;
    final CommandTable commands;
    final RespAccess access;
    final Acl acl;
    private volatile RespConfig config;
    /** Bytes held by partially received large arguments, counted in the memory that {@code maxmemory} bounds. */
    final AtomicLong inputBytes = new AtomicLong();
    final ConcurrentHashMap<Long, Connection> clients = new ConcurrentHashMap<>();
    final AtomicLong nextClientId = new AtomicLong();
    final long started = System.currentTimeMillis();
    final Cursors cursors = new Cursors();
    volatile long lastSave = System.currentTimeMillis() / 1000;
    volatile int port;
    /** The lines of INFO's replication section when the store is replicated, else null. */
    volatile java.util.function.Supplier<String> replicationInfo;
    /** Redis's protected mode, changed by CONFIG SET protected-mode. */
    volatile boolean protectedMode;
    final AtomicLong commandsProcessed = new AtomicLong(), connectionsReceived = new AtomicLong(), rejectedConnections = new AtomicLong(),
            expiredKeys = new AtomicLong(), authFailures = new AtomicLong(), aclDenials = new AtomicLong(), oomRejections = new AtomicLong(), outputLimitDisconnections = new AtomicLong();

    Server(Store store, Procedures procedures, RespConfig config, RespAccess access) {
        this.store = store;
        this.data = new RedisData(store);
        this.procedures = procedures;
        this.config = config;
        this.commands = Commands.table();
        this.access = access;
        this.acl = new Acl(commands);
        this.protectedMode = access.protectedMode();
        if (access.aclFile() != null) loadAclFile();
        else acl.addUsers(access.users(), "user directive");
        if (access.requirepass() != null) acl.setUser(Acl.DEFAULT, java.util.List.of("resetpass", ">" + access.requirepass()));
    }

    /** The users of the ACL file (and the user directives, which follow it); the accounts of users it dropped. */
    java.util.List<Acl.Account> loadAclFile() {
        java.nio.file.Path file = access.aclFile();
        java.util.List<String> lines;
        try {
            lines = java.nio.file.Files.readAllLines(file);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read the ACL file " + file + ": " + e);
        }
        return acl.replaceAll(lines, "ACL file " + file, access.users());
    }

    RespConfig config() { return config; }

    void config(RespConfig c) { config = c; }

    /** Memory compared with {@code maxmemory}: the store's data and the partial large arguments being received. */
    long usedMemory() { return store.memoryUsage() + inputBytes.get(); }

    /** Whether a command that may add {@code incoming} bytes must be refused with {@code -OOM}. */
    boolean overMemory(long incoming) {
        long max = config.maxmemory();
        if (max <= 0 || usedMemory() + incoming <= max) return false;
        // Deleted and overwritten versions are reclaimed by vacuum (after checkpoints); before refusing a write, reclaim
        // now, at most once a second since a vacuum visits every key.
        long now = System.nanoTime();
        if (now - lastVacuum < 1_000_000_000L) return true;
        lastVacuum = now;
        store.vacuum();
        return usedMemory() + incoming > max;
    }

    private volatile long lastVacuum = System.nanoTime() - 2_000_000_000L;
}
