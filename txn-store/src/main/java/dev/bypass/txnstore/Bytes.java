package dev.bypass.txnstore;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/** Byte-string keys: unsigned lexicographic order, and an order-preserving encoding for composite keys. */
public final class Bytes {
    private Bytes() {}

    public static final Comparator<byte[]> ORDER = Arrays::compareUnsigned;

    public static byte[] of(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    public static String str(byte[] b) { return b == null ? null : new String(b, StandardCharsets.UTF_8); }

    /**
     * Encodes {@code part} so that concatenations compare like the tuple of parts: 0x00 becomes 0x00 0xFF and the
     * part ends with 0x00 0x01, which sorts below any continuation.
     */
    public static byte[] escapeTerminated(byte[] part) {
        int zeros = 0;
        for (byte b : part) if (b == 0) zeros++;
        byte[] out = new byte[part.length + zeros + 2];
        int j = 0;
        for (byte b : part) {
            out[j++] = b;
            if (b == 0) out[j++] = (byte) 0xFF;
        }
        out[j++] = 0;
        out[j] = 1;
        return out;
    }

    /** Length of the escaped, terminated part at the start of {@code composite}, or -1 when it has none. */
    public static int escapedPartLength(byte[] composite) {
        for (int i = 0; i + 1 < composite.length; i++) {
            if (composite[i] == 0) {
                if (composite[i + 1] == 1) return i + 2;
                i++; // 0x00 0xFF: an escaped zero
            }
        }
        return -1;
    }

    /** Decodes the first escaped part of a composite key. */
    public static byte[] unescapeFirst(byte[] composite) {
        int n = escapedPartLength(composite);
        if (n < 0) throw new IllegalArgumentException("not a composite key");
        byte[] out = new byte[n];
        int j = 0;
        for (int i = 0; i < n - 2; i++) {
            out[j++] = composite[i];
            if (composite[i] == 0) i++;
        }
        return Arrays.copyOf(out, j);
    }

    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    /**
     * A hash of the whole array, eight bytes at a time, every step mixed so that each input bit reaches every bit of
     * the result. {@link Arrays#hashCode(byte[])} is a base-31 polynomial: keys that differ in their last few bytes,
     * such as a common prefix followed by a counter, collide by the dozen ({@code 31 * b[n-2] + b[n-1]} takes only
     * about 8,000 values for 65,536 pairs), which turns hash-map bins into chains.
     */
    public static int hash(byte[] b) {
        long h = b.length * 0x9E3779B97F4A7C15L;
        int i = 0;
        for (; i + 8 <= b.length; i += 8) h = mix(h ^ (long) LONGS.get(b, i));
        long tail = 0;
        for (int shift = 0; i < b.length; i++, shift += 8) tail |= (b[i] & 0xffL) << shift;
        h = mix(h ^ tail ^ 0x632BE59BD9B4E019L);
        return (int) (h ^ (h >>> 32));
    }

    private static long mix(long h) {
        h *= 0xBF58476D1CE4E5B9L;
        return h ^ (h >>> 31);
    }

    public static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The smallest key greater than every key that starts with {@code prefix}, or null when there is none. */
    public static byte[] prefixEnd(byte[] prefix) {
        byte[] end = prefix.clone();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xFF) {
                end[i]++;
                return Arrays.copyOf(end, i + 1);
            }
        }
        return null;
    }
}
