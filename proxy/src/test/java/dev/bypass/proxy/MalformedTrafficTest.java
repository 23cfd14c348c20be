package dev.bypass.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.postgres.EmbeddedPostgres;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.server.ProxyServer;
import dev.bypass.proxy.hooks.QueryHook;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded mutations of a real client conversation (start-up, simple query, extended batch, a transaction left open,
 * Terminate): a byte flipped, a length changed, a type byte replaced, a message cut short or dropped. Each mutated
 * conversation ends (an error, a close, or the normal end) without hanging the proxy; afterwards no client session
 * is left, the two pooled servers are free, and twenty real clients get through a pool of two.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class MalformedTrafficTest {
    static final int MUTATIONS = 150;
    static final boolean DEBUG = Boolean.getBoolean("bypass.test.debug");

    /** The conversation, and where each message starts (mutations aim at message boundaries too). */
    record Conversation(byte[] bytes, List<Integer> starts) {}

    static Conversation conversation() {
        List<byte[]> messages = new ArrayList<>();
        messages.add(startup("postgres", "postgres"));
        messages.add(regular('Q', cstring("SELECT 1")));
        messages.add(regular('P', concat(cstring(""), cstring("SELECT $1::int + 1"), new byte[] {0, 0})));
        messages.add(regular('B', concat(cstring(""), cstring(""), new byte[] {0, 0, 0, 1, 0, 0, 0, 2, '4', '1', 0, 0})));
        messages.add(regular('D', concat(new byte[] {'P'}, cstring(""))));
        messages.add(regular('E', concat(cstring(""), new byte[] {0, 0, 0, 0})));
        messages.add(regular('S', new byte[0]));
        messages.add(regular('Q', cstring("BEGIN; SELECT 2")));
        messages.add(regular('X', new byte[0]));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Integer> starts = new ArrayList<>();
        for (byte[] m : messages) {
            starts.add(out.size());
            out.writeBytes(m);
        }
        return new Conversation(out.toByteArray(), starts);
    }

    static byte[] startup(String user, String db) {
        byte[] params = concat(cstring("user"), cstring(user), cstring("database"), cstring(db), new byte[] {0});
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + params.length).putInt(8 + params.length).putInt(196608).put(params);
        return b.array();
    }

    static byte[] regular(char type, byte[] body) {
        return java.nio.ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(4 + body.length).put(body).array();
    }

    static byte[] cstring(String s) { return concat(s.getBytes(java.nio.charset.StandardCharsets.UTF_8), new byte[] {0}); }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    /** One seeded mutation of the conversation. */
    static byte[] mutate(Conversation c, Random rnd) {
        byte[] b = c.bytes().clone();
        int message = 1 + rnd.nextInt(c.starts().size() - 1); // the start-up stays valid most of the time
        if (rnd.nextInt(10) == 0) message = 0;
        int start = c.starts().get(message);
        int end = message + 1 < c.starts().size() ? c.starts().get(message + 1) : b.length;
        int lengthAt = message == 0 ? start : start + 1;
        switch (rnd.nextInt(6)) {
            case 0 -> b[start + rnd.nextInt(end - start)] ^= (byte) (1 + rnd.nextInt(255)); // a flipped byte
            case 1 -> java.nio.ByteBuffer.wrap(b).putInt(lengthAt, rnd.nextInt(3) == 0 ? rnd.nextInt() : end - start + rnd.nextInt(9) - 4); // a wrong length
            case 2 -> { if (message > 0) b[start] = (byte) "AaZz!01\u00ff".charAt(rnd.nextInt(8)); } // an unknown or out-of-place type
            case 3 -> { // cut short: the message's declared length stays, its tail is gone
                byte[] shorter = new byte[b.length - Math.min(end - start - 1, 1 + rnd.nextInt(4))];
                int cut = b.length - shorter.length;
                System.arraycopy(b, 0, shorter, 0, end - cut);
                System.arraycopy(b, end, shorter, end - cut, b.length - end);
                b = shorter;
            }
            case 4 -> { // a message dropped
                byte[] without = new byte[b.length - (end - start)];
                System.arraycopy(b, 0, without, 0, start);
                System.arraycopy(b, end, without, start, b.length - end);
                b = without;
            }
            default -> { // a NUL terminator inside a body removed
                for (int i = end - 1; i > lengthAt + 4; i--) if (b[i] == 0) { b[i] = 'x'; break; }
            }
        }
        return b;
    }

    /** Sends {@code bytes}; returns how the proxy ended the conversation ("waiting" once it is quiet for a second). */
    static String converse(int port, byte[] bytes) throws Exception { return converse(port, bytes, 1000); }

    static String converse(int port, byte[] bytes, int quietMillis) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(quietMillis);
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            boolean error = false;
            String firstError = null;
            int n = 0;
            try {
                int type;
                // read typed replies until the proxy closes (Terminate, or a fatal error) or goes quiet
                while ((type = in.read()) >= 0) {
                    byte[] len = in.readNBytes(4);
                    if (len.length < 4) break;
                    int l = java.nio.ByteBuffer.wrap(len).getInt();
                    if (l < 4) break;
                    byte[] body = in.readNBytes(l - 4);
                    if (type == 'E') {
                        error = true;
                        if (firstError == null) firstError = new String(body, java.nio.charset.StandardCharsets.UTF_8).replace('\0', '|');
                    }
                    n++;
                }
                if (DEBUG && firstError != null) System.out.println("error: " + firstError);
                return error ? "error" : n > 0 ? "answered" : "closed";
            } catch (SocketTimeoutException quiet) {
                return "waiting"; // a message whose declared length was never sent: the proxy waits for it, as PostgreSQL does
            }
        }
    }

    @Test
    void mutatedConversationsEndCleanlyAndLeakNothing() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.start()) {
            SimpleMeterRegistry metrics = new SimpleMeterRegistry();
            ProxyConfig config = ProxyConfig.defaults(0, "127.0.0.1", pg.port()).withPoolSize(2);
            try (ProxyServer proxy = new ProxyServer(config, QueryHook.ALLOW_ALL, metrics).start()) {
                Conversation c = conversation();
                // it ends with Terminate, so the proxy closes: a long quiet limit costs nothing, and a loaded machine's pauses
                // between replies are not taken for a proxy waiting for the rest of a message
                assertEquals("answered", converse(proxy.port(), c.bytes(), 30_000), "the unmutated conversation runs");
                Random rnd = new Random(20261201);
                java.util.Map<String, Integer> outcomes = new java.util.TreeMap<>();
                for (int i = 0; i < MUTATIONS; i++) outcomes.merge(converse(proxy.port(), mutate(c, rnd)), 1, Integer::sum);
                System.out.println("malformed traffic: " + MUTATIONS + " mutations, outcomes " + outcomes);
                assertTrue(outcomes.getOrDefault("error", 0) > MUTATIONS / 4, "most mutations are protocol or SQL errors: " + outcomes);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (metrics.get("bypass.proxy.clients.active").gauge().value() > 0 && System.nanoTime() < deadline) Thread.sleep(50);
                assertEquals(0.0, metrics.get("bypass.proxy.clients.active").gauge().value(), "no client session left behind");
                assertTrue(metrics.get("bypass.proxy.servers.active").gauge().value() <= 2, "no more servers than the pool size");
                // Servers held by dead sessions would leave these clients waiting for the acquire timeout.
                ExecutorService pool = Executors.newFixedThreadPool(20);
                try {
                    List<Future<Integer>> results = new ArrayList<>();
                    for (int i = 0; i < 20; i++) {
                        int k = i;
                        Callable<Integer> task = () -> {
                            try (Connection conn = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres&socketTimeout=20");
                                 Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT " + k)) {
                                rs.next();
                                return rs.getInt(1);
                            }
                        };
                        results.add(pool.submit(task));
                    }
                    for (int i = 0; i < 20; i++) assertEquals(i, results.get(i).get(30, TimeUnit.SECONDS));
                } finally {
                    pool.shutdownNow();
                }
            }
        }
    }
}
