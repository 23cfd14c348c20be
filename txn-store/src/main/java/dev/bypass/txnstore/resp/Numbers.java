package dev.bypass.txnstore.resp;

import java.nio.charset.StandardCharsets;

/** Integers as Redis parses and prints them: no sign '+', no leading zeros, no blanks, 64-bit range. */
final class Numbers {
    private Numbers() {}

    static long parseLong(byte[] b) {
        int n = b.length;
        if (n == 0 || n > 20) throw RedisData.NOT_INTEGER;
        boolean neg = b[0] == '-';
        int i = neg ? 1 : 0;
        if (i == n || (b[i] == '0' && n > i + 1) || (neg && b[i] == '0')) throw RedisData.NOT_INTEGER;
        long v = 0;
        for (; i < n; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) throw RedisData.NOT_INTEGER;
            if (v < (Long.MIN_VALUE + d) / 10) throw RedisData.NOT_INTEGER;
            v = v * 10 - d; // accumulate negatively: the range of longs is one larger below zero
        }
        if (!neg) {
            if (v == Long.MIN_VALUE) throw RedisData.NOT_INTEGER;
            v = -v;
        }
        return v;
    }

    static int parseInt(byte[] b) {
        long v = parseLong(b);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw RedisData.NOT_INTEGER;
        return (int) v;
    }

    static byte[] bytes(long v) { return Long.toString(v).getBytes(StandardCharsets.US_ASCII); }
}
