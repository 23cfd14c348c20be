package dev.bypass.proxy;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A PostgreSQL client speaking the wire protocol message by message, for tests that need exact control. */
final class RawClient implements AutoCloseable {
    /** One backend message: its type and body. */
    record Message(char type, byte[] body) {
        /** The fields of an ErrorResponse or NoticeResponse by code (S, V, C, M, ...). */
        java.util.Map<Character, String> fields() {
            java.util.Map<Character, String> f = new java.util.LinkedHashMap<>();
            int i = 0;
            while (i < body.length && body[i] != 0) {
                char code = (char) body[i++];
                int end = i;
                while (body[end] != 0) end++;
                f.put(code, new String(body, i, end - i, StandardCharsets.UTF_8));
                i = end + 1;
            }
            return f;
        }

        String sqlState() { return fields().get('C'); }

        @Override public String toString() { return type + (type == 'E' || type == 'N' ? fields().toString() : "[" + body.length + "]"); }
    }

    final Socket socket;
    final OutputStream out;
    final DataInputStream in;

    RawClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(30_000);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
    }

    static byte[] cstring(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[b.length + 1];
        System.arraycopy(b, 0, out, 0, b.length);
        return out;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    /** A StartupMessage (protocol 3.0) with {@code extra} name, value pairs after user and database. */
    static byte[] startup(String user, String database, String... extra) {
        ByteArrayOutputStream more = new ByteArrayOutputStream();
        for (String s : extra) more.writeBytes(cstring(s));
        byte[] params = concat(cstring("user"), cstring(user), cstring("database"), cstring(database), more.toByteArray(), new byte[] {0});
        return ByteBuffer.allocate(8 + params.length).putInt(8 + params.length).putInt(196608).put(params).array();
    }

    static byte[] message(char type, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(4 + body.length).put(body).array();
    }

    static byte[] query(String sql) { return message('Q', cstring(sql)); }

    static byte[] parse(String name, String sql) { return message('P', concat(cstring(name), cstring(sql), new byte[] {0, 0})); }

    /** Bind of a statement to the unnamed portal, no parameters, text results. */
    static byte[] bind(String statement) { return message('B', concat(cstring(""), cstring(statement), new byte[] {0, 0, 0, 0, 0, 0})); }

    static byte[] execute() { return message('E', concat(cstring(""), new byte[] {0, 0, 0, 0})); }

    static byte[] sync() { return message('S', new byte[0]); }

    RawClient send(byte[]... messages) throws IOException {
        for (byte[] m : messages) out.write(m);
        out.flush();
        return this;
    }

    Message read() throws IOException {
        int type = in.read();
        if (type < 0) throw new java.io.EOFException("the server closed the connection");
        int length = in.readInt();
        byte[] body = new byte[length - 4];
        in.readFully(body);
        return new Message((char) type, body);
    }

    /** Messages up to and including the next ReadyForQuery. */
    List<Message> untilReady() throws IOException {
        List<Message> out = new ArrayList<>();
        Message m;
        do {
            m = read();
            out.add(m);
        } while (m.type() != 'Z');
        return out;
    }

    /** Logs in (trust) and returns the messages up to ReadyForQuery. */
    List<Message> login(String user, String database) throws IOException {
        send(startup(user, database));
        return untilReady();
    }

    /** Whether the server closed the connection (reads until end of stream, at most {@code millis}). */
    boolean closedWithin(int millis) throws IOException {
        socket.setSoTimeout(millis);
        InputStream s = socket.getInputStream();
        try {
            while (s.read() >= 0) { }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException reset) {
            return true;
        }
    }

    @Override public void close() throws IOException { socket.close(); }
}
