package dev.bypass.verifier;

/**
 * The abstract value of a number: known bits ({@link Tnum}) and four ranges, unsigned and signed over all 64 bits
 * and over the low 32 bits (the sub-register), as Linux tracks them. A concrete value {@code v} belongs to the
 * scalar when every component allows it ({@link #contains}). Values are immutable and always reduced: the five
 * components are tightened against each other ({@link #of}) until none can learn more from the others, and a set
 * of components no value satisfies is reported as null ("this cannot happen"), which is how branch refinement
 * finds dead paths.
 *
 * <p>32-bit ranges are held in longs: {@code u32min..u32max} within [0, 2^32-1], {@code s32min..s32max} within
 * [-2^31, 2^31-1].
 */
record Scalar(Tnum t, long umin, long umax, long smin, long smax, long u32min, long u32max, long s32min, long s32max) {
    static final long U32 = 0xffffffffL;
    static final Scalar UNKNOWN = new Scalar(Tnum.UNKNOWN, 0, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 0, U32, Integer.MIN_VALUE, Integer.MAX_VALUE);
    /** Any value whose upper 32 bits are zero (the result of every 32-bit operation). */
    static final Scalar UNKNOWN32 = of(Tnum.UNKNOWN.low32(), 0, U32, 0, U32, 0, U32, Integer.MIN_VALUE, Integer.MAX_VALUE);

    static Scalar constant(long v) { return new Scalar(Tnum.constant(v), v, v, v, v, v & U32, v & U32, (int) v, (int) v); }

    /** Any value in the unsigned range [lo, hi]. */
    static Scalar unsigned(long lo, long hi) { return of(Tnum.UNKNOWN, lo, hi, Long.MIN_VALUE, Long.MAX_VALUE, 0, U32, Integer.MIN_VALUE, Integer.MAX_VALUE); }

    /** Any value in the signed range [lo, hi]. */
    static Scalar signed(long lo, long hi) { return of(Tnum.UNKNOWN, 0, -1L, lo, hi, 0, U32, Integer.MIN_VALUE, Integer.MAX_VALUE); }

    boolean isConstant() { return t.isConstant(); }

    long value() { return t.value(); }

    boolean isUnknown() { return equals(UNKNOWN); }

    /** Whether the concrete value {@code v} is one this scalar stands for. */
    boolean contains(long v) {
        return t.contains(v) && Long.compareUnsigned(v, umin) >= 0 && Long.compareUnsigned(v, umax) <= 0 && v >= smin && v <= smax
                && (v & U32) >= u32min && (v & U32) <= u32max && (int) v >= s32min && (int) v <= s32max;
    }

    /** Whether every value of this scalar is one of {@code outer}'s. */
    boolean within(Scalar outer) {
        return t.within(outer.t) && Long.compareUnsigned(umin, outer.umin) >= 0 && Long.compareUnsigned(umax, outer.umax) <= 0
                && smin >= outer.smin && smax <= outer.smax && u32min >= outer.u32min && u32max <= outer.u32max
                && s32min >= outer.s32min && s32max <= outer.s32max;
    }

    /** The values of either (their hull, component by component). */
    Scalar join(Scalar o) {
        if (this.equals(o)) return this;
        Scalar r = of(t.union(o.t), umin(umin, o.umin), umax(umax, o.umax), Math.min(smin, o.smin), Math.max(smax, o.smax),
                Math.min(u32min, o.u32min), Math.max(u32max, o.u32max), Math.min(s32min, o.s32min), Math.max(s32max, o.s32max));
        return r == null ? UNKNOWN : r;
    }

    /** The values of both; null when no value is in both. */
    Scalar meet(Scalar o) {
        if (!t.agrees(o.t)) return null;
        return of(t.intersect(o.t), umax(umin, o.umin), umin(umax, o.umax), Math.max(smin, o.smin), Math.min(smax, o.smax),
                Math.max(u32min, o.u32min), Math.min(u32max, o.u32max), Math.max(s32min, o.s32min), Math.min(s32max, o.s32max));
    }

    /**
     * Widening: every bound of {@code next} that moved beyond this one jumps to the next of {@code thresholds} in
     * that direction (or to the end of the range), so a loop's increasing sequence of states becomes stable after
     * finitely many steps. Known bits only ever become unknown, which is finite too.
     */
    Scalar widen(Scalar next, Thresholds th) {
        long nuMin = Long.compareUnsigned(next.umin, umin) < 0 ? th.unsignedBelow(next.umin, 64) : umin;
        long nuMax = Long.compareUnsigned(next.umax, umax) > 0 ? th.unsignedAbove(next.umax, 64) : umax;
        long nsMin = next.smin < smin ? th.signedBelow(next.smin, 64) : smin;
        long nsMax = next.smax > smax ? th.signedAbove(next.smax, 64) : smax;
        long nu32Min = next.u32min < u32min ? th.unsignedBelow(next.u32min, 32) : u32min;
        long nu32Max = next.u32max > u32max ? th.unsignedAbove(next.u32max, 32) : u32max;
        long ns32Min = next.s32min < s32min ? th.signedBelow(next.s32min, 32) : s32min;
        long ns32Max = next.s32max > s32max ? th.signedAbove(next.s32max, 32) : s32max;
        // The known bits must not hold a widened bound back (they would, one bit per round): bits the widened ranges
        // can change become unknown, except the low bits known in both (a stride such as "multiple of 8" survives).
        Tnum u = t.union(next.t);
        long keepLow = u.mask() == 0 ? -1L : Long.lowestOneBit(u.mask()) - 1;
        long free = Tnum.range(nuMin, nuMax).mask() | (nsMin < 0 && nsMax >= 0 ? -1L : Tnum.range(nsMin, nsMax).mask())
                | Tnum.range(nu32Min, nu32Max).mask() | (ns32Min < 0 && ns32Max >= 0 ? 0xffffffffL : Tnum.range(ns32Min & U32, ns32Max & U32).mask());
        Tnum wt = new Tnum(u.value(), u.mask() | (free & ~keepLow));
        Scalar r = of(wt, nuMin, nuMax, nsMin, nsMax, nu32Min, nu32Max, ns32Min, ns32Max);
        return r == null ? UNKNOWN : r;
    }

    /** The low 32 bits as a 64-bit value (upper half zero). */
    Scalar zext32() {
        if (Long.compareUnsigned(umax, U32) <= 0) return this;
        Scalar r = of(t.low32(), u32min, u32max, u32min, u32max, u32min, u32max, s32min, s32max);
        return r == null ? UNKNOWN32 : r;
    }

    // ---------------------------------------------------------------- reduction

    /**
     * The scalar with these components, each tightened by what the others imply; null when they contradict. Every
     * step only removes values no component allows, so it is sound; it repeats until nothing changes.
     */
    static Scalar of(Tnum t, long umin, long umax, long smin, long smax, long u32min, long u32max, long s32min, long s32max) {
        for (int round = 0; round < 6; round++) {
            long[] b = {umin, umax, smin, smax, u32min, u32max, s32min, s32max};
            Tnum t0 = t;
            // known bits bound every range
            umin = umax(umin, t.min());
            umax = umin(umax, t.max());
            smin = Math.max(smin, t.smin());
            smax = Math.min(smax, t.smax());
            Tnum lo = t.low32();
            u32min = Math.max(u32min, lo.min());
            u32max = Math.min(u32max, lo.max());
            Tnum slo = t.signExtend(32);
            s32min = Math.max(s32min, slo.smin());
            s32max = Math.min(s32max, slo.smax());
            // unsigned against signed, on 64 and on 32 bits
            long[] us = intersectUnsignedSigned(umin, umax, smin, smax, 64);
            if (us == null) return null;
            umin = us[0]; umax = us[1]; smin = us[2]; smax = us[3];
            long[] us32 = intersectUnsignedSigned(u32min, u32max, s32min, s32max, 32);
            if (us32 == null) return null;
            u32min = us32[0]; u32max = us32[1]; s32min = us32[2]; s32max = us32[3];
            // 64-bit ranges inside one 2^32 block (or across two adjacent ones) bound the low half
            long[] l = lowHalf(umin, umax, false);
            if (l != null) {
                if (l[0] <= l[1]) { u32min = Math.max(u32min, l[0]); u32max = Math.min(u32max, l[1]); }
                else { s32min = Math.max(s32min, (int) l[0]); s32max = Math.min(s32max, (int) l[1]); }
            }
            l = lowHalf(smin, smax, true);
            if (l != null) {
                if (l[0] <= l[1]) { u32min = Math.max(u32min, l[0]); u32max = Math.min(u32max, l[1]); }
                else { s32min = Math.max(s32min, (int) l[0]); s32max = Math.min(s32max, (int) l[1]); }
            }
            if (u32min > u32max || s32min > s32max) return null;
            // the low half's range moves 64-bit bounds to the nearest value whose low half fits
            long[] u = fitLowHalf(umin, umax, u32min, u32max, false);
            if (u == null) return null;
            umin = u[0]; umax = u[1];
            long[] s = fitLowHalf(smin, smax, u32min, u32max, true);
            if (s == null) return null;
            smin = s[0]; smax = s[1];
            // ranges bound the known bits
            Tnum r = Tnum.range(umin, umax);
            if (!t.agrees(r)) return null;
            t = t.intersect(r);
            Tnum r32 = Tnum.range(u32min, u32max);
            if (!t.low32().agrees(r32)) return null;
            t = t.withLow32(t.low32().intersect(r32));
            if (Long.compareUnsigned(umin, umax) > 0 || smin > smax) return null;
            if (t.equals(t0) && java.util.Arrays.equals(b, new long[] {umin, umax, smin, smax, u32min, u32max, s32min, s32max})) break;
        }
        return new Scalar(t, umin, umax, smin, smax, u32min, u32max, s32min, s32max);
    }

    /**
     * The values in both the unsigned range [ulo, uhi] and the signed range [slo, shi] of a {@code bits}-wide
     * number, as {unsigned hull, signed hull}; null when there is none. The signed range is split where it crosses
     * zero into at most two unsigned pieces, each intersected with the unsigned range.
     */
    static long[] intersectUnsignedSigned(long ulo, long uhi, long slo, long shi, int bits) {
        long umaxW = bits == 64 ? -1L : U32;
        long[][] pieces;
        if (slo >= 0 || shi < 0) pieces = new long[][] {{toU(slo, bits), toU(shi, bits)}};
        else pieces = new long[][] {{0, toU(shi, bits)}, {toU(slo, bits), umaxW}};
        long hu0 = 0, hu1 = 0, hs0 = 0, hs1 = 0;
        boolean any = false;
        for (long[] p : pieces) {
            long a = umax(p[0], ulo), b = umin(p[1], uhi);
            if (Long.compareUnsigned(a, b) > 0) continue;
            // the signed view of [a, b]: one piece, or two where it crosses the sign boundary
            long sa = toS(a, bits), sb = toS(b, bits);
            long pMin = sa <= sb ? sa : signedMin(bits), pMax = sa <= sb ? sb : signedMax(bits);
            if (!any) { hu0 = a; hu1 = b; hs0 = pMin; hs1 = pMax; any = true; }
            else { hu0 = umin(hu0, a); hu1 = umax(hu1, b); hs0 = Math.min(hs0, pMin); hs1 = Math.max(hs1, pMax); }
        }
        return any ? new long[] {hu0, hu1, hs0, hs1} : null;
    }

    /**
     * When all values of [lo, hi] (unsigned, or signed when {@code signed}) share their upper 32 bits, the range
     * of their low halves {lo32, hi32} with lo32 <= hi32; when they span two adjacent blocks, {lo32, hi32} with
     * lo32 > hi32, meaning the low halves wrap (a signed 32-bit range [(int) lo32, (int) hi32] when that is one
     * interval); null when nothing follows.
     */
    private static long[] lowHalf(long lo, long hi, boolean signed) {
        long hlo = signed ? lo >> 32 : lo >>> 32, hhi = signed ? hi >> 32 : hi >>> 32;
        if (hlo == hhi) return new long[] {lo & U32, hi & U32};
        if (hhi == hlo + 1 && (lo & U32) >= 0x80000000L && (hi & U32) < 0x80000000L) return new long[] {lo & U32, hi & U32};
        return null;
    }

    /** [lo, hi] narrowed to values whose low half lies in [l32, h32]; null when there is none. */
    private static long[] fitLowHalf(long lo, long hi, long l32, long h32, boolean signed) {
        long h = signed ? lo >> 32 : lo >>> 32, l = lo & U32;
        long lastBlock = signed ? 0x7fffffffL : U32;
        if (l < l32) lo = (h << 32) | l32;
        else if (l > h32) {
            if (h == lastBlock) return null;
            lo = ((h + 1) << 32) | l32;
        }
        h = signed ? hi >> 32 : hi >>> 32;
        l = hi & U32;
        long firstBlock = signed ? -0x80000000L : 0;
        if (l > h32) hi = (h << 32) | h32;
        else if (l < l32) {
            if (h == firstBlock) return null;
            hi = ((h - 1) << 32) | h32;
        }
        boolean empty = signed ? lo > hi : Long.compareUnsigned(lo, hi) > 0;
        return empty ? null : new long[] {lo, hi};
    }

    static long toU(long v, int bits) { return bits == 64 ? v : v & U32; }

    static long toS(long v, int bits) { return bits == 64 ? v : (int) v; }

    static long signedMin(int bits) { return bits == 64 ? Long.MIN_VALUE : Integer.MIN_VALUE; }

    static long signedMax(int bits) { return bits == 64 ? Long.MAX_VALUE : Integer.MAX_VALUE; }

    static long unsignedMax(int bits) { return bits == 64 ? -1L : U32; }

    static long umin(long a, long b) { return Long.compareUnsigned(a, b) <= 0 ? a : b; }

    static long umax(long a, long b) { return Long.compareUnsigned(a, b) >= 0 ? a : b; }

    @Override public String toString() {
        if (isConstant()) return Long.toString(t.value());
        StringBuilder b = new StringBuilder("scalar(");
        String sep = "";
        if (umin != 0 || umax != -1L) { b.append("umin=").append(Long.toUnsignedString(umin)).append(",umax=").append(Long.toUnsignedString(umax)); sep = ","; }
        if (smin != Long.MIN_VALUE || smax != Long.MAX_VALUE) { b.append(sep).append("smin=").append(smin).append(",smax=").append(smax); sep = ","; }
        if ((u32min != 0 || u32max != U32) && (u32min != (umin & U32) || u32max != (umax & U32) || Long.compareUnsigned(umax, U32) > 0)) {
            b.append(sep).append("umin32=").append(u32min).append(",umax32=").append(u32max);
            sep = ",";
        }
        if ((s32min != Integer.MIN_VALUE || s32max != Integer.MAX_VALUE) && (s32min != smin || s32max != smax)) {
            b.append(sep).append("smin32=").append(s32min).append(",smax32=").append(s32max);
            sep = ",";
        }
        if (t.mask() != -1L) b.append(sep).append("var_off=").append(t);
        return b.append(')').toString();
    }
}
