package dev.bypass.vm.jit;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.EngineKind;
import dev.bypass.vm.engines.Engines;
import dev.bypass.vm.exec.ExecutionException;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.Interpreter;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.facts.ProgramFacts;
import dev.bypass.vm.helpers.standard.BaseHelpers;
import dev.bypass.vm.isa.AluOp;
import dev.bypass.vm.isa.Instruction;
import dev.bypass.vm.isa.Instruction.*;
import dev.bypass.vm.isa.JumpOp;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.isa.Width;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * Programs at and beyond what one JVM class holds: the JIT compiles those within its budget (every method small
 * enough for HotSpot, dispatch over hundreds of chunks and thousands of functions) and gives the interpreter's
 * results; beyond the budget it declines up front, the program runs in the interpreter, and the reason is logged.
 * Generated from a seed (printed on failure) as instruction records, so building them costs little.
 */
class LargeProgramsTest {
    static final long SEED = Long.getLong("bypass.jit.large.seed", 27L);

    /**
     * A body of {@code slots} slots of ALU, stack and branch instructions, about half of them jumps (short forward
     * ones, far forward ones across many chunks), run {@code rounds} times by a loop around it; r0 the result.
     */
    static Program jumpy(int slots, int rounds, Random rnd) {
        List<Instruction> code = new ArrayList<>(slots + 16);
        code.add(alu(AluOp.MOV, 0, 1));
        code.add(alu(AluOp.MOV, 2, 3));
        code.add(alu(AluOp.MOV, 9, 0));
        code.add(new StoreImm(Width.DW, 10, (short) -8, 5));
        int top = code.size();
        int bodyEnd = slots - 4; // the loop's increment, test, back edge and exit follow
        while (code.size() < bodyEnd) {
            int s = code.size(), room = bodyEnd - s - 1;
            switch (rnd.nextInt(6)) {
                case 0 -> code.add(new Jump(true, JumpOp.values()[rnd.nextInt(JumpOp.values().length)], 0, rnd.nextBoolean(), 2,
                        rnd.nextInt(1000) - 500, (short) Math.min(room, 1 + rnd.nextInt(3))));
                case 1 -> code.add(new Jump(false, JumpOp.values()[rnd.nextInt(JumpOp.values().length)], 2, false, 0,
                        rnd.nextInt(), (short) Math.min(room, 1 + rnd.nextInt(2))));
                case 2 -> code.add(rnd.nextInt(50) == 0 // far: over hundreds of slots, into another chunk
                        ? new Goto(false, Math.min(room, 200 + rnd.nextInt(2000)))
                        : new Jump(true, JumpOp.JSET, 0, false, 0, 1 << rnd.nextInt(8), (short) Math.min(room, 1 + rnd.nextInt(4))));
                case 3 -> code.add(new Load(Width.DW, false, 3, 10, (short) -8));
                case 4 -> code.add(new Store(Width.DW, 10, (short) -8, 0));
                default -> code.add(switch (rnd.nextInt(3)) {
                    case 0 -> new Instruction.Alu(true, AluOp.ADD, 0, true, 3, 0);
                    case 1 -> new Instruction.Alu(rnd.nextBoolean(), AluOp.XOR, 2, false, 0, rnd.nextInt());
                    default -> new Instruction.Alu(true, AluOp.MUL, 0, false, 0, 3 + 2 * rnd.nextInt(100));
                });
            }
        }
        code.add(alu(AluOp.ADD, 9, 1));
        code.add(new Jump(true, JumpOp.JGE, 9, false, 0, rounds, (short) 1));
        code.add(new Goto(true, top - code.size() - 1));
        code.add(new Exit());
        return Program.of(code);
    }

    /** {@code functions} functions; the first calls every other once and adds up what they return. */
    static Program manyFunctions(int functions) {
        List<Instruction> code = new ArrayList<>();
        code.add(alu(AluOp.MOV, 6, 0));
        int callsEnd = 1 + 2 * (functions - 1) + 2;
        for (int f = 1; f < functions; f++) {
            int s = code.size(), entry = callsEnd + 3 * (f - 1);
            code.add(new Call(CallKind.LOCAL, entry - s - 1));
            code.add(new Instruction.Alu(true, AluOp.ADD, 6, true, 0, 0));
        }
        code.add(new Instruction.Alu(true, AluOp.MOV, 0, true, 6, 0));
        code.add(new Exit());
        for (int f = 1; f < functions; f++) {
            code.add(alu(AluOp.MOV, 0, f));
            code.add(new Instruction.Alu(true, AluOp.MUL, 0, false, 0, 3));
            code.add(new Exit());
        }
        return Program.of(code);
    }

    static Instruction alu(AluOp op, int dst, int imm) { return new Instruction.Alu(true, op, dst, false, 0, imm); }

    static long run(Engine e) { return e.execute(new ExecutionState(), 0, 0, 0, 0, 0); }

    /** Records what the JIT logs while {@code body} runs. */
    static List<String> logged(Runnable body) {
        Logger jul = Logger.getLogger(JitEngine.LOGGER);
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        Handler h = new Handler() {
            @Override public void publish(LogRecord r) { lines.add(r.getMessage()); }
            @Override public void flush() {}
            @Override public void close() {}
        };
        jul.addHandler(h);
        try {
            body.run();
        } finally {
            jul.removeHandler(h);
        }
        return lines;
    }

    @Test
    void aMillionInstructionsFallBackToTheInterpreterWithTheReasonLogged() {
        Program p = jumpy(1_000_000, 2, new Random(SEED));
        LinkedProgram linked = LinkedProgram.link("million", p, BaseHelpers.registry());
        JitCompiler.Unsupported why = assertThrows(JitCompiler.Unsupported.class, () -> JitCompiler.compile(linked));
        assertTrue(why.getMessage().contains("1000000 instruction slots"), why.getMessage());
        Engine[] chosen = new Engine[1];
        List<String> log = logged(() -> chosen[0] = Engines.create(linked, EngineKind.JIT, ProgramFacts.NONE));
        assertInstanceOf(Interpreter.class, chosen[0]);
        assertTrue(log.stream().anyMatch(l -> l.contains("program million runs in the interpreter") && l.contains(why.getMessage())), log.toString());
        assertEquals(run(new Interpreter(linked)), run(chosen[0]), "seed " + SEED);
    }

    @Test
    void fourHundredThousandSlotsWithTwoHundredThousandJumpsCompile() throws Exception {
        Program p = jumpy(400_000, 3, new Random(SEED));
        long jumps = p.instructions().stream().filter(i -> i instanceof Jump || i instanceof Goto).count();
        assertTrue(jumps >= 190_000, "jumps: " + jumps);
        LinkedProgram linked = LinkedProgram.link("jumpy", p, BaseHelpers.registry());
        // compile checks that every method of the class is small enough for HotSpot to compile
        assertEquals(run(new Interpreter(linked)), run(JitEngine.compile(linked)), "seed " + SEED);
    }

    /** Errors past slot 32767 (numbers the compiler builds without the constant pool) name the same slot. */
    @Test
    void errorsFarIntoALargeProgramNameTheSameInstruction() throws Exception {
        Program p = jumpy(70_000, 1_000_000, new Random(SEED));
        List<Instruction> faulting = new ArrayList<>(p.instructions());
        faulting.add(faulting.size() - 4, new Load(Width.DW, false, 4, 1, (short) 8)); // r1 is 0: a null dereference
        for (Program q : new Program[] {Program.of(faulting), p}) { // the second one runs out of budget at its back edge
            LinkedProgram linked = LinkedProgram.link("errors", q, BaseHelpers.registry());
            ExecutionException interpreted = assertThrows(ExecutionException.class, () -> new Interpreter(linked).execute(new ExecutionState(2), 0, 0, 0, 0, 0));
            ExecutionException compiled = assertThrows(ExecutionException.class, () -> JitEngine.compile(linked).execute(new ExecutionState(2), 0, 0, 0, 0, 0));
            assertTrue(interpreted.pc() > Short.MAX_VALUE, interpreted.getMessage());
            assertEquals(interpreted.getMessage(), compiled.getMessage());
            assertEquals(interpreted.kind(), compiled.kind());
        }
    }

    @Test
    void thousandsOfFunctionsCompileAndBeyondTheBudgetFallBack() throws Exception {
        LinkedProgram linked = LinkedProgram.link("functions", manyFunctions(3000), BaseHelpers.registry());
        Interpreter interpreter = new Interpreter(linked);
        JitEngine jit = JitEngine.compile(linked);
        assertEquals(run(interpreter), run(jit));
        // entering at other functions (as callbacks do) goes through the grouped function dispatch
        for (int f : new int[] {1, 255, 256, 257, 1000, 2999}) {
            int entry = 1 + 2 * 2999 + 2 + 3 * (f - 1);
            assertTrue(linked.isFunctionEntry(entry));
            assertEquals(interpreter.invoke(new ExecutionState(), entry, 1, 0, 0, 0, 0, 0), jit.invoke(new ExecutionState(), entry, 1, 0, 0, 0, 0, 0));
        }
        LinkedProgram tooMany = LinkedProgram.link("functions", manyFunctions(JitCompiler.MAX_FUNCTIONS + 1), BaseHelpers.registry());
        JitCompiler.Unsupported why = assertThrows(JitCompiler.Unsupported.class, () -> JitCompiler.compile(tooMany));
        assertTrue(why.getMessage().contains("functions"), why.getMessage());
        assertEquals(run(new Interpreter(tooMany)), run(Engines.create(tooMany, EngineKind.JIT, ProgramFacts.NONE)));
        AutoEngine auto = new AutoEngine(tooMany);
        for (int i = 0; i <= AutoEngine.THRESHOLD; i++) assertEquals(run(interpreterOf(tooMany)), run(auto));
        assertEquals(why.getMessage(), auto.fallbackReason());
    }

    private static final java.util.Map<LinkedProgram, Interpreter> INTERPRETERS = new java.util.IdentityHashMap<>();

    static Interpreter interpreterOf(LinkedProgram p) { return INTERPRETERS.computeIfAbsent(p, Interpreter::new); }
}
