package dev.bypass.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.postgres.EmbeddedPostgres;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy's resident memory (of its own process, from /proc) stays bounded while logged-in clients declare large
 * messages and send most of them (Query, CopyData: streamed to the server; Parse: gathered whole within the buffer
 * budget, the rest of the senders stopped), and while clients pipeline large results they never read; once they
 * leave, it falls back near where it started.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class MemoryBoundTest {
    static final long MIB = 1 << 20;
    /** Per attacking connection: the length it declares and how much of it it sends. */
    static final long DECLARED = 32 * MIB, SENT = 24 * MIB, BUDGET = 64 * MIB;

    @TempDir Path dir;

    @Test
    void largeMessagesAndUnreadPipelinesKeepTheProxysMemoryBounded() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.start()) {
            Files.writeString(dir.resolve("users.txt"), "\"postgres\" \"\"\n");
            Path ini = Files.writeString(dir.resolve("proxy.ini"), """
                    [databases]
                    * = host=127.0.0.1 port=%d
                    [pgbouncer]
                    listen_addr = 127.0.0.1
                    listen_port = 0
                    unix_socket_dir =
                    auth_type = trust
                    auth_file = users.txt
                    pool_mode = transaction
                    default_pool_size = 40
                    buffer_budget = %d
                    ignore_startup_parameters = extra_float_digits
                    tcp_defer_accept = 0
                    """.formatted(pg.port(), BUDGET));
            try (ProxyProcess.Started proxy = ProxyProcess.start(ini, "-Xmx96m", "-Xms32m", "-XX:+UseSerialGC", "-XX:MaxDirectMemorySize=2g")) {
                String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres";
                try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
                    assertTrue(rs.next()); // warm: a login, a pool, a server
                }
                long baseline = proxy.rssBytes();
                AtomicLong sent = new AtomicLong();
                List<Socket> attackers = new ArrayList<>();
                List<Thread> writers = new ArrayList<>();
                try {
                    for (int i = 0; i < 6; i++) attack(proxy.port(), 'Q', attackers, writers, sent);
                    for (int i = 0; i < 6; i++) attack(proxy.port(), 'P', attackers, writers, sent);
                    for (int i = 0; i < 4; i++) attack(proxy.port(), 'd', attackers, writers, sent);
                    for (int i = 0; i < 2; i++) pipelineNeverRead(proxy.port(), attackers);
                    // until the senders stop getting anywhere (they are streamed out, or told to wait)
                    long last = -1, stableSince = System.nanoTime(), peak = 0;
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                    while (System.nanoTime() < deadline) {
                        peak = Math.max(peak, proxy.rssBytes());
                        long now = sent.get();
                        if (now != last) {
                            last = now;
                            stableSince = System.nanoTime();
                        } else if (System.nanoTime() - stableSince > TimeUnit.SECONDS.toNanos(3)) {
                            break;
                        }
                        Thread.sleep(200);
                    }
                    long attacked = 16 * SENT;
                    System.out.printf("memory bound: baseline %d MiB, peak %d MiB during the attack (%d MiB sent by 16 clients of %d MiB declared each, "
                            + "buffer_budget %d MiB, 2 unread pipelines)%n", baseline / MIB, peak / MIB, sent.get() / MIB, DECLARED / MIB, BUDGET / MIB);
                    assertTrue(sent.get() > attacked / 2, "the attack got through to the proxy: " + sent.get() / MIB + " MiB");
                    assertTrue(peak - baseline < BUDGET + 96 * MIB, "RSS grew by " + (peak - baseline) / MIB + " MiB: more than buffer_budget + 96 MiB");
                    // the proxy still serves everyone else
                    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 42")) {
                        assertTrue(rs.next());
                        assertEquals(42, rs.getInt(1));
                    }
                } finally {
                    for (Socket s : attackers) s.close();
                    for (Thread t : writers) t.join(10_000);
                }
                long after = Long.MAX_VALUE;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (System.nanoTime() < deadline && (after = proxy.rssBytes()) - baseline > 48 * MIB) Thread.sleep(250);
                System.out.printf("memory bound: %d MiB after the attackers left (baseline %d MiB)%n", after / MIB, baseline / MIB);
                assertTrue(after - baseline <= 48 * MIB, "memory given back: " + after / MIB + " MiB after, baseline " + baseline / MIB + " MiB");
            }
        }
    }

    /** A logged-in connection that declares a {@value #DECLARED}-byte message of {@code type} and sends {@value #SENT} bytes of it. */
    static void attack(int port, char type, List<Socket> sockets, List<Thread> writers, AtomicLong sent) throws Exception {
        RawClient c = new RawClient(port);
        c.login("postgres", "postgres");
        sockets.add(c.socket);
        byte[] head = switch (type) {
            case 'Q' -> "select 1 -- ".getBytes(StandardCharsets.UTF_8);
            case 'P' -> "\0select 1 -- ".getBytes(StandardCharsets.UTF_8);
            default -> new byte[0];
        };
        writers.add(Thread.ofVirtual().start(() -> {
            try {
                OutputStream out = c.socket.getOutputStream();
                out.write(ByteBuffer.allocate(5).put((byte) type).putInt((int) DECLARED - 1).array());
                out.write(head);
                byte[] chunk = new byte[(int) MIB];
                java.util.Arrays.fill(chunk, (byte) 'x');
                for (long n = head.length; n < SENT; n += chunk.length) {
                    out.write(chunk);
                    sent.addAndGet(chunk.length);
                }
                out.flush();
            } catch (java.io.IOException closed) {
                // the test closed the socket, or the proxy did
            }
        }));
    }

    /** Pipelines queries with 1 MB rows (about 200 MB of results) and never reads a reply. */
    static void pipelineNeverRead(int port, List<Socket> sockets) throws Exception {
        RawClient c = new RawClient(port);
        c.login("postgres", "postgres");
        sockets.add(c.socket);
        byte[] q = RawClient.query("SELECT repeat('y', 1000000) FROM generate_series(1, 20)");
        Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < 10; i++) c.out.write(q);
                c.out.flush();
            } catch (java.io.IOException closed) {
                // closed by the test
            }
        });
    }
}
