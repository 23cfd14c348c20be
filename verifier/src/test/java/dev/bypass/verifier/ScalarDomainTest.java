package dev.bypass.verifier;

import dev.bypass.vm.semantics.Semantics;
import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.isa.AluOp;
import dev.bypass.vm.isa.ByteOrder;
import dev.bypass.vm.isa.JumpOp;
import dev.bypass.vm.semantics.Ops;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Property tests of the scalar domain alone: for random concrete values inside random abstract values, the concrete
 * result of every ALU operation and the outcome of every comparison (computed by the one semantics table,
 * {@link AluOp#eval} and {@link JumpOp#test}) lie inside the abstract result; joins, widenings, meets and the width
 * conversions keep their members. Seeded and reproducible: {@code -Dbypass.domain.seed=S}, {@code
 * -Dbypass.domain.cases=N}; a failure names its seed.
 */
class ScalarDomainTest {
    static final long SEED = Long.getLong("bypass.domain.seed", 20261207L);
    static final int CASES = Integer.getInteger("bypass.domain.cases", 3000);

    /** An abstract value built around a concrete one, with a few more of its members. */
    record Sample(Scalar abs, long[] members) {}

    static long interesting(Random r) {
        return switch (r.nextInt(10)) {
            case 0 -> r.nextInt(5) - 2;
            case 1 -> r.nextInt(600) - 300;
            case 2 -> 1L << r.nextInt(64);
            case 3 -> (1L << r.nextInt(64)) - 1;
            case 4 -> Long.MIN_VALUE + r.nextInt(3);
            case 5 -> Long.MAX_VALUE - r.nextInt(3);
            case 6 -> (r.nextLong() & 0xffffffffL) | (r.nextBoolean() ? 0 : 0xffffffffL << 32);
            case 7 -> 0xffffffffL - r.nextInt(3) + (r.nextBoolean() ? 0 : 1L << 32);
            case 8 -> Integer.MIN_VALUE + r.nextInt(3) + (r.nextBoolean() ? 0 : (long) r.nextInt(4) << 32);
            default -> r.nextLong();
        };
    }

    static Sample sample(Random r) {
        long x = interesting(r);
        Scalar s = Scalar.constant(x);
        int kinds = r.nextInt(4);
        for (int k = 0; k <= kinds; k++) {
            Scalar c = switch (r.nextInt(7)) {
                case 0 -> Scalar.constant(x);
                case 1 -> { // unsigned range around x
                    long lo = Long.compareUnsigned(x, 1000) < 0 ? 0 : x - r.nextInt(1000);
                    long hi = Long.compareUnsigned(x, -1001L) > 0 ? -1L : x + r.nextInt(1000);
                    yield Scalar.unsigned(r.nextInt(4) == 0 ? 0 : lo, r.nextInt(4) == 0 ? -1L : hi);
                }
                case 2 -> { // signed range around x
                    long lo = x < Long.MIN_VALUE + 1000 ? Long.MIN_VALUE : x - r.nextInt(1000);
                    long hi = x > Long.MAX_VALUE - 1000 ? Long.MAX_VALUE : x + r.nextInt(1000);
                    yield Scalar.signed(r.nextInt(4) == 0 ? Long.MIN_VALUE : lo, r.nextInt(4) == 0 ? Long.MAX_VALUE : hi);
                }
                case 3 -> { // known bits
                    long mask = r.nextLong() & r.nextLong();
                    if (r.nextBoolean()) mask &= 0xffff;
                    yield Scalar.of(new Tnum(x & ~mask, mask), 0, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 0, Scalar.U32, Integer.MIN_VALUE, Integer.MAX_VALUE);
                }
                case 4 -> { // a range of the low half
                    long lo = x & Scalar.U32;
                    yield Scalar.of(Tnum.UNKNOWN, 0, -1L, Long.MIN_VALUE, Long.MAX_VALUE, Math.max(0, lo - r.nextInt(100)),
                            Math.min(Scalar.U32, lo + r.nextInt(100)), Integer.MIN_VALUE, Integer.MAX_VALUE);
                }
                case 5 -> { // a signed range of the low half
                    long lo = (int) x;
                    yield Scalar.of(Tnum.UNKNOWN, 0, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 0, Scalar.U32,
                            Math.max(Integer.MIN_VALUE, lo - r.nextInt(100)), Math.min(Integer.MAX_VALUE, lo + r.nextInt(100)));
                }
                default -> Scalar.UNKNOWN;
            };
            assertNotNull(c, "abstract value around " + x);
            Scalar m = s == null ? c : c.meet(s);
            if (k == 0) s = c;
            else if (m != null) s = m;
        }
        assertTrue(s.contains(x), () -> "built around " + x + " but does not contain it");
        List<Long> members = new ArrayList<>();
        members.add(x);
        long[] candidates = {s.umin(), s.umax(), s.smin(), s.smax(), x + 1, x - 1, x ^ (s.t().mask() & r.nextLong()), s.t().min(), s.t().max(),
                (x & ~Scalar.U32) | s.u32min(), (x & ~Scalar.U32) | s.u32max(), (x & ~Scalar.U32) | (s.s32min() & Scalar.U32)};
        for (long c : candidates) if (s.contains(c)) members.add(c);
        return new Sample(s, members.stream().mapToLong(Long::longValue).toArray());
    }

    static Stream<DynamicTest> cases(String name, java.util.function.BiConsumer<Random, Long> body) {
        return Stream.of(DynamicTest.dynamicTest(name, () -> {
            for (int i = 0; i < CASES; i++) {
                long seed = SEED + 7919L * i + name.hashCode();
                try {
                    body.accept(new Random(seed), seed);
                } catch (AssertionError e) {
                    throw new AssertionError(name + ", seed " + seed + ": " + e.getMessage(), e);
                }
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyAluOperationContainsItsConcreteResults() {
        List<DynamicTest> tests = new ArrayList<>();
        for (AluOp op : AluOp.values()) {
            for (boolean alu64 : new boolean[] {true, false}) {
                if (!op.validFor(alu64)) continue;
                tests.addAll(cases(op.mnemonic + (alu64 ? "64" : "32"), (r, seed) -> {
                    Sample a = sample(r);
                    long k = r.nextInt(64);
                    Sample b = (op == AluOp.LSH || op == AluOp.RSH || op == AluOp.ARSH) && r.nextBoolean()
                            ? new Sample(r.nextBoolean() ? Scalar.constant(k) : Scalar.unsigned(0, 63), new long[] {k}) : sample(r);
                    Scalar res = ScalarAlu.alu(op, alu64, a.abs(), b.abs());
                    for (long x : a.members())
                        for (long y : b.members()) {
                            long v = Semantics.eval(op, alu64, x, y);
                            assertTrue(res.contains(v), () -> op + (alu64 ? "64 " : "32 ") + x + ", " + y + " = " + v + " not in " + res
                                    + " (from " + a.abs() + ", " + b.abs() + ")");
                        }
                }).toList());
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> everyComparisonKeepsTheValuesOfItsOutcome() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JumpOp op : JumpOp.values()) {
            for (boolean jmp64 : new boolean[] {true, false}) {
                tests.addAll(cases(op.mnemonic + (jmp64 ? "" : "32"), (r, seed) -> {
                    Sample a = sample(r), b = r.nextInt(3) == 0 ? new Sample(Scalar.constant(interesting(r)), null) : sample(r);
                    long[] bm = b.members() == null ? new long[] {b.abs().value()} : b.members();
                    for (long x : a.members())
                        for (long y : bm) {
                            boolean outcome = Semantics.test(op, jmp64, x, y);
                            Scalar[] refined = ScalarBranch.refine(op, outcome, jmp64, a.abs(), b.abs());
                            assertNotNull(refined, () -> op + " " + x + ", " + y + " is " + outcome + " but refinement found it impossible: "
                                    + a.abs() + ", " + b.abs());
                            assertTrue(refined[0].contains(x) && refined[1].contains(y), () -> op + " " + x + ", " + y + " is " + outcome
                                    + ": refined to " + refined[0] + ", " + refined[1] + " from " + a.abs() + ", " + b.abs());
                        }
                }).toList());
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> latticeOperationsKeepTheirMembers() {
        Thresholds th = new Thresholds(List.of(10L, 100L, 1000L, -5L, 0xffffffffL));
        return Stream.of(
                cases("join", (r, seed) -> {
                    Sample a = sample(r), b = sample(r);
                    Scalar j = a.abs().join(b.abs());
                    for (long x : a.members()) assertTrue(j.contains(x), "join lost " + x);
                    for (long x : b.members()) assertTrue(j.contains(x), "join lost " + x);
                    assertTrue(a.abs().within(j) && b.abs().within(j), "join is not above both: " + j);
                }),
                cases("widen", (r, seed) -> {
                    Sample a = sample(r), b = sample(r);
                    Scalar w = a.abs().widen(b.abs(), th);
                    for (long x : a.members()) assertTrue(w.contains(x), "widening lost " + x);
                    for (long x : b.members()) assertTrue(w.contains(x), "widening lost " + x);
                }),
                cases("meet", (r, seed) -> {
                    Sample a = sample(r);
                    Scalar other = sample(r).abs().join(a.abs());
                    Scalar m = a.abs().meet(other);
                    assertNotNull(m, "meet of a value with one above it is empty");
                    for (long x : a.members()) assertTrue(m.contains(x), "meet lost " + x);
                }),
                cases("zext32, truncate, sign extension, byte order", (r, seed) -> {
                    Sample a = sample(r);
                    int bytes = 1 << r.nextInt(4), bits = 8 << r.nextInt(4);
                    ByteOrder order = r.nextBoolean() ? ByteOrder.LE : ByteOrder.BE;
                    int swapBits = 16 << r.nextInt(3);
                    for (long x : a.members()) {
                        assertTrue(a.abs().zext32().contains(x & Scalar.U32), "zext32 lost " + x);
                        assertTrue(ScalarAlu.truncate(a.abs(), bytes).contains(bytes == 8 ? x : x & ((1L << (8 * bytes)) - 1)), "truncate " + bytes + " lost " + x);
                        assertTrue(ScalarAlu.signExtend(a.abs(), bits).contains(Ops.signExtend(bits, x)), "sign extension from " + bits + " lost " + x);
                        assertTrue(ScalarAlu.endian(order, swapBits, a.abs()).contains(Ops.endian(order, swapBits, x)), order + "" + swapBits + " lost " + x);
                    }
                })).flatMap(s -> s);
    }
}
