package dev.bypass.verifier;

import dev.bypass.vm.semantics.Semantics;
import dev.bypass.vm.isa.JumpOp;

/**
 * Transfer functions of the scalar domain for conditional jumps: what each operand can still be once a comparison
 * is known to hold (or not). Pure functions; the result is null when no pair of values allows the outcome, which
 * is how a branch is found dead. A 64-bit comparison refines the 64-bit components, a 32-bit one the low half's;
 * reduction ({@link Scalar#of}) carries the news to the others.
 */
final class ScalarBranch {
    private ScalarBranch() {}

    /**
     * The operands under the assumption that {@code a op b} is {@code holds} (compared on 64 bits when
     * {@code jmp64}, else on the low 32); null when that cannot be.
     */
    static Scalar[] refine(JumpOp op, boolean holds, boolean jmp64, Scalar a, Scalar b) {
        if (a.isConstant() && b.isConstant()) return Semantics.test(op, jmp64, a.value(), b.value()) == holds ? new Scalar[] {a, b} : null;
        int bits = jmp64 ? 64 : 32;
        ScalarAlu.View va = ScalarAlu.View.of(a, bits), vb = ScalarAlu.View.of(b, bits);
        ScalarAlu.View[] r;
        if (op == JumpOp.JSET) r = holds ? jset(va, vb) : jclear(va, vb);
        else r = compare(holds ? op : op.negate(), va, vb, bits);
        if (r == null) return null;
        Scalar na = write(a, r[0], bits), nb = write(b, r[1], bits);
        return na == null || nb == null ? null : new Scalar[] {na, nb};
    }

    private static Scalar write(Scalar s, ScalarAlu.View v, int bits) {
        if (bits == 64) return Scalar.of(v.t(), v.ulo(), v.uhi(), v.slo(), v.shi(), s.u32min(), s.u32max(), s.s32min(), s.s32max());
        return Scalar.of(s.t().withLow32(v.t()), s.umin(), s.umax(), s.smin(), s.smax(), v.ulo(), v.uhi(), v.slo(), v.shi());
    }

    private static ScalarAlu.View[] compare(JumpOp op, ScalarAlu.View a, ScalarAlu.View b, int bits) {
        switch (op) {
            case JEQ -> {
                if (!a.t().agrees(b.t())) return null;
                ScalarAlu.View m = new ScalarAlu.View(a.t().intersect(b.t()), Scalar.umax(a.ulo(), b.ulo()), Scalar.umin(a.uhi(), b.uhi()),
                        Math.max(a.slo(), b.slo()), Math.min(a.shi(), b.shi()));
                if (Long.compareUnsigned(m.ulo(), m.uhi()) > 0 || m.slo() > m.shi()) return null;
                return new ScalarAlu.View[] {m, m};
            }
            case JNE -> {
                ScalarAlu.View na = b.constant() ? exclude(a, b.t().value(), bits) : a;
                ScalarAlu.View nb = a.constant() ? exclude(b, a.t().value(), bits) : b;
                return na == null || nb == null ? null : new ScalarAlu.View[] {na, nb};
            }
            case JGT -> { // a > b
                if (Long.compareUnsigned(a.uhi(), b.ulo()) <= 0) return null;
                return new ScalarAlu.View[] {withU(a, Scalar.umax(a.ulo(), b.ulo() + 1), a.uhi()), withU(b, b.ulo(), Scalar.umin(b.uhi(), a.uhi() - 1))};
            }
            case JGE -> {
                if (Long.compareUnsigned(a.uhi(), b.ulo()) < 0) return null;
                return new ScalarAlu.View[] {withU(a, Scalar.umax(a.ulo(), b.ulo()), a.uhi()), withU(b, b.ulo(), Scalar.umin(b.uhi(), a.uhi()))};
            }
            case JSGT -> {
                if (a.shi() <= b.slo()) return null;
                return new ScalarAlu.View[] {withS(a, Math.max(a.slo(), b.slo() + 1), a.shi()), withS(b, b.slo(), Math.min(b.shi(), a.shi() - 1))};
            }
            case JSGE -> {
                if (a.shi() < b.slo()) return null;
                return new ScalarAlu.View[] {withS(a, Math.max(a.slo(), b.slo()), a.shi()), withS(b, b.slo(), Math.min(b.shi(), a.shi()))};
            }
            case JLT, JLE, JSLT, JSLE -> {
                ScalarAlu.View[] r = compare(op.swapped(), b, a, bits);
                return r == null ? null : new ScalarAlu.View[] {r[1], r[0]};
            }
            default -> throw new IllegalArgumentException(op.toString());
        }
    }

    /** a & b != 0. */
    private static ScalarAlu.View[] jset(ScalarAlu.View a, ScalarAlu.View b) {
        if ((a.t().max() & b.t().max()) == 0) return null;
        if (b.constant() && Long.bitCount(b.t().value()) == 1) { // the one tested bit is set
            long bit = b.t().value();
            return new ScalarAlu.View[] {new ScalarAlu.View(new Tnum(a.t().value() | bit, a.t().mask() & ~bit), a.ulo(), a.uhi(), a.slo(), a.shi()), b};
        }
        return new ScalarAlu.View[] {a, b};
    }

    /** a & b == 0. */
    private static ScalarAlu.View[] jclear(ScalarAlu.View a, ScalarAlu.View b) {
        if ((a.t().value() & b.t().value()) != 0) return null;
        if (b.constant()) { // every tested bit is clear
            long bits = b.t().value();
            return new ScalarAlu.View[] {new ScalarAlu.View(new Tnum(a.t().value() & ~bits, a.t().mask() & ~bits), a.ulo(), a.uhi(), a.slo(), a.shi()), b};
        }
        if (a.constant()) {
            long bits = a.t().value();
            return new ScalarAlu.View[] {a, new ScalarAlu.View(new Tnum(b.t().value() & ~bits, b.t().mask() & ~bits), b.ulo(), b.uhi(), b.slo(), b.shi())};
        }
        return new ScalarAlu.View[] {a, b};
    }

    /** a != c: a range ending at c loses that end. */
    private static ScalarAlu.View exclude(ScalarAlu.View a, long c, int bits) {
        if (a.constant()) return a.t().value() == c ? null : a;
        long ulo = a.ulo(), uhi = a.uhi(), slo = a.slo(), shi = a.shi(), cs = Scalar.toS(c, bits);
        if (ulo == c) ulo++;
        if (uhi == c) uhi--;
        if (slo == cs) slo++;
        if (shi == cs) shi--;
        return new ScalarAlu.View(a.t(), ulo, uhi, slo, shi);
    }

    private static ScalarAlu.View withU(ScalarAlu.View v, long lo, long hi) { return new ScalarAlu.View(v.t(), lo, hi, v.slo(), v.shi()); }

    private static ScalarAlu.View withS(ScalarAlu.View v, long lo, long hi) { return new ScalarAlu.View(v.t(), v.ulo(), v.uhi(), lo, hi); }
}
