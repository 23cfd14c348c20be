package dev.bypass.bench.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The six kernels written in plain Java, reading input through {@link MemorySegment} as the engines do: the
 * yardstick for what the JVM itself makes of the same work.
 */
public final class PlainJavaKernels {
    private PlainJavaKernels() {}

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public static long sum() {
        long s = 0;
        for (long i = 1; i <= 1_000_000; i++) s += i;
        return s;
    }

    public static long fnv1a(MemorySegment in) {
        long h = 0xcbf29ce484222325L;
        long n = in.byteSize();
        for (long i = 0; i < n; i++) {
            h ^= in.get(ValueLayout.JAVA_BYTE, i) & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    private static final long P1 = 0x9e3779b185ebca87L, P2 = 0xc2b2ae3d27d4eb4fL, P3 = 0x165667b19e3779f9L,
            P4 = 0x85ebca77c2b2ae63L;

    private static long round(long acc, long lane) { return Long.rotateLeft(acc + lane * P2, 31) * P1; }

    private static long merge(long acc, long v) { return (acc ^ round(0, v)) * P1 + P4; }

    /** xxHash64 with seed 0 over a length that is a non-zero multiple of 32, as the kernel requires. */
    public static long xxh64(MemorySegment in) {
        long n = in.byteSize();
        long v1 = P1 + P2, v2 = P2, v3 = 0, v4 = -P1;
        for (long i = 0; i < n; i += 32) {
            v1 = round(v1, in.get(U64, i));
            v2 = round(v2, in.get(U64, i + 8));
            v3 = round(v3, in.get(U64, i + 16));
            v4 = round(v4, in.get(U64, i + 24));
        }
        long h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
        h = merge(h, v1);
        h = merge(h, v2);
        h = merge(h, v3);
        h = merge(h, v4);
        h += n;
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
        return h;
    }

    public static long primes() {
        long count = 0;
        for (long n = 2; n < 10_000; n++) {
            boolean prime = true;
            for (long d = 2; d * d <= n; d++) {
                if (n % d == 0) {
                    prime = false;
                    break;
                }
            }
            if (prime) count++;
        }
        return count;
    }

    /** Copies 64 u64 values to a scratch array, bubble-sorts them, returns smallest + (largest << 8). */
    public static long bubble(MemorySegment in, long[] scratch) {
        for (int i = 0; i < 64; i++) scratch[i] = in.get(U64, i * 8L);
        for (int end = 63; end > 0; end--) {
            for (int i = 0; i < end; i++) {
                long a = scratch[i], b = scratch[i + 1];
                if (Long.compareUnsigned(a, b) > 0) {
                    scratch[i] = b;
                    scratch[i + 1] = a;
                }
            }
        }
        return scratch[0] + (scratch[63] << 8);
    }

    private static long inc(long x) { return x + 1; }

    public static long calls() {
        long r0 = 0;
        for (int i = 0; i < 100_000; i++) r0 = inc(r0);
        return r0;
    }

    public static long run(Kernel k, MemorySegment in, long[] scratch) {
        return switch (k) {
            case SUM -> sum();
            case FNV1A -> fnv1a(in);
            case XXH64 -> xxh64(in);
            case PRIMES -> primes();
            case BUBBLE -> bubble(in, scratch);
            case CALLS -> calls();
        };
    }
}
