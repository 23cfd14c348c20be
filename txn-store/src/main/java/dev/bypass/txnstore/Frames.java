package dev.bypass.txnstore;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The framing shared by log and checkpoint files: {@code magic:u32 length:u32 crc32c:u32 payload}, little-endian.
 * The CRC covers the length and the payload, so a torn or flipped length is detected too; the magic lets
 * recovery tell a torn tail (nothing valid after the damage) from damage in the middle (valid frames follow).
 */
final class Frames {
    private Frames() {}

    static final int HEADER = 12;
    static final int MAX_PAYLOAD = 256 << 20;

    static byte[] frame(int magic, byte[] payload, int length) {
        byte[] out = new byte[HEADER + length];
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(magic).putInt(length).putInt(crc(length, payload, 0, length));
        System.arraycopy(payload, 0, out, HEADER, length);
        return out;
    }

    static int crc(int length, byte[] data, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(length & 0xff);
        c.update((length >>> 8) & 0xff);
        c.update((length >>> 16) & 0xff);
        c.update((length >>> 24) & 0xff);
        c.update(data, off, len);
        return (int) c.getValue();
    }

    /** Why a frame at some offset is not valid, or null when it is. */
    static String check(byte[] file, int off, int magic) {
        if (file.length - off < HEADER) return "truncated frame header (" + (file.length - off) + " of " + HEADER + " bytes)";
        ByteBuffer b = ByteBuffer.wrap(file, off, HEADER).order(ByteOrder.LITTLE_ENDIAN);
        int m = b.getInt(), len = b.getInt(), crc = b.getInt();
        if (m != magic) return "bad frame magic 0x" + Integer.toHexString(m);
        if (len < 0 || len > MAX_PAYLOAD) return "implausible frame length " + len;
        if (file.length - off - HEADER < len) return "truncated frame (" + (file.length - off - HEADER) + " of " + len + " payload bytes)";
        if (crc(len, file, off + HEADER, len) != crc) return "checksum mismatch";
        return null;
    }

    static int payloadLength(byte[] file, int off) {
        return ByteBuffer.wrap(file, off + 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    /** Offset of the first valid frame after {@code off}, or -1. */
    static int nextValid(byte[] file, int off, int magic) {
        for (int p = off + 1; p + HEADER <= file.length; p++)
            if (ByteBuffer.wrap(file, p, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() == magic && check(file, p, magic) == null) return p;
        return -1;
    }

    /** A growable little-endian buffer for payloads. */
    static final class Out {
        byte[] buf;
        int len;

        Out() { this(256); }

        /** With room for {@code capacity} bytes (a commit's record is sized exactly: one is written per commit). */
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

        byte[] frame(int magic) { return Frames.frame(magic, buf, len); }

        /** Writes this payload as a frame to {@code out} without copying it (checkpoints write millions). */
        void writeFrame(java.io.OutputStream out, int magic, CRC32C crc, byte[] header) throws java.io.IOException {
            crc.reset();
            for (int i = 0; i < 4; i++) crc.update((len >>> (8 * i)) & 0xff);
            crc.update(buf, 0, len);
            ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putInt(0, magic).putInt(4, len).putInt(8, (int) crc.getValue());
            out.write(header, 0, HEADER);
            out.write(buf, 0, len);
        }
    }

    /** Reads a payload; malformed content throws {@link IllegalArgumentException} (CRC passed, so a bug or attack). */
    static final class In {
        final ByteBuffer b;

        In(byte[] file, int off, int len) { b = ByteBuffer.wrap(file, off, len).order(ByteOrder.LITTLE_ENDIAN); }

        int u8() { return b.get() & 0xff; }

        int i32() { return b.getInt(); }

        long i64() { return b.getLong(); }

        byte[] bytes() {
            int n = b.getInt();
            if (n < 0 || n > b.remaining()) throw new IllegalArgumentException("field length " + n + " exceeds the frame");
            byte[] out = new byte[n];
            b.get(out);
            return out;
        }

        boolean done() { return !b.hasRemaining(); }
    }
}
