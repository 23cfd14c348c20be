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
