package dev.bypass.txnstore.resp;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The largest value the server accepts (proto-max-bulk-len, 512 MiB) is acknowledged only once it is recoverable:
 * written, the server killed with SIGKILL, restarted, and read back byte for byte. One byte more is refused with
 * Redis's error before anything is stored. Values are streamed, never held whole by the test.
 */
class LargeValueCrashTest {
    static final long MAX = RespConfig.DEFAULT_PROTO_MAX_BULK_LEN;

    static byte pattern(long i) { return (byte) (i * 131 + (i >>> 13)); }

    record Child(Process process, int port) {}

    static Child start(Path dir) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-Xmx2g", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), RespServerMain.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
        String line = r.readLine();
        assertNotNull(line, "the server process started");
        assertTrue(line.startsWith("ready "), line);
        return new Child(p, Integer.parseInt(line.substring(6)));
    }

    static String line(InputStream in) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) != -1 && c != '\n'; ) if (c != '\r') sb.append((char) c);
        return sb.toString();
    }

    static void sendBulkHeader(OutputStream out, String cmd, String key, long len) throws Exception {
        out.write(("*3\r\n$" + cmd.length() + "\r\n" + cmd + "\r\n$" + key.length() + "\r\n" + key + "\r\n$" + len + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void theLargestValueSurvivesSigkillAndOneByteMoreIsRefused(@TempDir Path dir) throws Exception {
        Child child = start(dir);
        try {
            try (Socket s = new Socket("127.0.0.1", child.port())) {
                s.setSoTimeout(120_000);
                OutputStream out = new java.io.BufferedOutputStream(s.getOutputStream(), 1 << 20);
                sendBulkHeader(out, "SET", "big", MAX + 1);
                out.flush();
                assertEquals("-ERR Protocol error: invalid bulk length", line(s.getInputStream()));
            }
            try (Socket s = new Socket("127.0.0.1", child.port())) {
                s.setSoTimeout(120_000);
                OutputStream out = new java.io.BufferedOutputStream(s.getOutputStream(), 1 << 20);
                sendBulkHeader(out, "SET", "big", MAX);
                byte[] chunk = new byte[1 << 20];
                for (long off = 0; off < MAX; off += chunk.length) {
                    for (int i = 0; i < chunk.length; i++) chunk[i] = pattern(off + i);
                    out.write(chunk, 0, (int) Math.min(chunk.length, MAX - off));
                }
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                out.write("*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$1\r\nz\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertEquals("+OK", line(s.getInputStream()), "the largest value is accepted");
                assertEquals("+OK", line(s.getInputStream()));
            }
        } finally {
            child.process().destroyForcibly(); // SIGKILL
            child.process().waitFor(30, TimeUnit.SECONDS);
        }
        child = start(dir);
        try (Socket s = new Socket("127.0.0.1", child.port())) {
            s.setSoTimeout(120_000);
            OutputStream out = s.getOutputStream();
            out.write("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n*2\r\n$3\r\nGET\r\n$5\r\nafter\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = new java.io.BufferedInputStream(s.getInputStream(), 1 << 20);
            assertEquals("$" + MAX, line(in));
            byte[] chunk = new byte[1 << 20];
            for (long off = 0; off < MAX; ) {
                int n = in.read(chunk, 0, (int) Math.min(chunk.length, MAX - off));
                assertTrue(n > 0, "value cut short at " + off);
                for (int i = 0; i < n; i++) if (chunk[i] != pattern(off + i)) fail("byte " + (off + i) + " differs after recovery");
                off += n;
            }
            assertEquals("", line(in));
            assertEquals("$1", line(in));
            assertEquals("z", line(in));
        } finally {
            child.process().destroyForcibly();
            child.process().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
