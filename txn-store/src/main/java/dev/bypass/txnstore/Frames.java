package dev.bypass.txnstore;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * The framing shared by log and checkpoint files: {@code magic:u32 length:u32 crc32c:u32 payload}, little-endian.
 * The CRC covers the length and the payload, so a torn or flipped length is detected too; the magic lets
 * recovery tell a torn tail (nothing valid after the damage) from damage in the middle (valid frames follow).
 *
 * <p>{@link #MAX_PAYLOAD} is the one bound on a frame, shared by every writer and reader: a commit whose log record
 * would exceed it is refused before anything is installed or acknowledged, so whatever was acknowledged can be read
 * back. Readers stream payloads (a large field goes straight into its own array), so the bound is not a memory bound.
 */
final class Frames {
    private Frames() {}

    static final int HEADER = 12;
    /** The largest payload of any frame: what a signed 32-bit length field can carry, less some headroom. */
    static final int MAX_PAYLOAD = Integer.MAX_VALUE - 64;
    /**
     * Fields at least this long are not copied into a log batch (it refers to the caller's array) and are read and
     * written in slices of {@link #IO_SLICE}: NIO copies a heap buffer through a temporary direct buffer of the
     * same size, which it keeps per thread.
     */
    static final int LARGE_FIELD = 64 << 10;
    static final int IO_SLICE = 1 << 20;

    static byte[] frame(int magic, byte[] payload, int length) {
        byte[] out = new byte[HEADER + length];
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(magic).putInt(length).putInt(crc(length, payload, 0, length));
        System.arraycopy(payload, 0, out, HEADER, length);
        return out;
    }

    static int crc(int length, byte[] data, int off, int len) {
        CRC32C c = new CRC32C();
        updateLength(c, length);
        c.update(data, off, len);
        return (int) c.getValue();
    }

    static void updateLength(CRC32C c, int length) {
        c.update(length & 0xff);
        c.update((length >>> 8) & 0xff);
        c.update((length >>> 16) & 0xff);
        c.update((length >>> 24) & 0xff);
    }

    /** Writes all of {@code b} at the channel's position, in slices of at most {@link #IO_SLICE} bytes. */
    static void writeFully(FileChannel ch, byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = Math.min(len, IO_SLICE);
            ByteBuffer bb = ByteBuffer.wrap(b, off, n);
            while (bb.hasRemaining()) ch.write(bb);
            off += n;
            len -= n;
        }
    }

    /**
     * Why the frame at {@code off} of the file is not valid, or null when it is. Streams the payload through the
     * CRC, so a frame of any size is checked without holding it.
     */
    static String check(FileChannel ch, long size, long off, int magic) throws IOException {
        if (size - off < HEADER) return "truncated frame header (" + (size - off) + " of " + HEADER + " bytes)";
        ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, h, off);
        int m = h.getInt(0), len = h.getInt(4), crc = h.getInt(8);
        if (m != magic) return "bad frame magic 0x" + Integer.toHexString(m);
        if (len < 0 || len > MAX_PAYLOAD) return "implausible frame length " + len;
        if (size - off - HEADER < len) return "truncated frame (" + (size - off - HEADER) + " of " + len + " payload bytes)";
        CRC32C c = new CRC32C();
        updateLength(c, len);
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(len, IO_SLICE));
        for (long p = off + HEADER, end = p + len; p < end; ) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), end - p));
            readFully(ch, chunk, p);
            p += chunk.remaining();
            c.update(chunk);
        }
        return (int) c.getValue() == crc ? null : "checksum mismatch";
    }

    /** Offset of the first valid frame after {@code off}, or -1. */
    static long nextValid(FileChannel ch, long size, long off, int magic) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(IO_SLICE).order(ByteOrder.LITTLE_ENDIAN);
        for (long base = off + 1; base + HEADER <= size; base += chunk.capacity() - 3) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), size - base));
            readFully(ch, chunk, base);
            for (int i = 0; i + 4 <= chunk.limit(); i++)
                if (chunk.getInt(i) == magic && check(ch, size, base + i, magic) == null) return base + i;
            if (chunk.limit() < chunk.capacity()) break;
        }
        return -1;
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) throw new EOFException();
            pos += n;
        }
        b.flip();
    }

    /** A growable little-endian buffer for payloads. */
    static class Out {
        byte[] buf;
        int len;

        Out() { this(256); }

        Out(int capacity) { buf = new byte[capacity]; }

        void ensure(int n) {
            if (len + n > buf.length) buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }

        Out u8(int v) { ensure(1); buf[len++] = (byte) v; return this; }

        Out i32(int v) {
            ensure(4);
            for (int i = 0; i < 4; i++) buf[len++] = (byte) (v >>> (8 * i));
            return this;
        }

        Out i64(long v) {
            ensure(8);
            for (int i = 0; i < 8; i++) buf[len++] = (byte) (v >>> (8 * i));
            return this;
        }

        Out bytes(byte[] b) {
            i32(b.length);
            ensure(b.length);
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
            return this;
        }

        void putInt(int at, int v) {
            for (int i = 0; i < 4; i++) buf[at + i] = (byte) (v >>> (8 * i));
        }

        byte[] frame(int magic) { return Frames.frame(magic, buf, len); }
    }

    /**
     * Reads one payload from a file region: fields are parsed as they stream by and fed to the CRC; a field longer
     * than what is left of the payload throws {@link IllegalArgumentException}. Large fields are read straight into
     * their own arrays, in slices.
     */
    static final class In {
        private final FileChannel ch;
        private final ByteBuffer buf;
        private final CRC32C crc = new CRC32C();
        private long pos; // file offset of the next byte not yet in buf
        private long left; // payload bytes not yet consumed (buffered or not)

        In(FileChannel ch, ByteBuffer scratch) {
            this.ch = ch;
            this.buf = scratch.order(ByteOrder.LITTLE_ENDIAN);
        }

        /** Starts on the payload of {@code length} bytes at {@code offset}. */
        In start(long offset, int length) {
            pos = offset;
            left = length;
            buf.clear().limit(0);
            crc.reset();
            updateLength(crc, length);
            return this;
        }

        private void need(int n) throws IOException {
            if (n > left) throw new IllegalArgumentException("field of " + n + " bytes exceeds the frame");
            if (buf.remaining() >= n) return;
            buf.compact();
            while (buf.position() < n) {
                long want = Math.min(buf.remaining(), left - buf.position());
                if (want <= 0) break;
                int r = ch.read(buf.slice(buf.position(), (int) want), pos);
                if (r < 0) throw new EOFException("file ends inside a frame");
                buf.position(buf.position() + r);
                pos += r;
            }
            buf.flip();
        }

        private void consumed(int n) {
            crc.update(buf.array(), buf.arrayOffset() + buf.position() - n, n);
            left -= n;
        }

        int u8() throws IOException {
            need(1);
            int v = buf.get() & 0xff;
            consumed(1);
            return v;
        }

        int i32() throws IOException {
            need(4);
            int v = buf.getInt();
            consumed(4);
            return v;
        }

        long i64() throws IOException {
            need(8);
            long v = buf.getLong();
            consumed(8);
            return v;
        }

        /** A length-prefixed field. */
        byte[] bytes() throws IOException {
            int n = i32();
            if (n < 0 || n > left) throw new IllegalArgumentException("field length " + n + " exceeds the frame");
            byte[] out = new byte[n];
            int have = Math.min(n, buf.remaining());
            buf.get(out, 0, have);
            crc.update(out, 0, have);
            left -= have;
            for (int off = have; off < n; ) {
                ByteBuffer dst = ByteBuffer.wrap(out, off, Math.min(n - off, IO_SLICE));
                while (dst.hasRemaining()) {
                    int r = ch.read(dst, pos);
                    if (r < 0) throw new EOFException("file ends inside a frame");
                    pos += r;
                }
                int len = dst.position() - off;
                crc.update(out, off, len);
                left -= len;
                off += len;
            }
            return out;
        }

        boolean done() { return left == 0; }

        /** Consumes what is left of the payload (through the CRC) and tells whether the frame's CRC matches. */
        boolean finish(int expectedCrc) throws IOException {
            while (left > 0) {
                need((int) Math.min(left, buf.capacity()));
                int n = buf.remaining();
                buf.position(buf.limit());
                consumed(n);
            }
            return (int) crc.getValue() == expectedCrc;
        }
    }
}
