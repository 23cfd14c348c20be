package dev.bypass.replication;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/** Replicas in child processes (killed with SIGKILL, paused with SIGSTOP), each serving RESP on its own port. */
final class ProcessCluster implements AutoCloseable {
    /** Ratis's log level in the replicas ({@code -Dreplication.ratisLog=info} to diagnose). */
    static final String RATIS_LOG = System.getProperty("replication.ratisLog", "warn");
    /** Each replica's whole output, kept after the run (under the module's build directory) to read after a failure. */
    static final Path LOGS = Path.of("target", "replica-logs");
    final Path root;
    final List<InetSocketAddress> peers = new ArrayList<>();
    final Process[] processes;
    /** RESP port of each replica while it runs, else 0; read by client threads. */
    final int[] respPorts;
    final long electionMs;

    ProcessCluster(int capacity, int initial, long electionMs) throws IOException {
        root = Files.createTempDirectory("bypass-pcluster");
        this.electionMs = electionMs;
        for (int i = 0; i < capacity; i++) peers.add(new InetSocketAddress("127.0.0.1", Cluster.freePort()));
        processes = new Process[capacity];
        respPorts = new int[capacity];
        if (Files.isDirectory(LOGS)) try (var s = Files.list(LOGS)) {
            for (Path p : s.toList()) Files.delete(p);
        }
    }

    String peerList(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(i == 0 ? "" : ",").append("127.0.0.1:").append(peers.get(i).getPort());
        return sb.toString();
    }

    /** Starts replica {@code i} (1-based) knowing the first {@code groupSize} peers; waits for its RESP port. */
    void start(int i, int groupSize) throws Exception {
        start(i, groupSize, false);
    }

    /** Starts replica {@code i} as a new one, outside the group until {@link #add} names it. */
    void startJoining(int i) throws Exception {
        start(i, i, true);
    }

    /** Makes replica {@code i} a member, through the group's current members 1 to {@code i - 1}. */
    void add(int i) {
        Map<String, String> now = new TreeMap<>(), target = new TreeMap<>();
        for (int k = 1; k < i; k++) now.put(ReplicaOptions.peerName(k), "127.0.0.1:" + peers.get(k - 1).getPort());
        target.putAll(now);
        target.put(ReplicaOptions.peerName(i), "127.0.0.1:" + peers.get(i - 1).getPort());
        Membership.set(now, target);
    }

    private void start(int i, int groupSize, boolean join) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-Dorg.slf4j.simpleLogger.log.org.apache.ratis=" + RATIS_LOG, "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-cp", System.getProperty("java.class.path"),
                ReplicaMain.class.getName(), root.resolve("n" + i).toString(), peerList(groupSize), String.valueOf(i), String.valueOf(electionMs),
                join ? "join" : "member");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        processes[i - 1] = p;
        CompletableFuture<Integer> ready = new CompletableFuture<>();
        Path log = LOGS.resolve("n" + i + ".log");
        Files.createDirectories(LOGS);
        Thread.ofPlatform().daemon().name("replica-n" + i + "-out").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
                 var w = Files.newBufferedWriter(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                for (String line; (line = r.readLine()) != null; ) {
                    w.write(line);
                    w.newLine();
                    w.flush();
                    if (line.startsWith("ready ")) ready.complete(Integer.parseInt(line.substring(6).trim()));
                    else if ((line.contains("ERROR") || line.contains("WARN") || line.contains("Exception") || line.contains("Error")) && !line.contains("UNAVAILABLE")
                            && !line.contains("ServerNotReady") && !line.contains("Failed appendEntries") && !line.contains("installSnapshot failed"))
                        System.out.println("[n" + i + "] " + line);
                }
            } catch (IOException ignored) {
                // the process is gone
            }
            ready.completeExceptionally(new IOException("replica n" + i + " exited before it was ready"));
        });
        respPorts[i - 1] = ready.get(180, TimeUnit.SECONDS);
    }

    void kill(int i) throws InterruptedException {
        respPorts[i - 1] = 0;
        Process p = processes[i - 1];
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    void signal(int i, String sig) throws Exception {
        new ProcessBuilder("kill", "-" + sig, String.valueOf(processes[i - 1].pid())).start().waitFor(10, TimeUnit.SECONDS);
    }

    static Jedis connect(int port) {
        return new Jedis(new HostAndPort("127.0.0.1", port), DefaultJedisClientConfig.builder().autoNegotiateProtocol(false).clientSetInfoConfig(redis.clients.jedis.ClientSetInfoConfig.DISABLED).socketTimeoutMillis(30_000).connectionTimeoutMillis(5_000).build());
    }

    /** Parses INFO replication of replica {@code i}. */
    Map<String, String> info(int i) {
        Map<String, String> out = new TreeMap<>();
        try (Jedis j = connect(respPorts[i - 1])) {
            j.sendCommand(() -> "READONLY".getBytes());
            for (String line : j.info("replication").split("\r\n")) {
                int c = line.indexOf(':');
                if (c > 0) out.put(line.substring(0, c), line.substring(c + 1));
            }
        }
        return out;
    }

    /** The replica number that leads and serves commits, waiting up to {@code ms}. */
    int leader(long ms) throws InterruptedException {
        long deadline = System.nanoTime() + ms * 1_000_000;
        while (System.nanoTime() < deadline) {
            for (int i = 1; i <= processes.length; i++) {
                if (respPorts[i - 1] == 0) continue;
                try {
                    if ("leader".equals(info(i).get("role"))) return i;
                } catch (RuntimeException e) {
                    // not answering (stopped, starting): ask the next
                    if (System.nanoTime() > deadline - ms * 500_000) System.out.println("n" + i + ": " + e);
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no leader within " + ms + " ms");
    }

    @Override public void close() throws IOException {
        for (Process p : processes) {
            if (p == null) continue;
            p.destroyForcibly();
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (var s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
