package dev.bypass.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.proxy.config.Settings;
import dev.bypass.postgres.EmbeddedPostgres;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.server.ProxyServer;
import dev.bypass.proxy.hooks.QueryHook;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Connections that never log in cannot keep logged-in clients out: they have their own small cap (a new connection
 * evicts the one that has sent the least) and a login timeout, and every refusal is a PostgreSQL ErrorResponse.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LoginFloodTest {
    static final int MAX_CLIENTS = 10, MAX_LOGINS = 6;
    EmbeddedPostgres pg;

    @BeforeAll
    void start() throws Exception { pg = EmbeddedPostgres.start(); }

    @AfterAll
    void stop() { pg.close(); }

    /**
     * A proxy with small limits. tcp_defer_accept is off: with it on (the default) the kernel keeps sockets that send
     * nothing from reaching the proxy at all for 45 s, which would hide the proxy's own defence from these tests.
     */
    ProxyServer proxy(Duration loginTimeout) throws InterruptedException {
        ProxyConfig c = ProxyConfig.defaults(0, "127.0.0.1", pg.port()).withMaxClients(MAX_CLIENTS)
                .with(Settings.MAX_LOGIN_CLIENTS, MAX_LOGINS).with(Settings.CLIENT_LOGIN_TIMEOUT, loginTimeout)
                .with(Settings.TCP_DEFER_ACCEPT, false);
        return new ProxyServer(c, QueryHook.ALLOW_ALL, new SimpleMeterRegistry()).start();
    }

    static Path psql() {
        Path p = Path.of("/usr/bin/psql");
        assertTrue(Files.isExecutable(p), "psql is needed (Debian package postgresql-client; .ci/run installs it)");
        return p;
    }

    /** Runs psql against the proxy: its output, or a failure with what it printed. */
    static String psql(int port, String sql) throws Exception {
        Process p = new ProcessBuilder(psql().toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres", "-d", "postgres",
                "-XAtc", sql).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "psql finished");
        assertEquals(0, p.exitValue(), "psql failed: " + out);
        return out;
    }

    /** The first message a refused connection gets: an ErrorResponse's SQLSTATE (null when closed without one). */
    static String refusal(Socket s) throws Exception {
        s.setSoTimeout(20_000);
        InputStream in = s.getInputStream();
        int type = in.read();
        if (type != 'E') return type < 0 ? null : "type " + (char) type;
        byte[] len = in.readNBytes(4);
        int n = java.nio.ByteBuffer.wrap(len).getInt();
        byte[] body = in.readNBytes(n - 4);
        String fields = new String(body, StandardCharsets.UTF_8);
        int c = fields.indexOf("\0C");
        return fields.substring(c + 2, fields.indexOf('\0', c + 2));
    }

    @Test
    void psqlLogsInWhileTwiceMaxClientConnIdleSocketsAreHeld() throws Exception {
        try (ProxyServer proxy = proxy(Duration.ofSeconds(60))) {
            List<Socket> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 2 * MAX_CLIENTS; i++) idle.add(new Socket("127.0.0.1", proxy.port()));
                // connections beyond max_login_clients were evicted, oldest idle first, each with an ErrorResponse
                String first = refusal(idle.getFirst());
                assertEquals("53300", first, "an evicted idle socket is told why (too many connections logging in)");
                for (int round = 0; round < 3; round++) assertEquals("1", psql(proxy.port(), "SELECT 1"), "psql logs in past the idle sockets");
                // and a pgjdbc client too, while the sockets stay
                try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres")) {
                    assertTrue(c.isValid(5));
                }
            } finally {
                for (Socket s : idle) s.close();
            }
        }
    }

    @Test
    void aSocketThatNeverLogsInIsClosedWithAnErrorAtClientLoginTimeout() throws Exception {
        try (ProxyServer proxy = proxy(Duration.ofSeconds(1)); Socket s = new Socket("127.0.0.1", proxy.port())) {
            long t0 = System.nanoTime();
            assertEquals("57014", refusal(s), "client_login_timeout ends the connection with PostgreSQL's authentication timeout");
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(millis >= 900 && millis < 10_000, "closed after the 1 s timeout, not " + millis + " ms");
        }
    }

    @Test
    void beyondMaxClientConnALoginIsRefusedWithTooManyClients() throws Exception {
        try (ProxyServer proxy = proxy(Duration.ofSeconds(60))) {
            String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres";
            List<Connection> held = new ArrayList<>();
            try {
                for (int i = 0; i < MAX_CLIENTS; i++) held.add(DriverManager.getConnection(url));
                SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url).close());
                assertEquals("53300", e.getSQLState(), e.getMessage());
                assertTrue(e.getMessage().contains("sorry, too many clients already"), e.getMessage());
                held.removeLast().close();
                // a slot freed by a client that left is a slot again
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (true) {
                    try {
                        DriverManager.getConnection(url).close();
                        break;
                    } catch (SQLException stillFull) {
                        if (System.nanoTime() > deadline) throw stillFull;
                        Thread.sleep(50);
                    }
                }
            } finally {
                for (Connection c : held) c.close();
            }
        }
    }
}
