package dev.bypass.programs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Little-endian byte building for test contexts and map keys. */
final class Le {
    private final ByteBuffer b;

    Le(int size) { b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN); }

    static Le of(int size) { return new Le(size); }

    Le u32(int v) { b.putInt(v); return this; }

    Le u64(long v) { b.putLong(v); return this; }

    Le str(String s, int len) {
        byte[] out = new byte[len];
        byte[] src = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        System.arraycopy(src, 0, out, 0, Math.min(len, src.length));
        b.put(out);
        return this;
    }

    byte[] bytes() { return b.array(); }

    static byte[] k32(int v) { return of(4).u32(v).bytes(); }

    static byte[] k64(long v) { return of(8).u64(v).bytes(); }

    static long u64At(byte[] a, int off) { return ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN).getLong(off); }

    static int u32At(byte[] a, int off) { return ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN).getInt(off); }
}
