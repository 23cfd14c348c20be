package dev.bypass.txnstore.resp;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.txnstore.Store;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Seeded hostile input against the RESP server (loopback only, bounded in count and time): garbage, oversized and
 * slow messages, idle floods beyond maxclients, pipelines whose replies are never read, writes beyond maxmemory.
 * After each, the server still answers, its memory is bounded, and nothing acknowledged is lost. The seed is
 * printed on failure ({@code -Dhostile.seed=N} replays it).
 */
class HostileInputTest {
    static final long SEED = Long.getLong("hostile.seed", System.nanoTime());
    Store store;
    RespServer server;

    RespServer start(RespConfig config) throws Exception {
        store = Store.inMemory();
        server = RespServer.start(store, Procedures.NONE, 0, 1, config);
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
        if (store != null) store.close();
    }

    Socket connect() throws Exception {
        Socket s = new Socket("127.0.0.1", server.port());
        s.setSoTimeout(10_000);
        return s;
    }

    static String line(InputStream in) throws Exception {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') if (c != '\r') sb.append((char) c);
        if (c == -1 && sb.isEmpty()) return null;
        return sb.toString();
    }

    static byte[] resp(String... args) {
        StringBuilder sb = new StringBuilder("*" + args.length + "\r\n");
        for (String a : args) sb.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    String call(String... args) throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write(resp(args));
            return line(s.getInputStream());
        }
    }

    void assertServing(String what) throws Exception {
        assertEquals("+PONG", call("PING"), what + ": the server still answers (seed " + SEED + ")");
    }

    /** Reads until the server closes the connection; false if it is still open after the socket timeout. */
    static boolean closedByServer(Socket s) throws Exception {
        InputStream in = s.getInputStream();
        byte[] buf = new byte[1 << 16];
        try {
            while (in.read(buf) != -1) { /* drain */ }
            return true;
        } catch (SocketException e) {
            return true; // reset
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
    }

    @Test
    void garbageGetsAProtocolErrorOrAnErrorReplyAndNeverHurtsOthers() throws Exception {
        start(RespConfig.defaults());
        Random rnd = new Random(SEED);
        assertEquals("+OK", call("SET", "kept", "v"));
        for (int round = 0; round < 60; round++) {
            byte[] junk = new byte[1 + rnd.nextInt(2000)];
            rnd.nextBytes(junk);
            if (rnd.nextBoolean()) junk[0] = (byte) "*$:+-\"'".charAt(rnd.nextInt(7));
            try (Socket s = connect()) {
                s.getOutputStream().write(junk);
                s.getOutputStream().write("\r\n".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
                String first = line(s.getInputStream());
                assertTrue(first == null || first.startsWith("-") || first.startsWith("+") || first.startsWith("$") || first.startsWith(":")
                        || first.startsWith("*"), "round " + round + " (seed " + SEED + "): " + first);
            } catch (SocketException e) {
                // closed after a protocol error
            }
        }
        assertEquals("$1", call("GET", "kept").substring(0, 2));
        assertServing("garbage");
        assertEquals(0, server.usedMemory() - store.memoryUsage(), "no input bytes are left counted");
    }

    @Test
    void oversizedAnnouncementsAreRefusedAndSlowOnesHoldOnlyWhatArrived() throws Exception {
        start(RespConfig.defaults().withClientQueryBufferLimit(8 << 20));
        try (Socket s = connect()) {
            s.getOutputStream().write("*1\r\n$600000000\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("-ERR Protocol error: invalid bulk length", line(s.getInputStream()));
        }
        try (Socket s = connect()) { // within proto-max-bulk-len but beyond the query buffer limit
            s.getOutputStream().write("*2\r\n$3\r\nSET\r\n$9000000\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(line(s.getInputStream()).startsWith("-ERR Protocol error: the command is larger than client-query-buffer-limit"));
        }
        // 50 clients announce 4 MB values and send a trickle: the server holds what arrived, not what was announced
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                Socket s = connect();
                slow.add(s);
                s.getOutputStream().write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4000000\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().write(new byte[20_000]);
            }
            assertServing("slow senders");
            assertTrue(server.usedMemory() - store.memoryUsage() < 50L * 200_000, "partial input counted: " + (server.usedMemory() - store.memoryUsage()));
            // a command trickled byte by byte still works
            try (Socket s = connect()) {
                byte[] cmd = resp("SET", "slow", "value");
                for (byte b : cmd) {
                    s.getOutputStream().write(b);
                    s.getOutputStream().flush();
                }
                assertEquals("+OK", line(s.getInputStream()));
            }
        } finally {
            for (Socket s : slow) s.close();
        }
    }

    @Test
    void idleFloodsBeyondMaxclientsAreRefusedWithRedisErrorAndIdleOnesTimeOut() throws Exception {
        start(RespConfig.defaults().withMaxclients(40).withTimeout(1));
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) idle.add(connect());
            while (server.usedMemory() < 0) Thread.onSpinWait();
            try (Socket extra = connect()) {
                assertEquals("-ERR max number of clients reached", line(extra.getInputStream()));
            }
            // the idle ones are closed after the timeout; then real clients get in again
            for (Socket s : idle) assertTrue(closedByServer(s), "an idle client was closed by the timeout");
            assertServing("after the idle flood");
        } finally {
            for (Socket s : idle) s.close();
        }
    }

    @Test
    void aPipelineWhoseRepliesAreNeverReadIsBoundedThenDisconnected() throws Exception {
        start(RespConfig.defaults().withOutputLimits(64 << 20, 256 << 10, 1));
        assertEquals("+OK", call("SET", "v", "x".repeat(10_000)));
        Runtime rt = Runtime.getRuntime();
        try (Socket s = connect()) {
            s.setReceiveBufferSize(4096);
            OutputStream out = s.getOutputStream();
            byte[] get = resp("GET", "v");
            byte[] burst = new byte[get.length * 1000];
            for (int i = 0; i < 1000; i++) System.arraycopy(get, 0, burst, i * get.length, get.length);
            Thread writer = Thread.ofPlatform().daemon().start(() -> {
                try {
                    for (int i = 0; i < 1000; i++) out.write(burst); // a million GETs, 10 GB of replies if they were all made
                } catch (Exception e) {
                    // the server closed the connection
                }
            });
            Thread.sleep(500);
            assertServing("while a client does not read");
            writer.join(30_000); // the writer blocks once the server stops reading, until the server closes the connection
            assertFalse(writer.isAlive(), "the client that never reads is disconnected");
        }
        try (Socket s = connect()) {
            s.getOutputStream().write(resp("INFO", "stats"));
            InputStream in = s.getInputStream();
            String info = "";
            for (String l; (l = line(in)) != null && !l.isEmpty() || info.isEmpty(); ) info += l + "\n";
            assertTrue(info.contains("client_output_buffer_limit_disconnections:1"), info);
        }
        assertServing("after the disconnection");
        System.gc(); // what is still held, not garbage that other tests of this JVM left behind
        assertTrue(rt.totalMemory() - rt.freeMemory() < 1L << 30, "the server did not buffer the replies");
    }

    @Test
    void writesBeyondMaxmemoryGetRedisOomErrorAndDeletesStillWork() throws Exception {
        start(RespConfig.defaults().withMaxmemory(2 << 20));
        String value = "v".repeat(10_000);
        int stored = 0;
        String reply = "+OK";
        for (int i = 0; i < 1000 && reply.equals("+OK"); i++) {
            reply = call("SET", "k" + i, value);
            if (reply.equals("+OK")) stored++;
        }
        assertEquals("-OOM command not allowed when used memory > 'maxmemory'.", reply);
        assertTrue(stored > 100 && stored < 300, "stored " + stored + " values of 10 kB under a 2 MB limit");
        assertEquals("-OOM command not allowed when used memory > 'maxmemory'.", call("LPUSH", "l", value));
        try (Socket s = connect()) { // queued inside MULTI: the transaction is discarded
            s.getOutputStream().write(resp("MULTI"));
            s.getOutputStream().write(resp("SET", "m", value));
            s.getOutputStream().write(resp("EXEC"));
            InputStream in = s.getInputStream();
            assertEquals("+OK", line(in));
            assertEquals("-OOM command not allowed when used memory > 'maxmemory'.", line(in));
            assertEquals("-EXECABORT Transaction discarded because of previous errors.", line(in));
        }
        assertEquals(":1", call("DEL", "k0"), "deletes are allowed above the limit");
        assertEquals("$10000", call("GET", "k1"), "reads are allowed above the limit");
        for (int i = 1; i < stored; i++) call("DEL", "k" + i);
        String again = call("SET", "again", value);
        for (int i = 0; i < 30 && !again.equals("+OK"); i++) { // deleted versions are reclaimed at most once a second
            Thread.sleep(100);
            again = call("SET", "again", value);
        }
        assertEquals("+OK", again, "writes resume below the limit");
    }
}
