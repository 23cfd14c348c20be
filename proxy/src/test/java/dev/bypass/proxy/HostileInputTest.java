package dev.bypass.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.proxy.config.Settings;
import dev.bypass.postgres.EmbeddedPostgres;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.server.ProxyServer;
import dev.bypass.proxy.hooks.QueryHook;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded hostile clients against one proxy at once: idle sockets, garbage before and after login, declared lengths
 * beyond the limits, messages and start-ups sent a byte at a time, large messages left half sent, connections cut
 * mid-message, and pipelines whose replies are never read. Each ends cleanly (an answer, a PostgreSQL error, or a
 * close; never a hang past its bound), and afterwards the proxy serves a real client, holds no session and no
 * budget, and keeps within its pool. A failure prints the seed of the scenario that broke.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HostileInputTest {
    static final long SEED = Long.getLong("bypass.hostile.seed", 20261207);
    static final int SCENARIOS = 60, POOL = 6;

    enum Kind { IDLE, GARBAGE_BEFORE_LOGIN, GARBAGE_AFTER_LOGIN, OVERSIZED, SLOW_QUERY, SLOW_STARTUP, HALF_SENT, CUT, PIPELINE_UNREAD }

    @Test
    void seededHostileClientsEndCleanlyAndLeaveNothingBehind() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.start()) {
            SimpleMeterRegistry metrics = new SimpleMeterRegistry();
            ProxyConfig config = ProxyConfig.defaults(0, "127.0.0.1", pg.port()).withPoolSize(POOL)
                    .with(Settings.CLIENT_LOGIN_TIMEOUT, Duration.ofSeconds(3)).with(Settings.MAX_LOGIN_CLIENTS, 16)
                    .with(Settings.BUFFER_BUDGET, 16L << 20).with(Settings.TCP_DEFER_ACCEPT, false);
            try (ProxyServer proxy = new ProxyServer(config, QueryHook.ALLOW_ALL, metrics).start()) {
                Map<String, String> outcomes = new ConcurrentHashMap<>();
                List<Thread> threads = new ArrayList<>();
                Random master = new Random(SEED);
                for (int i = 0; i < SCENARIOS; i++) {
                    long seed = master.nextLong();
                    Kind kind = Kind.values()[Math.floorMod(seed, Kind.values().length)];
                    threads.add(Thread.ofVirtual().start(() -> {
                        String outcome;
                        try {
                            outcome = run(kind, new Random(seed), proxy.port());
                        } catch (RefusedLogin refused) {
                            outcome = refused.getMessage();
                        } catch (Throwable t) {
                            outcome = "FAILED: " + t;
                        }
                        outcomes.put(kind + " seed " + seed, outcome);
                    }));
                }
                for (Thread t : threads) assertTrue(t.join(Duration.ofSeconds(90)), "every scenario ends within its bound");
                Map<String, String> failed = new TreeMap<>();
                outcomes.forEach((k, v) -> { if (v.startsWith("FAILED")) failed.put(k, v); });
                System.out.println("hostile input: " + SCENARIOS + " scenarios (seed " + SEED + "), outcomes " + summary(outcomes));
                assertTrue(failed.isEmpty(), "scenarios that did not end cleanly: " + failed);
                // a real client is served, nothing is left behind
                try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres");
                     Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 7")) {
                    assertTrue(rs.next());
                    assertEquals(7, rs.getInt(1));
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while ((gauge(metrics, "bypass.proxy.clients.active") > 0 || gauge(metrics, "bypass.proxy.clients.login") > 0
                        || proxy.bufferBudget().held() > 0) && System.nanoTime() < deadline) Thread.sleep(50);
                assertEquals(0, gauge(metrics, "bypass.proxy.clients.active"), "no client session left");
                assertEquals(0, gauge(metrics, "bypass.proxy.clients.login"), "no login left");
                assertEquals(0, proxy.bufferBudget().held(), "every reservation in the buffer budget ended");
                assertTrue(gauge(metrics, "bypass.proxy.servers.active") <= POOL, "no more servers than the pool size");
            }
        }
    }

    static double gauge(SimpleMeterRegistry m, String name) { return m.get(name).gauge().value(); }

    static String summary(Map<String, String> outcomes) {
        Map<String, Integer> counts = new TreeMap<>();
        outcomes.forEach((k, v) -> counts.merge(k.substring(0, k.indexOf(' ')) + "=" + v.replaceAll(":.*", ""), 1, Integer::sum));
        return counts.toString();
    }

    /** One scenario; returns how it ended ("answered", "error SQLSTATE", "closed"), or throws if it did not end well. */
    static String run(Kind kind, Random rnd, int port) throws Exception {
        try (RawClient c = new RawClient(port)) {
            c.socket.setSoTimeout(30_000);
            OutputStream out = c.out;
            switch (kind) {
                case IDLE -> {
                    // never sends: the login timeout (or an eviction) ends it with an error
                    return ending(c);
                }
                case GARBAGE_BEFORE_LOGIN -> {
                    byte[] g = new byte[1 + rnd.nextInt(200)];
                    rnd.nextBytes(g);
                    if (rnd.nextBoolean() && g.length >= 8) ByteBuffer.wrap(g).putInt(g.length); // a plausible length half the time
                    out.write(g);
                    out.flush();
                    return ending(c);
                }
                case GARBAGE_AFTER_LOGIN -> {
                    loginOrRefused(c);
                    byte[] g = new byte[1 + rnd.nextInt(300)];
                    rnd.nextBytes(g);
                    out.write(g);
                    out.flush();
                    return ending(c);
                }
                case OVERSIZED -> {
                    loginOrRefused(c);
                    char type = "QPBFdSHDECXcf".charAt(rnd.nextInt(13));
                    long limit = "QPBFd".indexOf(type) >= 0 ? 0x3fffffffL : 10_000;
                    long length = limit + 1 + (long) (rnd.nextDouble() * (0x7fffffffL - limit - 1));
                    out.write(ByteBuffer.allocate(5).put((byte) type).putInt((int) length).array());
                    out.flush();
                    String e = ending(c);
                    if (!e.equals("error 08P01")) throw new AssertionError("a length of " + length + " for '" + type + "' ended with " + e);
                    return e;
                }
                case SLOW_QUERY -> {
                    loginOrRefused(c);
                    int n = rnd.nextInt(1000);
                    for (byte b : RawClient.query("SELECT " + n)) {
                        out.write(b);
                        out.flush();
                        Thread.sleep(5 + rnd.nextInt(20));
                    }
                    List<RawClient.Message> replies = c.untilReady();
                    String row = new String(replies.get(1).body(), java.nio.charset.StandardCharsets.UTF_8);
                    if (!row.endsWith(Integer.toString(n))) throw new AssertionError("slow query answered " + replies);
                    return "answered";
                }
                case SLOW_STARTUP -> {
                    try {
                        for (byte b : RawClient.startup("postgres", "postgres")) {
                            out.write(b);
                            out.flush();
                            Thread.sleep(rnd.nextInt(40));
                        }
                    } catch (java.net.SocketException closed) {
                        refusedLogin(ending(c), closed); // evicted while still sending its start-up
                    }
                    loginReply(c);
                    c.send(RawClient.query("SELECT 1"));
                    c.untilReady();
                    return "answered";
                }
                case HALF_SENT -> {
                    loginOrRefused(c);
                    char type = "QPBd".charAt(rnd.nextInt(4));
                    int declared = (1 + rnd.nextInt(8)) << 20, sent = rnd.nextInt(declared);
                    out.write(ByteBuffer.allocate(5).put((byte) type).putInt(declared).array());
                    byte[] chunk = new byte[64 << 10];
                    java.util.Arrays.fill(chunk, (byte) 'x');
                    for (int s = 0; s < sent; s += chunk.length) out.write(chunk, 0, Math.min(chunk.length, sent - s));
                    out.flush();
                    Thread.sleep(rnd.nextInt(500));
                    return "closed"; // the client gives up; the proxy must let go of what it held for it
                }
                case CUT -> {
                    loginOrRefused(c);
                    byte[] q = RawClient.query("SELECT " + "1 + ".repeat(rnd.nextInt(200)) + "1");
                    out.write(q, 0, 1 + rnd.nextInt(q.length - 1));
                    out.flush();
                    return "closed";
                }
                case PIPELINE_UNREAD -> {
                    loginOrRefused(c);
                    byte[] q = RawClient.query("SELECT repeat('z', 100000) FROM generate_series(1, 50)");
                    for (int i = 1 + rnd.nextInt(20); i > 0; i--) out.write(q);
                    out.flush();
                    Thread.sleep(200 + rnd.nextInt(500));
                    return "closed"; // never read a reply
                }
            }
            throw new AssertionError(kind);
        }
    }

    /**
     * A login refused because more connections are logging in than max_login_clients: a clean end (PostgreSQL's
     * error, then a close). Sixty hostile connections at once against 16 login slots may evict a real client that has
     * not sent its start-up yet, as a full max_client_conn refuses one in PgBouncer; any other refusal is a failure.
     */
    static final class RefusedLogin extends Exception {
        RefusedLogin(String outcome) { super(outcome, null, false, false); }
    }

    static void refusedLogin(String ending, Exception cause) throws Exception {
        if (ending.equals("error 53300")) throw new RefusedLogin(ending);
        throw cause;
    }

    /** Logs in as postgres, or throws {@link RefusedLogin} if the proxy evicted the login. */
    static void loginOrRefused(RawClient c) throws Exception {
        c.send(RawClient.startup("postgres", "postgres"));
        loginReply(c);
    }

    static void loginReply(RawClient c) throws Exception {
        while (true) {
            RawClient.Message m = c.read();
            if (m.type() == 'E') refusedLogin("error " + m.sqlState(), new IllegalStateException("login refused: " + m));
            if (m.type() == 'Z') return;
        }
    }

    /** How the proxy ends a connection it has to refuse: an ErrorResponse then a close, or a close. */
    static String ending(RawClient c) throws Exception {
        InputStream in = c.in;
        String result = "closed";
        while (true) {
            int type;
            try {
                type = in.read();
            } catch (java.net.SocketException reset) {
                return result;
            }
            if (type < 0) return result;
            if (type == 'N' && result.equals("closed")) continue; // SSLRequest-like garbage may get an 'N' first
            byte[] len = in.readNBytes(4);
            if (len.length < 4) return result;
            int n = ByteBuffer.wrap(len).getInt();
            byte[] body = in.readNBytes(Math.max(0, n - 4));
            if (type == 'E') result = "error " + new RawClient.Message('E', body).sqlState();
        }
    }
}
