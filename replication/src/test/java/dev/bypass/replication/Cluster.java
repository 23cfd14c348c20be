package dev.bypass.replication;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Replicas of one group in this JVM, on loopback ports, in a temporary directory removed at close. */
final class Cluster implements AutoCloseable {
    final Path root;
    final List<InetSocketAddress> peers = new ArrayList<>();
    final ReplicatedStore[] replicas;
    final Duration election;

    Cluster(int n, Duration election) throws IOException {
        this.root = Files.createTempDirectory("bypass-cluster");
        this.election = election;
        for (int i = 0; i < n; i++) peers.add(new InetSocketAddress("127.0.0.1", freePort()));
        replicas = new ReplicatedStore[n];
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    ReplicaOptions options(int i) {
        return ReplicaOptions.of(root.resolve("n" + i), peers, i).withElectionTimeout(election).withSnapshotEvery(200);
    }

    ReplicatedStore start(int i) {
        return replicas[i - 1] = ReplicatedStore.open(options(i));
    }

    void startAll() {
        for (int i = 1; i <= replicas.length; i++) start(i);
    }

    void stop(int i) {
        ReplicatedStore r = replicas[i - 1];
        replicas[i - 1] = null;
        if (r != null) r.close();
    }

    /** The replica that leads and takes commits, waiting for one. */
    ReplicatedStore leader(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (ReplicatedStore r : replicas) if (r != null && r.isReadyLeader()) return r;
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("no leader within " + timeout);
    }

    int indexOf(ReplicatedStore r) {
        for (int i = 0; i < replicas.length; i++) if (replicas[i] == r) return i + 1;
        throw new IllegalArgumentException();
    }

    @Override public void close() throws IOException {
        for (int i = 1; i <= replicas.length; i++) {
            try {
                stop(i);
            } catch (RuntimeException ignored) {
                // closing the rest
            }
        }
        try (var s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
