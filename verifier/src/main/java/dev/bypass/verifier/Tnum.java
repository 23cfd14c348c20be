package dev.bypass.verifier;

/**
 * A "tristate number": what is known of each bit of a 64-bit value. Bits set in {@code mask} are unknown; the
 * others equal the bits of {@code value} (which has no bit in common with {@code mask}). The arithmetic follows
 * the classic construction used by the Linux verifier (tnum.c); written here from the definitions.
 */
record Tnum(long value, long mask) {
    static final Tnum UNKNOWN = new Tnum(0, -1L);

    Tnum {
        value &= ~mask;
    }

    static Tnum constant(long v) { return new Tnum(v, 0); }

    /** The smallest tnum holding every value in the unsigned range [min, max]. */
    static Tnum range(long min, long max) {
        long chi = min ^ max;
        int bits = 64 - Long.numberOfLeadingZeros(chi);
        if (bits > 63) return UNKNOWN;
        long delta = (1L << bits) - 1;
        return new Tnum(min & ~delta, delta);
    }

    boolean isConstant() { return mask == 0; }

    long min() { return value; }

    long max() { return value | mask; }

    Tnum add(Tnum b) {
        long sm = mask + b.mask, sv = value + b.value, sigma = sm + sv, chi = sigma ^ sv;
        long mu = chi | mask | b.mask;
        return new Tnum(sv & ~mu, mu);
    }

    Tnum sub(Tnum b) {
        long dv = value - b.value, alpha = dv + mask, beta = dv - b.mask, chi = alpha ^ beta;
        long mu = chi | mask | b.mask;
        return new Tnum(dv & ~mu, mu);
    }

    Tnum and(Tnum b) {
        long alpha = value | mask, beta = b.value | b.mask, v = value & b.value;
        return new Tnum(v, alpha & beta & ~v);
    }

    Tnum or(Tnum b) {
        long v = value | b.value, mu = mask | b.mask;
        return new Tnum(v, mu & ~v);
    }

    Tnum xor(Tnum b) {
        long v = value ^ b.value, mu = mask | b.mask;
        return new Tnum(v & ~mu, mu);
    }

    Tnum lsh(int s) { return new Tnum(value << s, mask << s); }

    Tnum rsh(int s) { return new Tnum(value >>> s, mask >>> s); }

    Tnum arsh(int s) { return new Tnum(value >> s, mask >> s); }

    /** Multiplication by shift-and-add over the known and unknown bits of the first operand. */
    Tnum mul(Tnum b) {
        Tnum acc = constant(value * b.value);
        Tnum a = this;
        Tnum accMask = constant(0);
        long av = a.value, am = a.mask;
        Tnum bb = b;
        for (int i = 0; i < 64 && (av != 0 || am != 0); i++) {
            if ((av & 1) != 0) accMask = accMask.add(new Tnum(0, bb.mask));
            else if ((am & 1) != 0) accMask = accMask.add(new Tnum(0, bb.value | bb.mask));
            av >>>= 1;
            am >>>= 1;
            bb = bb.lsh(1);
        }
        return acc.add(accMask);
    }

    /** Both facts at once (the values satisfying both). */
    Tnum intersect(Tnum b) {
        long v = value | b.value, mu = mask & b.mask;
        return new Tnum(v & ~mu, mu);
    }

    /** Either fact (the values satisfying one or the other). */
    Tnum union(Tnum b) {
        long mu = mask | b.mask | (value ^ b.value);
        return new Tnum(value & ~mu, mu);
    }

    /** Whether every value this tnum allows is allowed by {@code outer}. */
    boolean within(Tnum outer) {
        if ((mask & ~outer.mask) != 0) return false;
        return (value & ~outer.mask) == outer.value;
    }

    /** The low 32 bits, zero-extended. */
    Tnum low32() { return new Tnum(value & 0xffffffffL, mask & 0xffffffffL); }

    @Override public String toString() {
        return isConstant() ? Long.toString(value) : "(" + Long.toHexString(value) + "; " + Long.toHexString(mask) + ")";
    }
}
