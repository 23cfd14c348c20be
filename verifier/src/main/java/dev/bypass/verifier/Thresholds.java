package dev.bypass.verifier;

import java.util.Arrays;
import java.util.Collection;

/**
 * The constants a widened bound may stop at (widening with thresholds): a loop's bound usually is a constant of
 * the program, so a widened range stops there instead of at the end of the number line, and the loop's exit test
 * can still refute the values beyond it.
 */
final class Thresholds {
    static final Thresholds NONE = new Thresholds(java.util.List.of());

    private final long[] unsigned64, signed64, unsigned32, signed32;

    /** Thresholds from program constants; each constant also contributes its neighbours (a bound is often c - 1). */
    Thresholds(Collection<Long> constants) {
        long[] all = new long[constants.size() * 3 + 1];
        int n = 0;
        all[n++] = 0;
        for (long c : constants) {
            all[n++] = c;
            all[n++] = c - 1;
            all[n++] = c + 1;
        }
        all = Arrays.copyOf(all, n);
        unsigned64 = all.clone();
        sortUnsigned(unsigned64);
        signed64 = all.clone();
        Arrays.sort(signed64);
        // the low halves of wide constants are no bounds anyone wrote
        unsigned32 = Arrays.stream(all).filter(v -> v >= Integer.MIN_VALUE && v <= Scalar.U32).map(v -> v & Scalar.U32).sorted().distinct().toArray();
        signed32 = Arrays.stream(all).filter(v -> v >= Integer.MIN_VALUE && v <= Scalar.U32).map(v -> (int) v).sorted().distinct().toArray();
    }

    private static void sortUnsigned(long[] a) {
        for (int i = 0; i < a.length; i++) a[i] ^= Long.MIN_VALUE;
        Arrays.sort(a);
        for (int i = 0; i < a.length; i++) a[i] ^= Long.MIN_VALUE;
    }

    /** The smallest threshold at or above v (unsigned), else the largest value of the width. */
    long unsignedAbove(long v, int bits) {
        for (long t : bits == 64 ? unsigned64 : unsigned32) if (Long.compareUnsigned(t, v) >= 0) return t;
        return Scalar.unsignedMax(bits);
    }

    long unsignedBelow(long v, int bits) {
        long[] a = bits == 64 ? unsigned64 : unsigned32;
        for (int i = a.length - 1; i >= 0; i--) if (Long.compareUnsigned(a[i], v) <= 0) return a[i];
        return 0;
    }

    long signedAbove(long v, int bits) {
        for (long t : bits == 64 ? signed64 : signed32) if (t >= v) return t;
        return Scalar.signedMax(bits);
    }

    long signedBelow(long v, int bits) {
        long[] a = bits == 64 ? signed64 : signed32;
        for (int i = a.length - 1; i >= 0; i--) if (a[i] <= v) return a[i];
        return Scalar.signedMin(bits);
    }
}
