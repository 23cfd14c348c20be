package dev.bypass.txnstore.resp;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.StoreOptions;
import dev.bypass.txnstore.SyncPolicy;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The RESP front end driven by the real redis-cli (Debian package redis-tools) and by raw sockets. */
class RespServerTest extends ServerFixture {
    @Override Procedures procedures() {
        return new Procedures() {
            @Override public long run(String name, long[] args) {
                if (!name.equals("sum")) throw new IllegalArgumentException("no program named " + name + " is loaded");
                long s = 0;
                for (long a : args) s += a;
                return s;
            }

            @Override public List<String> names() { return List.of("sum"); }
        };
    }

    String cli(String... args) throws Exception { return cliInput(null, args); }

    String cliInput(String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "-p", String.valueOf(server.port())));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    @Test
    void stringsThroughRedisCli() throws Exception {
        assertEquals("PONG", cli("PING"));
        assertEquals("hello", cli("ECHO", "hello"));
        assertEquals("OK", cli("SET", "k", "v1"));
        assertEquals("v1", cli("GET", "k"));
        assertEquals("", cli("SET", "k", "v2", "NX"));
        assertEquals("v1", cli("SET", "k", "v2", "XX", "GET"));
        assertEquals("v2", cli("GET", "k"));
        assertEquals("OK", cli("MSET", "a", "1", "b", "2"));
        assertEquals("1\n2\n\nv2", cli("MGET", "a", "b", "missing", "k"));
        assertEquals("2", cli("INCR", "a"));
        assertEquals("12", cli("INCRBY", "a", "10"));
        assertEquals("11", cli("DECR", "a"));
        assertEquals("6", cli("DECRBY", "a", "5"));
        assertEquals("ERR value is not an integer or out of range", cli("INCR", "k"));
        assertEquals("5", cli("APPEND", "k", "xyz"));
        assertEquals("v2xyz", cli("GET", "k"));
        assertEquals("2", cli("EXISTS", "a", "b", "nope"));
        assertEquals("2", cli("DEL", "a", "b", "nope"));
        assertEquals("0", cli("EXISTS", "a"));
        assertEquals("-1", cli("TTL", "k"));
        assertEquals("1", cli("EXPIRE", "k", "100"));
        long ttl = Long.parseLong(cli("TTL", "k")); // rounded seconds left: 99 when a loaded machine took over 0.5 s between the two commands
        assertTrue(ttl == 100 || ttl == 99, "TTL after EXPIRE 100: " + ttl);
        assertEquals("OK", cli("SET", "k", "v3", "KEEPTTL"));
        assertTrue(Long.parseLong(cli("PTTL", "k")) > 90_000);
        assertEquals("OK", cli("SET", "k", "v4"));
        assertEquals("-1", cli("TTL", "k"));
        assertEquals("OK", cli("SET", "short", "x", "PX", "50"));
        Thread.sleep(120);
        assertEquals("", cli("GET", "short"));
        assertEquals("-2", cli("TTL", "short"));
        assertEquals("ERR syntax error", cli("SET", "k", "v", "NX", "XX"));
        assertTrue(cli("INFO").contains("redis_version"));
    }

    @Test
    void hashesAndSelect() throws Exception {
        assertEquals("2", cli("HSET", "h", "f1", "a", "f2", "b"));
        assertEquals("0", cli("HSET", "h", "f1", "c"));
        assertEquals("c", cli("HGET", "h", "f1"));
        assertEquals("f1\nc\nf2\nb", cli("HGETALL", "h"));
        assertEquals("2", cli("HLEN", "h"));
        assertEquals("1", cli("HEXISTS", "h", "f2"));
        assertEquals("5", cli("HINCRBY", "h", "n", "5"));
        assertEquals("1", cli("HDEL", "h", "f2"));
        assertEquals("hash", cli("TYPE", "h"));
        assertEquals("WRONGTYPE Operation against a key holding the wrong kind of value", cli("GET", "h"));
        assertEquals("1", cli("DEL", "h"));
        assertEquals("0", cli("HLEN", "h"));
        assertEquals("OK", cli("-n", "3", "SET", "only3", "x"));
        assertEquals("x", cli("-n", "3", "GET", "only3"));
        assertEquals("", cli("GET", "only3"));
    }

    @Test
    void multiExecWatchOnOneConnection() throws Exception {
        String out = cliInput("MULTI\nSET x 1\nINCR x\nGET x\nEXEC\n");
        assertEquals("OK\nQUEUED\nQUEUED\nQUEUED\nOK\n2\n2", out);
        assertEquals("OK\nQUEUED\nOK\n", cliInput("MULTI\nSET y 1\nDISCARD\n") + "\n");
        assertEquals("", cli("GET", "y"));
        // a WATCHed key changed by another connection between WATCH and EXEC aborts the transaction
        try (RawClient a = new RawClient(server.port())) {
            assertEquals("+OK", a.call("WATCH", "x"));
            assertEquals("OK", cli("SET", "x", "changed"));
            assertEquals("+OK", a.call("MULTI"));
            assertEquals("+QUEUED", a.call("SET", "x", "mine"));
            assertEquals("*-1", a.call("EXEC"));
            assertEquals("changed", cli("GET", "x"));
            assertEquals("+OK", a.call("WATCH", "x"));
            assertEquals("+OK", a.call("MULTI"));
            assertEquals("+QUEUED", a.call("SET", "x", "mine"));
            assertEquals("*1\r\n+OK", a.call("EXEC"));
            assertEquals("mine", cli("GET", "x"));
            assertEquals("+OK", a.call("MULTI"));
            assertEquals("-ERR unknown command 'NOPE', with args beginning with:", a.call("NOPE"));
            assertEquals("-EXECABORT Transaction discarded because of previous errors.", a.call("EXEC"));
        }
    }

    @Test
    void saveAndBgsaveTakeCheckpointsThatRecover() throws Exception {
        assertEquals("OK", cli("SET", "p", "1"));
        assertEquals("OK", cli("SAVE"));
        assertEquals("OK", cli("SET", "q", "2"));
        assertEquals("Background saving started", cli("BGSAVE"));
        for (int i = 0; i < 200 && store.checkpointRunning(); i++) Thread.sleep(10);
        assertEquals("OK", cli("SET", "r", "3"));
        server.close();
        store.close();
        store = Store.open(StoreOptions.durable(dir));
        server = RespServer.start(store, Procedures.NONE, 0);
        assertNotNull(store.recovery().checkpoint());
        assertEquals("1\n2\n3", cli("MGET", "p", "q", "r"));
    }

    @Test
    void programsRunAsCommands() throws Exception {
        assertEquals("6", cli("BPF.RUN", "sum", "1", "2", "3"));
        assertEquals("name\nsum\nlibrary\nsum\norigin\nhost\ninstructions\n0\nrun_count\n0\nrun_time_ns\n0", cli("BPF.LIST"));
        assertTrue(cli("BPF.RUN", "nope").contains("no program named nope"));
    }

    @Test
    void malformedRespGetsAProtocolErrorAndTheConnectionCloses() throws Exception {
        for (String bad : List.of("*1\r\n$abc\r\n", "*2\r\n:1\r\n:2\r\n", "*1\r\n$3\r\nGETXX\r\n", "*3000000000\r\n", "*1\r\n$536870913\r\n",
                "\"unbalanced\r\n", "x".repeat(70_000))) {
            try (RawClient c = new RawClient(server.port())) {
                c.out.write(bad.getBytes(StandardCharsets.ISO_8859_1));
                c.out.flush();
                String reply = c.readAll();
                assertTrue(reply.startsWith("-ERR Protocol error"), bad + " -> " + reply);
            }
        }
        try (RawClient c = new RawClient(server.port())) { // a line not starting with '*' is an inline command, as in Redis
            c.out.write("$-5\r\n".getBytes(StandardCharsets.US_ASCII));
            c.out.flush();
            assertEquals("-ERR unknown command '$-5', with args beginning with: ", c.line());
        }
        assertEquals("PONG", cli("PING"), "the server keeps serving");
    }

    @Test
    void commandsSplitAcrossReadsAndPipelined() throws Exception {
        try (RawClient c = new RawClient(server.port())) {
            byte[] cmds = "*3\r\n$3\r\nSET\r\n$1\r\nz\r\n$5\r\nhello\r\n*2\r\n$3\r\nGET\r\n$1\r\nz\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII);
            for (byte b : cmds) {
                c.out.write(b);
                c.out.flush();
            }
            assertEquals("+OK\r\n$5\r\nhello\r\n+PONG\r\n", c.read(23));
        }
    }

    @Test
    void manyClientsPipeliningWritesSeeThemAndAreAcknowledgedOnlyOnceLogged(@TempDir Path copy) throws Exception {
        int n = 32;
        List<RawClient> clients = new ArrayList<>();
        try {
            sendBursts(clients, n, i -> resp("SET", "key" + i, "value" + i) + resp("GET", "key" + i) + resp("INCR", "n" + i)
                    + resp("INCR", "n" + i) + resp("GET", "n" + i));
            for (int i = 0; i < n; i++) {
                String v = "value" + i;
                String expected = "+OK\r\n$" + v.length() + "\r\n" + v + "\r\n:1\r\n:2\r\n$1\r\n2\r\n";
                assertEquals(expected, clients.get(i).read(expected.length()), "client " + i + " sees its own writes in order");
            }
        } finally {
            for (RawClient c : clients) c.close();
        }
        // Acknowledged means written to the log: a copy of the directory taken now recovers every key.
        try (var files = java.nio.file.Files.list(dir)) {
            for (Path f : files.toList()) if (!f.getFileName().toString().equals("LOCK")) java.nio.file.Files.copy(f, copy.resolve(f.getFileName()));
        }
        try (Store recovered = Store.open(StoreOptions.durable(copy))) {
            RedisData data = new RedisData(recovered);
            for (int i = 0; i < n; i++) {
                int fi = i;
                assertNotNull(recovered.read(tx -> data.get(tx, 0, ("key" + fi).getBytes(StandardCharsets.UTF_8))), "key" + i + " was logged before its OK");
            }
        }
        Store.Stats st = store.stats();
        assertTrue(st.logWrites() >= 1 && st.logWrites() <= st.commits(), st.toString());
    }

    @Test
    void manyClientsWritingOneKeyInTheSameRoundAllSucceed() throws Exception {
        // Each conflict is with a commit whose log write is still owed in the same round: the retry must not wait for
        // it in vain (it becomes visible only once written).
        int n = 32;
        List<RawClient> clients = new ArrayList<>();
        try {
            sendBursts(clients, n, i -> resp("INCR", "shared") + resp("SET", "last", "x") + resp("INCR", "shared"));
            java.util.Set<Long> seen = new java.util.HashSet<>();
            for (RawClient c : clients) {
                String first = c.line(), ok = c.line(), second = c.line();
                assertTrue(first.startsWith(":") && second.startsWith(":"), first + " / " + second);
                assertEquals("+OK", ok);
                long a = Long.parseLong(first.substring(1)), b = Long.parseLong(second.substring(1));
                assertTrue(b > a, "a client's second increment follows its first: " + a + ", " + b);
                assertTrue(seen.add(a) && seen.add(b), "every increment returned a distinct value");
            }
        } finally {
            for (RawClient c : clients) c.close();
        }
        assertEquals(String.valueOf(2 * n), cli("GET", "shared"));
    }

    @Test
    void aStringOverAnExpiredHashTakesItsFieldsAlong() throws Exception {
        assertEquals("1", cli("HSET", "h", "f", "1"));
        assertEquals("1", cli("PEXPIRE", "h", "1"));
        Thread.sleep(20);
        assertEquals("OK", cli("SET", "h", "s"));
        assertEquals("1", cli("DEL", "h"));
        assertEquals("1", cli("HSET", "h", "g", "2"));
        assertEquals("g\n2", cli("HGETALL", "h"), "no field of the expired hash comes back");
    }

    /**
     * Opens {@code n} connections (added to {@code clients}, which the caller closes) and sends each its burst before
     * any reply is read, so that the server serves them in shared rounds.
     */
    void sendBursts(List<RawClient> clients, int n, java.util.function.IntFunction<String> burst) throws Exception {
        for (int i = 0; i < n; i++) clients.add(new RawClient(server.port()));
        for (int i = 0; i < n; i++) {
            clients.get(i).out.write(burst.apply(i).getBytes(StandardCharsets.US_ASCII));
            clients.get(i).out.flush();
        }
    }

    static String resp(String... args) {
        StringBuilder sb = new StringBuilder("*" + args.length + "\r\n");
        for (String a : args) sb.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
        return sb.toString();
    }

    /** A minimal RESP client on a socket. */
    static final class RawClient implements AutoCloseable {
        final Socket s;
        final OutputStream out;
        final InputStream in;

        RawClient(int port) throws Exception {
            s = new Socket("127.0.0.1", port);
            s.setSoTimeout(5000);
            out = s.getOutputStream();
            in = s.getInputStream();
        }

        String call(String... args) throws Exception {
            StringBuilder sb = new StringBuilder("*" + args.length + "\r\n");
            for (String a : args) sb.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            Thread.sleep(30);
            byte[] buf = new byte[4096];
            int n = in.read(buf);
            return new String(buf, 0, n, StandardCharsets.UTF_8).strip();
        }

        String read(int n) throws Exception { return new String(in.readNBytes(n), StandardCharsets.UTF_8); }

        /** One reply line without its CRLF. */
        String line() throws Exception {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') if (c != '\r') sb.append((char) c);
            return sb.toString();
        }

        String readAll() throws Exception { return new String(in.readAllBytes(), StandardCharsets.UTF_8); }

        @Override public void close() throws Exception { s.close(); }
    }
}
