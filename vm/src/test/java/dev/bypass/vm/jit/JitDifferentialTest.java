package dev.bypass.vm.jit;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionException;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.Interpreter;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.memory.Memory;
import dev.bypass.vm.memory.Region;
import dev.bypass.vm.helpers.standard.MapHelpers;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.maps.BpfMap;
import dev.bypass.vm.maps.MapSpec;
import dev.bypass.vm.maps.MapType;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The JIT against the interpreter on seeded random programs: ALU in both widths, loads and stores of every width on
 * the stack and the input memory (some out of range on purpose), sign-extending loads, atomics, forward branches,
 * loops closed by backward branches, local calls and helper calls (after which r1-r5 are set again, as valid programs
 * must): map lookups that read and write the value they find, and map updates, on a 4-entry array map. Programs may
 * fault: both engines must agree on r0, the input memory and the map's contents when they finish, and on the kind
 * and instruction of the error when they do not. A quarter of the programs also run compiled with their functions split
 * into chunks of 3 to 10 slots, the way functions too long for one JVM method are compiled.
 * {@code -Dbypass.jit.diff.count=N} runs more; a failure prints its seed and program.
 */
class JitDifferentialTest {
    static final int MEM = 64;
    static final String[] ALU = {"add", "sub", "mul", "div", "sdiv", "or", "and", "lsh", "rsh", "neg", "mod", "smod", "xor", "mov", "arsh"};
    static final String[] JMP = {"jeq", "jne", "jgt", "jge", "jlt", "jle", "jsgt", "jsge", "jslt", "jsle", "jset"};
    static final String[] W = {"b", "h", "w", "dw"};

    /** r1-r5 are scratch after a helper call, r0 held a map value pointer: set them again. */
    static final String AFTER_HELPER = "mov %r0, 0\nmov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\n";
    static final MapSpec MAP = new MapSpec("values", MapType.ARRAY, 4, 8, 4, 0);

    static String generate(Random rnd) {
        StringBuilder b = new StringBuilder();
        int n = 5 + rnd.nextInt(30);
        b.append("mov %r6, %r1\n");
        for (int r = 0; r <= 9; r++) if (r != 1 && r != 6) b.append("mov %r").append(r).append(", ").append(rnd.nextInt(200) - 100).append('\n');
        b.append("stdw [%r10-8], 7\nstdw [%r10-16], -1\n");
        boolean withCall = rnd.nextInt(4) == 0;
        for (int i = 0; i < n; i++) {
            b.append("L").append(i).append(":\n");
            int d = rnd.nextInt(10), s = rnd.nextInt(10);
            if (d == 6 || d == 1) d = 2;
            switch (rnd.nextInt(19)) {
                case 0, 1, 2, 3 -> {
                    String op = ALU[rnd.nextInt(ALU.length)];
                    boolean w32 = rnd.nextInt(3) == 0;
                    if (op.equals("neg")) b.append("neg").append(w32 ? "32" : "").append(" %r").append(d).append('\n');
                    else b.append(op).append(w32 ? "32" : "").append(" %r").append(d).append(", ")
                            .append(rnd.nextBoolean() ? "%r" + s : Integer.toString(rnd.nextInt(1 << 20) - (1 << 19))).append('\n');
                }
                case 4 -> b.append(rnd.nextBoolean() ? "be" : "le").append(new int[] {16, 32, 64}[rnd.nextInt(3)]).append(" %r").append(d).append('\n');
                case 5 -> b.append("lddw %r").append(d).append(", ").append(rnd.nextLong()).append('\n');
                case 6 -> b.append("ldx").append(W[rnd.nextInt(4)]).append(" %r").append(d).append(", [%r6+").append(rnd.nextInt(MEM + 4)).append("]\n");
                case 7 -> b.append("ldxs").append(W[rnd.nextInt(3)]).append(" %r").append(d).append(", [%r10-").append(1 + rnd.nextInt(16)).append("]\n");
                case 8 -> b.append("stx").append(W[rnd.nextInt(4)]).append(" [%r6+").append(rnd.nextInt(MEM + 4)).append("], %r").append(s).append('\n');
                case 9 -> b.append("st").append(W[rnd.nextInt(4)]).append(" [%r10-").append(8 * (1 + rnd.nextInt(4))).append("], ").append(rnd.nextInt()).append('\n');
                case 10 -> {
                    String[] at = {"add", "or", "and", "xor"};
                    boolean fetch = rnd.nextBoolean();
                    int off = 8 * rnd.nextInt(MEM / 8);
                    switch (rnd.nextInt(6)) {
                        case 0 -> b.append("lock xchg [%r6+").append(off).append("], %r").append(s == 6 ? 2 : s).append('\n');
                        case 1 -> b.append("lock cmpxchg [%r6+").append(off).append("], %r").append(s == 6 ? 2 : s).append('\n');
                        default -> b.append("lock ").append(fetch ? "fetch " : "").append(at[rnd.nextInt(4)]).append(" [%r6+").append(off)
                                .append("], %r").append(s == 6 ? 2 : s).append('\n');
                    }
                }
                case 11, 12 -> b.append(JMP[rnd.nextInt(JMP.length)]).append(rnd.nextInt(3) == 0 ? "32" : "").append(" %r").append(d).append(", ")
                        .append(rnd.nextBoolean() ? "%r" + s : Integer.toString(rnd.nextInt(200) - 100)).append(", L").append(i + 1 + rnd.nextInt(n - i)).append('\n');
                case 13 -> {
                    if (i > 0) b.append("add %r9, 1\njlt %r9, ").append(rnd.nextInt(300)).append(", L").append(rnd.nextInt(i)).append('\n');
                }
                case 17 -> { // may_goto: forward, or leaving a loop early
                    if (i > 0 && rnd.nextBoolean()) b.append("add %r9, 1\nmay_goto L").append(i + 1).append("\njlt %r9, ")
                            .append(rnd.nextInt(300)).append(", L").append(rnd.nextInt(i)).append('\n');
                    else b.append("may_goto L").append(i + 1 + rnd.nextInt(n - i)).append('\n');
                }
                case 14 -> {
                    // r1-r5 are scratch after a call (RFC 9669): valid programs set them again before reading.
                    if (withCall) b.append("mov %r1, %r").append(s).append("\ncall local fn\nmov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 5\n");
                }
                case 15 -> { // lookup; when found, read the value into a register and write another register into it
                    b.append("stw [%r10-20], ").append(rnd.nextInt(6)).append("\nlddw %r1, map_idx(0)\nmov %r2, %r10\nadd %r2, -20\ncall 1\n")
                            .append("jeq %r0, 0, L").append(i + 1).append('\n')
                            .append("ldxdw %r").append(d == 0 ? 2 : d).append(", [%r0]\n")
                            .append("stxdw [%r0], %r").append(s == 0 ? 7 : s).append('\n')
                            .append(AFTER_HELPER);
                }
                case 16 -> b.append("stw [%r10-20], ").append(rnd.nextInt(6)).append("\nstxdw [%r10-32], %r").append(s)
                        .append("\nlddw %r1, map_idx(0)\nmov %r2, %r10\nadd %r2, -20\nmov %r3, %r10\nadd %r3, -32\nmov %r4, ")
                        .append(rnd.nextInt(3)).append("\ncall 2\n").append(AFTER_HELPER);
                default -> b.append("mov %r0, %r").append(s).append('\n');
            }
        }
        b.append("L").append(n).append(":\nexit\n");
        if (withCall) b.append("fn:\nmov %r0, %r1\nmul %r0, 3\nstdw [%r10-8], 5\nldxdw %r2, [%r10-8]\nadd %r0, %r2\nexit\n");
        return b.toString();
    }

    record Outcome(long r0, String error, byte[] memory, String map) {
        @Override public boolean equals(Object o) {
            return o instanceof Outcome x && x.r0 == r0 && java.util.Objects.equals(x.error, error) && Arrays.equals(x.memory, memory)
                    && x.map.equals(map);
        }

        @Override public int hashCode() { return Long.hashCode(r0); }

        @Override public String toString() {
            return (error != null ? "error " + error : "r0=" + r0) + " mem=" + java.util.HexFormat.of().formatHex(memory) + " map=" + map;
        }
    }

    /** Runs {@code e} on a copy of {@code input} with the map zeroed first. */
    static Outcome run(Engine e, byte[] input, BpfMap map) {
        for (int k = 0; k < 4; k++) map.update(new byte[] {(byte) k, 0, 0, 0}, new byte[8], BpfMap.ANY);
        byte[] mem = input.clone();
        ExecutionState st = new ExecutionState(5_000);
        long r1 = st.memory().bind(Memory.DATA_REGION, Region.of("input", mem, true));
        long r0 = 0;
        String error = null;
        try {
            r0 = e.execute(st, r1, MEM, 0, 0, 0);
        } catch (ExecutionException x) {
            error = x.kind() + "@" + x.getMessage();
        }
        StringBuilder values = new StringBuilder();
        for (int k = 0; k < 4; k++) values.append(java.util.HexFormat.of().formatHex(map.lookup(new byte[] {(byte) k, 0, 0, 0}))).append(' ');
        return new Outcome(r0, error, mem, values.toString());
    }

    @Test
    void jitAgreesWithTheInterpreter() throws Exception {
        int count = Integer.getInteger("bypass.jit.diff.count", 100_000);
        long base = Long.getLong("bypass.jit.diff.seed", 1L);
        int finished = 0, failed = 0, withHelpers = 0, splitRuns = 0;
        for (int i = 0; i < count; i++) {
            long seed = base + i;
            Random rnd = new Random(seed);
            String asm = generate(rnd);
            Program p;
            try {
                p = Assembler.assemble(asm);
            } catch (RuntimeException e) {
                continue;
            }
            try (BpfMap map = BpfMap.create(MAP)) {
                LinkedProgram linked = LinkedProgram.link("diff", p, MapHelpers.registry(), (slot, insn) -> map.handle());
                byte[] input = new byte[MEM];
                rnd.nextBytes(input);
                Outcome interp = run(new Interpreter(linked), input, map);
                Outcome jit = run(JitEngine.compile(linked), input, map);
                if (!interp.equals(jit)) fail("seed " + seed + ": interpreter " + interp + " but JIT " + jit + "\n" + asm);
                if (i % 4 == 0) { // functions split into chunks of a few slots, as long ones are
                    Outcome split = run(JitEngine.compileSplit(linked, 3 + rnd.nextInt(8)), input, map);
                    if (!interp.equals(split)) fail("seed " + seed + ": interpreter " + interp + " but split JIT " + split + "\n" + asm);
                    splitRuns++;
                }
                if (interp.error() == null) finished++; else failed++;
                if (asm.contains("call 1") || asm.contains("call 2")) withHelpers++;
            }
        }
        System.out.println("JIT differential: " + count + " programs (" + withHelpers + " calling map helpers, " + splitRuns
                + " also compiled split into small chunks), " + finished + " finished, " + failed + " ended in the same error in both engines");
        assertTrue(withHelpers > count / 10, "too few programs call helpers: " + withHelpers);
        assertTrue(finished > count / 4, "too few programs ran to the end to mean anything: " + finished);
    }

    /**
     * {@code may_goto} in every engine: a loop passes it exactly {@link ExecutionState#MAX_LOOPS} times (or the
     * budget the host set), then it jumps; each call of a function gets its own count, as each frame does in Linux,
     * and so does each run.
     */
    @Test
    void mayGotoEndsALoopAfterTheRunsLoopBudget() throws Exception {
        String asm = """
                mov %r6, 0
                call local count
                add %r6, %r0
                call local count
                add %r6, %r0
                mov %r0, %r6
                exit
                count:
                mov %r0, 0
                top:
                add %r0, 1
                may_goto out
                ja top
                out:
                exit
                """;
        LinkedProgram linked = LinkedProgram.link("loops", Assembler.assemble(asm), MapHelpers.registry());
        for (Engine e : java.util.List.of(new Interpreter(linked), JitEngine.compile(linked), JitEngine.compileSplit(linked, 3))) {
            ExecutionState st = new ExecutionState();
            for (int run = 0; run < 2; run++)
                assertEquals(2 * (ExecutionState.MAX_LOOPS + 1), e.execute(st, 0, 0, 0, 0, 0), e.getClass().getSimpleName() + ", run " + run);
            st.setLoopBudget(5); // a host's shorter budget, for every call of the next runs
            for (int run = 0; run < 2; run++)
                assertEquals(2 * (5 + 1), e.execute(st, 0, 0, 0, 0, 0), e.getClass().getSimpleName() + ", budget 5, run " + run);
        }
    }

    /** A function far over HotSpot's method limit, with a loop around all of it, is compiled (split), not refused. */
    @Test
    void longFunctionsAreSplitNotRefused() throws Exception {
        StringBuilder b = new StringBuilder("mov %r0, 0\nmov %r2, 1\nmov %r3, 2\nmov %r9, 0\nstdw [%r10-8], 0\ntop:\n");
        String[] ops = {"add %r0, %r2", "xor %r2, %r0", "lsh %r3, 3", "ldxdw %r4, [%r10-8]", "add %r4, %r3", "stxdw [%r10-8], %r4",
                "mul %r2, 7", "jgt %r3, %r2, +1", "sub %r0, 5", "rsh32 %r3, 1"};
        for (int i = 0; i < 5000; i++) b.append(ops[i % ops.length]).append('\n');
        b.append("add %r9, 1\njlt %r9, 3, top\nexit\n");
        LinkedProgram linked = LinkedProgram.link("long", Assembler.assemble(b.toString()), MapHelpers.registry());
        JitEngine jit = JitEngine.compile(linked); // must not throw Unsupported
        try (BpfMap map = BpfMap.create(MAP)) {
            byte[] input = new byte[MEM];
            assertEquals(run(new Interpreter(linked), input, map), run(jit, input, map));
        }
    }
}
