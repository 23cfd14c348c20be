package dev.bypass.verifier;

import dev.bypass.vm.semantics.Semantics;
import dev.bypass.vm.isa.AluOp;
import dev.bypass.vm.isa.ByteOrder;
import dev.bypass.vm.semantics.Ops;

/**
 * Transfer functions of the scalar domain for arithmetic: pure functions from abstract operands to the abstract
 * result, sound for every concrete pair of operands they stand for (property-tested against the one semantics
 * table, {@link AluOp#eval64}/{@link AluOp#eval32}). Constants fold through that table.
 *
 * <p>Each operation is written once for a width of 32 or 64 bits over a {@link View} (known bits plus unsigned and
 * signed ranges of that width). A 64-bit operation combines its 64-bit result with the 32-bit result of the same
 * operation on the low halves where the low half of the result depends only on the low halves of the operands
 * (add, sub, mul, and, or, xor, neg, left shifts); a 32-bit operation's result is zero-extended.
 */
final class ScalarAlu {
    private ScalarAlu() {}

    /** A scalar seen at one width: known bits (only the low {@code bits} may be set) and ranges of that width. */
    record View(Tnum t, long ulo, long uhi, long slo, long shi) {
        static View of(Scalar s, int bits) {
            return bits == 64 ? new View(s.t(), s.umin(), s.umax(), s.smin(), s.smax())
                    : new View(s.t().low32(), s.u32min(), s.u32max(), s.s32min(), s.s32max());
        }

        static View unknown(int bits) {
            return new View(bits == 64 ? Tnum.UNKNOWN : Tnum.UNKNOWN.low32(), 0, Scalar.unsignedMax(bits), Scalar.signedMin(bits), Scalar.signedMax(bits));
        }

        boolean constant() { return t.isConstant(); }
    }

    /** {@code dst op src} on 64 or 32 bits (MOV and the sign-extending moves use {@code src} only). */
    static Scalar alu(AluOp op, boolean alu64, Scalar dst, Scalar src) {
        switch (op) {
            case MOV -> { return alu64 ? src : src.zext32(); }
            case MOVSX8, MOVSX16, MOVSX32 -> {
                Scalar r = signExtend(src, op == AluOp.MOVSX8 ? 8 : op == AluOp.MOVSX16 ? 16 : 32);
                return alu64 ? r : r.zext32();
            }
            default -> {}
        }
        if (dst.isConstant() && src.isConstant()) return Scalar.constant(Semantics.eval(op, alu64, dst.value(), src.value()));
        if (!alu64) return fromView32(op(op, View.of(dst, 32), View.of(src, 32), 32));
        View r64 = op(op, View.of(dst, 64), View.of(src, 64), 64);
        View r32 = lowHalfFollows(op, src) ? op(op, View.of(dst, 32), View.of(src, 32), 32) : View.unknown(32);
        Tnum low = r64.t().low32().agrees(r32.t()) ? r64.t().low32().intersect(r32.t()) : r64.t().low32();
        Scalar r = Scalar.of(r64.t().withLow32(low), r64.ulo(), r64.uhi(), r64.slo(), r64.shi(),
                r32.ulo(), r32.uhi(), r32.slo(), r32.shi());
        return r == null ? Scalar.UNKNOWN : r;
    }

    /** Whether the low 32 bits of the 64-bit result are the 32-bit operation on the operands' low halves. */
    private static boolean lowHalfFollows(AluOp op, Scalar src) {
        return switch (op) {
            case ADD, SUB, MUL, AND, OR, XOR, NEG -> true;
            case LSH -> src.isConstant() && (src.value() & 63) < 32;
            default -> false;
        };
    }

    private static Scalar fromView32(View v) {
        Scalar r = Scalar.of(v.t().low32(), v.ulo(), v.uhi(), v.ulo(), v.uhi(), v.ulo(), v.uhi(), v.slo(), v.shi());
        return r == null ? Scalar.UNKNOWN32 : r;
    }

    /** The operation at one width. */
    static View op(AluOp op, View a, View b, int bits) {
        long umaxW = Scalar.unsignedMax(bits), sminW = Scalar.signedMin(bits), smaxW = Scalar.signedMax(bits);
        Tnum t;
        long[] u = null, s = null;
        switch (op) {
            case ADD -> {
                t = a.t().add(b.t());
                u = addU(a.ulo(), a.uhi(), b.ulo(), b.uhi(), bits);
                s = addS(a.slo(), a.shi(), b.slo(), b.shi(), bits);
            }
            case SUB -> {
                t = a.t().sub(b.t());
                u = subU(a.ulo(), a.uhi(), b.ulo(), b.uhi(), bits);
                s = subS(a.slo(), a.shi(), b.slo(), b.shi(), bits);
            }
            case NEG -> {
                View zero = new View(Tnum.ZERO, 0, 0, 0, 0);
                return op(AluOp.SUB, zero, a, bits);
            }
            case MUL -> {
                t = a.t().mul(b.t());
                u = mulU(a.ulo(), a.uhi(), b.ulo(), b.uhi(), bits);
                s = mulS(a.slo(), a.shi(), b.slo(), b.shi(), bits);
            }
            case AND -> {
                t = a.t().and(b.t());
                u = new long[] {0, Scalar.umin(a.uhi(), b.uhi())};
                if (a.slo() >= 0 || b.slo() >= 0) {
                    long hi = a.slo() >= 0 && b.slo() >= 0 ? Math.min(a.shi(), b.shi()) : a.slo() >= 0 ? a.shi() : b.shi();
                    s = new long[] {0, hi};
                } else if (a.shi() < 0 && b.shi() < 0) {
                    s = new long[] {sminW, Math.min(a.shi(), b.shi())};
                }
            }
            case OR -> {
                t = a.t().or(b.t());
                u = new long[] {Scalar.umax(a.ulo(), b.ulo()), umaxW};
                if (a.slo() >= 0 && b.slo() >= 0) s = new long[] {Math.max(a.slo(), b.slo()), smaxW};
                else if (a.shi() < 0 || b.shi() < 0) {
                    long lo = a.shi() < 0 && b.shi() < 0 ? Math.max(a.slo(), b.slo()) : a.shi() < 0 ? a.slo() : b.slo();
                    s = new long[] {lo, -1};
                }
            }
            case XOR -> {
                t = a.t().xor(b.t());
                if ((a.slo() >= 0 && b.slo() >= 0) || (a.shi() < 0 && b.shi() < 0)) s = new long[] {0, smaxW};
            }
            case LSH, RSH, ARSH -> {
                return shift(op, a, b, bits);
            }
            case DIV -> {
                t = Tnum.UNKNOWN;
                u = Long.compareUnsigned(b.ulo(), 0) > 0
                        ? new long[] {Long.divideUnsigned(a.ulo(), b.uhi()), Long.divideUnsigned(a.uhi(), b.ulo())}
                        : new long[] {0, a.uhi()}; // x / 0 == 0, and x / y <= x
            }
            case MOD -> {
                if (b.ulo() != 0 && Long.compareUnsigned(a.uhi(), b.ulo()) < 0) return a; // x % y == x when x < y
                if (b.uhi() == 0) return a; // x % 0 == x
                t = Tnum.UNKNOWN;
                u = b.ulo() != 0 ? new long[] {0, Scalar.umin(a.uhi(), b.uhi() - 1)} : new long[] {0, a.uhi()};
            }
            case SDIV -> {
                t = Tnum.UNKNOWN;
                s = sdiv(a, b, bits);
            }
            case SMOD -> {
                if (b.constant() && b.t().value() == 0) return a; // x % 0 == x
                t = Tnum.UNKNOWN;
                s = smod(a, b, bits);
            }
            default -> throw new IllegalArgumentException("not an arithmetic operation: " + op);
        }
        if (bits == 32) t = t.low32();
        if (u == null) u = new long[] {0, umaxW};
        if (s == null) s = new long[] {sminW, smaxW};
        return new View(t, u[0], u[1], s[0], s[1]);
    }

    // ---------------------------------------------------------------- ranges of one width

    /** [lo, hi] when the two sums carry out of the width equally often (the sums then stay ordered), else null. */
    static long[] addU(long alo, long ahi, long blo, long bhi, int bits) {
        long lo = alo + blo, hi = ahi + bhi;
        if (bits == 32) return (lo >>> 32) == (hi >>> 32) ? new long[] {lo & Scalar.U32, hi & Scalar.U32} : null;
        boolean cLo = Long.compareUnsigned(lo, alo) < 0, cHi = Long.compareUnsigned(hi, ahi) < 0;
        return cLo == cHi ? new long[] {lo, hi} : null;
    }

    static long[] addS(long alo, long ahi, long blo, long bhi, int bits) {
        long lo = alo + blo, hi = ahi + bhi;
        if (bits == 32) return wraps32(lo) == wraps32(hi) ? new long[] {(int) lo, (int) hi} : null;
        return overflow64(alo, blo, lo) == overflow64(ahi, bhi, hi) ? new long[] {lo, hi} : null;
    }

    static long[] subU(long alo, long ahi, long blo, long bhi, int bits) {
        long lo = alo - bhi, hi = ahi - blo;
        boolean bLo = Long.compareUnsigned(alo, bhi) < 0, bHi = Long.compareUnsigned(ahi, blo) < 0;
        if (bLo != bHi) return null;
        return bits == 32 ? new long[] {lo & Scalar.U32, hi & Scalar.U32} : new long[] {lo, hi};
    }

    static long[] subS(long alo, long ahi, long blo, long bhi, int bits) {
        long lo = alo - bhi, hi = ahi - blo;
        if (bits == 32) return wraps32(lo) == wraps32(hi) ? new long[] {(int) lo, (int) hi} : null;
        return overflowSub64(alo, bhi, lo) == overflowSub64(ahi, blo, hi) ? new long[] {lo, hi} : null;
    }

    static long[] mulU(long alo, long ahi, long blo, long bhi, int bits) {
        if (bits == 32) {
            long hi = ahi * bhi; // both below 2^32: exact as an unsigned 64-bit product
            return Long.compareUnsigned(hi, Scalar.U32) <= 0 ? new long[] {alo * blo, hi} : null;
        }
        return Math.unsignedMultiplyHigh(ahi, bhi) == 0 ? new long[] {alo * blo, ahi * bhi} : null;
    }

    static long[] mulS(long alo, long ahi, long blo, long bhi, int bits) {
        long[] corners = new long[4];
        long[][] pairs = {{alo, blo}, {alo, bhi}, {ahi, blo}, {ahi, bhi}};
        for (int i = 0; i < 4; i++) {
            long x = pairs[i][0], y = pairs[i][1], p = x * y;
            if (bits == 32) {
                if (p < Integer.MIN_VALUE || p > Integer.MAX_VALUE) return null;
            } else if (Math.multiplyHigh(x, y) != (p >> 63)) return null;
            corners[i] = p;
        }
        long lo = Math.min(Math.min(corners[0], corners[1]), Math.min(corners[2], corners[3]));
        long hi = Math.max(Math.max(corners[0], corners[1]), Math.max(corners[2], corners[3]));
        return new long[] {lo, hi};
    }

    /** -1, 0 or 1: whether a 64-bit sum x + y = r went below, stayed in, or went above the signed range. */
    private static int overflow64(long x, long y, long r) {
        if (((x ^ r) & (y ^ r)) >= 0) return 0;
        return x < 0 ? -1 : 1;
    }

    /** The same for a difference x - y = r. */
    private static int overflowSub64(long x, long y, long r) {
        if (((x ^ y) & (x ^ r)) >= 0) return 0;
        return x < 0 ? -1 : 1;
    }

    private static long wraps32(long v) { return Math.floorDiv(v - Integer.MIN_VALUE, 1L << 32); }

    private static long[] sdiv(View a, View b, int bits) {
        long p = b.slo(), q = b.shi();
        if (p == 0 && q == 0) return new long[] {0, 0}; // x / 0 == 0
        if (p >= 1) return divBox(a.slo(), a.shi(), p, q);
        if (q <= -2 && p != Scalar.signedMin(bits)) {
            // x / d == -(x / -d), with -d in [-q, -p]
            long[] r = divBox(a.slo(), a.shi(), -q, -p);
            if (r[0] == Scalar.signedMin(bits) || r[1] == Scalar.signedMin(bits)) return null;
            return new long[] {-r[1], -r[0]};
        }
        return null;
    }

    /** trunc(x / d) over x in [xlo, xhi], d in [p, q] with p >= 1: extremes at the corners. */
    private static long[] divBox(long xlo, long xhi, long p, long q) {
        long lo = Math.min(xlo / p, xlo / q), hi = Math.max(xhi / p, xhi / q);
        return new long[] {lo, hi};
    }

    private static long[] smod(View a, View b, int bits) {
        long p = b.slo(), q = b.shi();
        if (p <= 0 && q >= 0) return null; // may be 0: x % 0 == x, anything
        if (p == Scalar.signedMin(bits)) return null;
        long m = Math.max(Math.abs(p), Math.abs(q)) - 1; // |x % d| < |d|, and the sign follows x
        if (m == 0) return new long[] {0, 0};
        if (a.slo() >= 0) return new long[] {0, Math.min(a.shi(), m)};
        if (a.shi() <= 0) return new long[] {Math.max(a.slo(), -m), 0};
        return new long[] {Math.max(a.slo(), -m), Math.min(a.shi(), m)};
    }

    /** Shifts; the amount is masked to the width (RFC 9669), so an unknown amount ranges over 0..width-1. */
    private static View shift(AluOp op, View a, View b, int bits) {
        int mask = bits - 1;
        long umaxW = Scalar.unsignedMax(bits), sminW = Scalar.signedMin(bits), smaxW = Scalar.signedMax(bits);
        Tnum amount = b.t().and(Tnum.constant(mask));
        long lo = amount.min(), hi = amount.max();
        if (b.constant()) lo = hi = b.t().value() & mask;
        else if (Long.compareUnsigned(b.uhi(), mask) <= 0) { lo = Math.max(lo, b.ulo()); hi = Math.min(hi, b.uhi()); }
        Tnum t = null;
        for (long k = lo; k <= hi; k++) {
            if (!amount.contains(k)) continue;
            Tnum one = switch (op) {
                case LSH -> a.t().lsh((int) k);
                case RSH -> a.t().rsh((int) k);
                default -> bits == 32 ? a.t().signExtend(32).arsh((int) k) : a.t().arsh((int) k);
            };
            if (bits == 32) one = one.low32();
            t = t == null ? one : t.union(one);
        }
        if (t == null) t = bits == 32 ? Tnum.UNKNOWN.low32() : Tnum.UNKNOWN;
        long[] u = null, s = null;
        switch (op) {
            case LSH -> {
                if (hi == 0 || (a.uhi() >>> (bits - hi)) == 0)
                    u = new long[] {a.ulo() << lo, a.uhi() << hi};
                if (lo == hi && a.slo() >= (sminW >> lo) && a.shi() <= (smaxW >> lo)) s = new long[] {a.slo() << lo, a.shi() << lo};
            }
            case RSH -> u = new long[] {a.ulo() >>> hi, a.uhi() >>> lo};
            default -> s = new long[] {Math.min(a.slo() >> lo, a.slo() >> hi), Math.max(a.shi() >> lo, a.shi() >> hi)};
        }
        if (u == null) u = new long[] {0, umaxW};
        if (s == null) s = new long[] {sminW, smaxW};
        return new View(t, u[0], u[1], s[0], s[1]);
    }

    // ---------------------------------------------------------------- widths

    /** The low {@code bits} bits sign-extended to 64 ({@code movsx}, sign-extending loads). */
    static Scalar signExtend(Scalar v, int bits) {
        if (bits >= 64) return v;
        long half = 1L << (bits - 1);
        if (v.smin() >= -half && v.smax() < half) return v; // the value already is its own sign extension
        if (v.isConstant()) return Scalar.constant(Ops.signExtend(bits, v.value()));
        long slo = -half, shi = half - 1;
        long width = 1L << bits, keep = width - 1;
        if ((v.umin() >>> bits) == (v.umax() >>> bits) || bits < 64 && Long.compareUnsigned(v.umax() - v.umin(), keep) < 0
                && (v.umin() & keep) <= (v.umax() & keep)) {
            long l = v.umin() & keep, h = v.umax() & keep; // the low bits range over [l, h]
            if (h < half || l >= half) { slo = Ops.signExtend(bits, l); shi = Ops.signExtend(bits, h); }
        }
        Scalar r = Scalar.of(v.t().signExtend(bits), 0, -1L, slo, shi, 0, Scalar.U32, Integer.MIN_VALUE, Integer.MAX_VALUE);
        return r == null ? Scalar.signed(-half, half - 1) : r;
    }

    /** The low {@code bytes} bytes, zero-extended (narrow loads, {@code le16}/{@code le32}). */
    static Scalar truncate(Scalar v, int bytes) {
        if (bytes >= 8) return v;
        long keep = (1L << (8 * bytes)) - 1;
        if (Long.compareUnsigned(v.umax(), keep) <= 0) return v;
        if (v.isConstant()) return Scalar.constant(v.value() & keep);
        long lo = 0, hi = keep;
        if ((v.umin() & ~keep) == (v.umax() & ~keep)) { lo = v.umin() & keep; hi = v.umax() & keep; }
        Scalar r = Scalar.of(v.t().cast(bytes), lo, hi, lo, hi, 0, Scalar.U32, Integer.MIN_VALUE, Integer.MAX_VALUE);
        return r == null ? Scalar.unsigned(0, keep) : r;
    }

    /** Byte order conversion on a little-endian machine: {@code le} truncates, {@code be} and {@code bswap} reverse. */
    static Scalar endian(ByteOrder order, int bits, Scalar v) {
        if (v.isConstant()) return Scalar.constant(Ops.endian(order, bits, v.value()));
        if (order == ByteOrder.LE) return truncate(v, bits / 8);
        Tnum t = v.t().bswap(bits);
        long max = Scalar.unsignedMax(64) >>> (64 - bits);
        Scalar r = Scalar.of(t, 0, max, Long.MIN_VALUE, Long.MAX_VALUE, 0, Scalar.U32, Integer.MIN_VALUE, Integer.MAX_VALUE);
        return r == null ? Scalar.UNKNOWN : r;
    }
}
