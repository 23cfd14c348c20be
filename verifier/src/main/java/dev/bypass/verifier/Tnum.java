package dev.bypass.verifier;

/**
 * A "tristate number": what is known of each bit of a 64-bit value. Bits set in {@code mask} are unknown; the
 * others equal the bits of {@code value} (which has no bit in common with {@code mask}). The arithmetic follows the
 * classic construction the Linux verifier uses (tnum.c), written here from the definitions.
 */
record Tnum(long value, long mask) {
    static final Tnum UNKNOWN = new Tnum(0, -1L);
    static final Tnum ZERO = new Tnum(0, 0);

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

    /** Whether {@code v} is one of the values this tnum allows. */
    boolean contains(long v) { return (v & ~mask) == value; }

    long min() { return value; }

    long max() { return value | mask; }

    /** The smallest and largest value as signed numbers (the sign bit taken as 1, then as 0, when unknown). */
    long smin() { return value | (mask & Long.MIN_VALUE); }

    long smax() { return value | (mask & Long.MAX_VALUE); }

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

    Tnum neg() { return ZERO.sub(this); }

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

    /**
     * Multiplication: the product of the known parts, plus, for each bit of the first operand that is one or unknown,
     * the unknown contribution of the correspondingly shifted second operand.
     */
    Tnum mul(Tnum b) {
        long accV = value * b.value;
        Tnum accM = ZERO;
        long av = value, am = mask;
        Tnum bb = b;
        while (av != 0 || am != 0) {
            if ((av & 1) != 0) accM = accM.add(new Tnum(0, bb.mask));
            else if ((am & 1) != 0) accM = accM.add(new Tnum(0, bb.value | bb.mask));
            av >>>= 1;
            am >>>= 1;
            bb = bb.lsh(1);
        }
        return constant(accV).add(accM);
    }

    /** Both facts at once (the values satisfying both); meaningless when they contradict (see {@link #agrees}). */
    Tnum intersect(Tnum b) {
        long v = value | b.value, mu = mask & b.mask;
        return new Tnum(v & ~mu, mu);
    }

    /** Whether some value satisfies both. */
    boolean agrees(Tnum b) { return ((value ^ b.value) & ~mask & ~b.mask) == 0; }

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

    /** The low {@code bytes} bytes, zero-extended. */
    Tnum cast(int bytes) {
        if (bytes >= 8) return this;
        long keep = (1L << (8 * bytes)) - 1;
        return new Tnum(value & keep, mask & keep);
    }

    /** The low 32 bits, zero-extended. */
    Tnum low32() { return cast(4); }

    /** This tnum with its low 32 bits replaced by those of {@code low}. */
    Tnum withLow32(Tnum low) {
        return new Tnum((value & 0xffffffff00000000L) | (low.value & 0xffffffffL), (mask & 0xffffffff00000000L) | (low.mask & 0xffffffffL));
    }

    /** The low {@code bits} bits sign-extended to 64 (an unknown sign bit makes every higher bit unknown). */
    Tnum signExtend(int bits) {
        if (bits >= 64) return this;
        int s = 64 - bits;
        return new Tnum((value << s) >> s, (mask << s) >> s);
    }

    /** Bytes reversed within the low {@code bits} (16, 32 or 64), higher bits cleared. */
    Tnum bswap(int bits) {
        long v = Long.reverseBytes(value) >>> (64 - bits), m = Long.reverseBytes(mask) >>> (64 - bits);
        return new Tnum(v, m);
    }

    @Override public String toString() {
        return isConstant() ? Long.toString(value) : "(0x" + Long.toHexString(value) + "; 0x" + Long.toHexString(mask) + ")";
    }
}
