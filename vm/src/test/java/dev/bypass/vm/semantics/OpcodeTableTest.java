package dev.bypass.vm.semantics;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.Interpreter;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.helpers.standard.BaseHelpers;
import dev.bypass.vm.isa.AluOp;
import dev.bypass.vm.isa.ByteOrder;
import dev.bypass.vm.isa.Instruction;
import dev.bypass.vm.isa.Instruction.*;
import dev.bypass.vm.isa.JumpOp;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.jit.JitEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every operation of the opcode table, in every encoding (64/32 bits, immediate/register source), through every
 * engine: the interpreter's opcode switch, the JIT (which copies the declarations' bytecode) whole and split into
 * one-instruction chunks, against the table's own evaluation ({@link Semantics#eval}), which is what constant folding
 * uses. Operands are edge values plus seeded random ones ({@code -Dbypass.ops.seed}), passed in r1 and r2 or encoded
 * as immediates; a failure names the seed.
 */
class OpcodeTableTest {
    static final long SEED = Long.getLong("bypass.ops.seed", 18L);
    static final long[] EDGES = {0, 1, -1, 2, 7, 31, 32, 63, 64, 65, 0x7fffffffL, 0x80000000L, 0xffffffffL, 0x100000000L,
            Long.MAX_VALUE, Long.MIN_VALUE, 0xffffffff80000000L, 0x8000L, 0x80L, -7, -2};

    /** First operands: edges and seeded random values. */
    static long[] values() {
        Random rnd = new Random(SEED);
        long[] v = java.util.Arrays.copyOf(EDGES, EDGES.length + 40);
        for (int i = EDGES.length; i < v.length; i++) v[i] = rnd.nextInt(4) == 0 ? rnd.nextInt(70) : rnd.nextLong();
        return v;
    }

    /** Immediates (32-bit, sign-extended by 64-bit operations): the edges' low halves and seeded random ints. */
    static int[] immediates() {
        Random rnd = new Random(SEED + 1);
        int[] v = new int[EDGES.length + 10];
        for (int i = 0; i < EDGES.length; i++) v[i] = (int) EDGES[i];
        for (int i = EDGES.length; i < v.length; i++) v[i] = rnd.nextInt();
        return v;
    }

    /** The engines, each running {@code body} with r1 = a, r2 = b; r0 is the result. */
    static List<Engine> engines(Instruction... body) throws Exception {
        List<Instruction> code = new ArrayList<>(List.of(body));
        code.add(new Exit());
        LinkedProgram linked = LinkedProgram.link("op", Program.of(code), BaseHelpers.registry());
        return List.of(new Interpreter(linked), JitEngine.compile(linked), JitEngine.compileSplit(linked, 1));
    }

    /** Runs every engine on every pair of operands ({@code b} only where {@code bs} is given) against {@code expected}. */
    static void check(String what, List<Engine> engines, long[] bs, java.util.function.LongBinaryOperator expected) {
        for (long a : values())
            for (long b : bs)
                for (Engine e : engines)
                    assertEquals(expected.applyAsLong(a, b), e.execute(new ExecutionState(), a, b, 0, 0, 0),
                            () -> what + " " + a + ", " + b + " on " + e.getClass().getSimpleName() + " (seed " + SEED + ")");
    }

    static Instruction mov(int dst, int src) { return Instruction.Alu.reg(true, AluOp.MOV, dst, src); }

    @TestFactory
    Stream<DynamicTest> aluOperations() {
        List<DynamicTest> tests = new ArrayList<>();
        for (AluOp op : AluOp.values())
            for (boolean wide : new boolean[] {true, false}) {
                if (!op.validFor(wide)) continue;
                String name = op.mnemonic + (wide ? "" : "32");
                if (op.readsSrc())
                    tests.add(DynamicTest.dynamicTest(name + " register", () -> check(name, engines(mov(0, 1), Instruction.Alu.reg(wide, op, 0, 2)),
                            values(), (a, b) -> Semantics.eval(op, wide, a, b))));
                if (op.isSignExtendingMove()) continue; // register source only
                tests.add(DynamicTest.dynamicTest(name + " immediate", () -> {
                    for (int imm : op == AluOp.NEG ? new int[] {0} : immediates())
                        check(name + " imm " + imm, engines(mov(0, 1), Instruction.Alu.imm(wide, op, 0, imm)), new long[] {0},
                                (a, b) -> Semantics.eval(op, wide, a, imm));
                }));
            }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> jumpConditions() {
        List<DynamicTest> tests = new ArrayList<>();
        Instruction notTaken = Instruction.Alu.imm(true, AluOp.MOV, 0, 0), taken = Instruction.Alu.imm(true, AluOp.MOV, 0, 1);
        for (JumpOp op : JumpOp.values())
            for (boolean wide : new boolean[] {true, false}) {
                String name = op.mnemonic + (wide ? "" : "32");
                // r0 = 1 when taken, 0 when not
                tests.add(DynamicTest.dynamicTest(name + " register", () -> check(name, engines(taken,
                        new Instruction.Jump(wide, op, 1, true, 2, 0, (short) 1), notTaken), values(), (a, b) -> Semantics.test(op, wide, a, b) ? 1 : 0)));
                tests.add(DynamicTest.dynamicTest(name + " immediate", () -> {
                    for (int imm : immediates())
                        check(name + " imm " + imm, engines(taken, new Instruction.Jump(wide, op, 1, false, 0, imm, (short) 1), notTaken),
                                new long[] {0}, (a, b) -> Semantics.test(op, wide, a, imm) ? 1 : 0);
                }));
            }
        return tests.stream();
    }

    @Test
    void byteSwaps() throws Exception {
        for (ByteOrder order : ByteOrder.values())
            for (int bits : new int[] {16, 32, 64})
                check(order + "" + bits, engines(mov(0, 1), new Endian(order, bits, 0)), new long[] {0}, (a, b) -> Semantics.swapValue(order, bits, a));
    }

    /** The JIT's compare entry points evaluate through the same table. */
    @Test
    void foldingEntryPointsAreTheTable() {
        for (long a : values())
            for (long b : values()) {
                for (JumpOp op : JumpOp.values()) {
                    assertEquals(Semantics.test(op, true, a, b), Ops.compare64(op, a, b));
                    assertEquals(Semantics.test(op, false, a, b), Ops.compare32(op, (int) a, (int) b));
                }
            }
        assertEquals(0x8877L, Ops.endian(ByteOrder.BE, 16, 0x1122334455667788L));
        assertEquals(-128L, Ops.signExtend(8, 0x80));
    }

    /** Each operation has exactly one declaration of the right shape (the table checks this when it loads). */
    @Test
    void theTableIsComplete() {
        for (AluOp op : AluOp.values()) {
            assertNotNull(Semantics.alu(op, true));
            if (op.validFor(false)) assertNotNull(Semantics.alu(op, false));
        }
        for (JumpOp op : JumpOp.values()) {
            assertTrue(Semantics.jump(op, true).descriptor().startsWith("(JJ)"));
            assertTrue(Semantics.jump(op, false).descriptor().startsWith("(II)"));
        }
        assertEquals("add64", Semantics.alu(AluOp.ADD, true).name());
        assertEquals("(II)I", Semantics.alu(AluOp.ADD, false).descriptor());
    }
}
