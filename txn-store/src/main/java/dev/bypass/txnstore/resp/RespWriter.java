package dev.bypass.txnstore.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * Replies of one connection, encoded straight into a pooled buffer in the protocol version the connection
 * negotiated (RESP2, or RESP3 after {@code HELLO 3}: maps, sets, doubles, nulls and booleans of their own). A bulk
 * string of {@link #LARGE} bytes or more is not copied: the stored array itself is queued and written out in
 * slices as the socket takes them ({@link Connection}). {@link #mark()}/{@link #reset(long)} drop replies written
 * since a mark (a command that failed, or a transaction body that is retried).
 */
final class RespWriter {
    static final int LARGE = 64 << 10;
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[][] SMALL_INTS = new byte[1024][];
    private static final byte[] MIN_LONG = Long.toString(Long.MIN_VALUE).getBytes(StandardCharsets.US_ASCII);

    static {
        for (int i = 0; i < SMALL_INTS.length; i++) SMALL_INTS[i] = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
    }

    private final ByteBufAllocator alloc;
    /** A large value queued as it is stored, written out in slices. */
    record Slice(byte[] array, int offset, int length) {}

    /** Finished parts in order: ByteBufs, {@link Slice}s and the connection's gates (see {@link Connection}). */
    final ArrayDeque<Object> parts = new ArrayDeque<>();
    /** Bytes in {@link #parts}. */
    long queuedBytes;
    private ByteBuf buf;
    int protocol = 2;

    RespWriter(ByteBufAllocator alloc) { this.alloc = alloc; }

    boolean resp3() { return protocol == 3; }

    private ByteBuf buf() {
        if (buf == null) buf = alloc.ioBuffer(256);
        return buf;
    }

    /** Moves the current buffer to the parts (called before a large value and when the replies go out). */
    void finishBuffer() {
        if (buf != null && buf.isReadable()) {
            parts.add(buf);
            queuedBytes += buf.readableBytes();
            buf = null;
        }
    }

    boolean isEmpty() { return parts.isEmpty() && (buf == null || !buf.isReadable()); }

    long pendingBytes() { return queuedBytes + (buf == null ? 0 : buf.readableBytes()); }

    /** A position to {@link #reset} to. */
    long mark() {
        finishBuffer();
        return ((long) parts.size() << 32) | 0;
    }

    /** Drops everything written after {@code mark}. */
    void reset(long mark) {
        if (buf != null) buf.clear();
        int keep = (int) (mark >>> 32);
        while (parts.size() > keep) {
            Object p = parts.pollLast();
            queuedBytes -= size(p);
            if (p instanceof ByteBuf b) b.release();
        }
    }

    static long size(Object part) {
        return switch (part) {
            case ByteBuf b -> b.readableBytes();
            case Slice s -> s.length();
            default -> 0; // a Connection.Gate
        };
    }

    void release() {
        for (Object p; (p = parts.poll()) != null; ) if (p instanceof ByteBuf b) b.release();
        queuedBytes = 0;
        if (buf != null) {
            buf.release();
            buf = null;
        }
    }

    // --- replies ---

    void simple(String s) {
        ByteBuf b = buf().writeByte('+');
        b.writeCharSequence(s, StandardCharsets.US_ASCII);
        b.writeBytes(CRLF);
    }

    /** An error reply; {@code text} starts with its code (ERR, WRONGTYPE, OOM, ...). CR and LF become spaces. */
    void error(String text) {
        ByteBuf b = buf().writeByte('-');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            b.writeByte(c == '\r' || c == '\n' ? ' ' : c < 0x80 ? c : '?');
        }
        b.writeBytes(CRLF);
    }

    void integer(long v) { number(buf().writeByte(':'), v); }

    private static ByteBuf number(ByteBuf b, long v) {
        if (v >= 0 && v < SMALL_INTS.length) b.writeBytes(SMALL_INTS[(int) v]);
        else if (v == Long.MIN_VALUE) b.writeBytes(MIN_LONG);
        else {
            if (v < 0) {
                b.writeByte('-');
                v = -v;
            }
            int digits = 1;
            for (long x = v; x >= 10; x /= 10) digits++;
            int at = b.writerIndex();
            b.ensureWritable(digits);
            for (int i = digits - 1; i >= 0; i--) {
                b.setByte(at + i, (int) ('0' + v % 10));
                v /= 10;
            }
            b.writerIndex(at + digits);
        }
        return b.writeBytes(CRLF);
    }

    void bulk(byte[] v) { bulk(v, 0, v.length); }

    void bulk(byte[] v, int off, int len) {
        ByteBuf b = number(buf().writeByte('$'), len);
        if (len >= LARGE) {
            finishBuffer();
            parts.add(new Slice(v, off, len));
            queuedBytes += len;
            buf().writeBytes(CRLF);
            return;
        }
        b.writeBytes(v, off, len).writeBytes(CRLF);
    }

    void bulk(String s) { bulk(s.getBytes(StandardCharsets.UTF_8)); }

    void bulkOrNull(byte[] v) {
        if (v == null) nullBulk();
        else bulk(v);
    }

    /** Redis's null bulk string ($-1), RESP3's null. */
    void nullBulk() { buf().writeBytes(resp3() ? NULL3 : NULL_BULK); }

    /** Redis's null array (*-1), RESP3's null. */
    void nullArray() { buf().writeBytes(resp3() ? NULL3 : NULL_ARRAY); }

    private static final byte[] NULL3 = "_\r\n".getBytes(StandardCharsets.US_ASCII),
            NULL_BULK = "$-1\r\n".getBytes(StandardCharsets.US_ASCII), NULL_ARRAY = "*-1\r\n".getBytes(StandardCharsets.US_ASCII);

    void array(int n) { number(buf().writeByte('*'), n); }

    /** A map of {@code n} pairs: RESP3 {@code %n}, RESP2 a flat array of 2n. */
    void map(int n) {
        if (resp3()) number(buf().writeByte('%'), n);
        else array(2 * n);
    }

    /** A set: RESP3 {@code ~n}, RESP2 an array. */
    void set(int n) { number(buf().writeByte(resp3() ? '~' : '*'), n); }

    /** A double: RESP3 {@code ,x}, RESP2 a bulk string, in Redis's shortest round-trip form. */
    void dbl(double d) {
        byte[] text = Doubles.format(d).getBytes(StandardCharsets.US_ASCII);
        if (resp3()) {
            ByteBuf b = buf().writeByte(',');
            b.writeBytes(text).writeBytes(CRLF);
        } else bulk(text);
    }

    /** A boolean: RESP3 {@code #t}/{@code #f}, RESP2 the integers 1 and 0. */
    void bool(boolean v) {
        if (resp3()) buf().writeBytes(v ? TRUE3 : FALSE3);
        else integer(v ? 1 : 0);
    }

    private static final byte[] TRUE3 = "#t\r\n".getBytes(StandardCharsets.US_ASCII), FALSE3 = "#f\r\n".getBytes(StandardCharsets.US_ASCII);

    /** Verbatim text (RESP3 {@code =}, format txt), RESP2 a bulk string: INFO and CLIENT INFO replies. */
    void verbatim(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        if (!resp3()) {
            bulk(b);
            return;
        }
        ByteBuf o = number(buf().writeByte('='), b.length + 4);
        o.writeBytes(TXT).writeBytes(b).writeBytes(CRLF);
    }

    private static final byte[] TXT = "txt:".getBytes(StandardCharsets.US_ASCII);

    /** Writes raw, already encoded bytes (a queued transaction's replies). */
    void raw(ByteBuf b) { buf().writeBytes(b); }
}
