package dev.bypass.bench.store;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal blocking RESP2 client for benchmarks: commands are written as arrays of bulk strings and sent on
 * {@link #flush()}, so several can go in one round trip; replies come back as String (simple and bulk), Long, an
 * error message prefixed with "-", Object[] or null.
 */
final class RespClient implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    RespClient(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setTcpNoDelay(true);
        out = new BufferedOutputStream(socket.getOutputStream(), 1 << 14);
        in = new BufferedInputStream(socket.getInputStream(), 1 << 14);
    }

    void send(byte[]... args) throws IOException {
        header('*', args.length);
        for (byte[] a : args) {
            header('$', a.length);
            out.write(a);
            out.write('\r');
            out.write('\n');
        }
    }

    private void header(char kind, int n) throws IOException {
        out.write(kind);
        out.write(Integer.toString(n).getBytes(StandardCharsets.US_ASCII));
        out.write('\r');
        out.write('\n');
    }

    void flush() throws IOException { out.flush(); }

    Object call(String... args) throws IOException {
        byte[][] b = new byte[args.length][];
        for (int i = 0; i < args.length; i++) b[i] = args[i].getBytes(StandardCharsets.UTF_8);
        return call(b);
    }

    Object call(byte[]... args) throws IOException {
        send(args);
        flush();
        return read();
    }

    Object read() throws IOException {
        int kind = in.read();
        String line = line();
        return switch (kind) {
            case '+' -> line;
            case '-' -> "-" + line;
            case ':' -> Long.parseLong(line);
            case '$' -> {
                int n = Integer.parseInt(line);
                if (n < 0) yield null;
                byte[] b = in.readNBytes(n);
                if (b.length < n) throw new EOFException("connection closed inside a reply");
                line();
                yield new String(b, StandardCharsets.UTF_8);
            }
            case '*' -> {
                int n = Integer.parseInt(line);
                if (n < 0) yield null;
                Object[] items = new Object[n];
                for (int i = 0; i < n; i++) items[i] = read();
                yield items;
            }
            case -1 -> throw new EOFException("connection closed");
            default -> throw new IOException("unexpected reply type '" + (char) kind + "'");
        };
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) != '\r'; ) {
            if (c < 0) throw new EOFException("connection closed");
            sb.append((char) c);
        }
        in.read();
        return sb.toString();
    }

    @Override public void close() throws IOException { socket.close(); }
}
