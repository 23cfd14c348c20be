package dev.bypass.verifier;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.ProgramType;
import dev.bypass.programs.VerificationRequest;
import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.ctx.ContextLayout;
import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionException;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.Interpreter;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.exec.Memory;
import dev.bypass.vm.exec.Region;
import dev.bypass.vm.exec.PseudoResolver;
import dev.bypass.vm.helpers.RingReservations;
import dev.bypass.vm.maps.BpfMap;
import dev.bypass.vm.maps.MapSpec;
import dev.bypass.vm.maps.MapType;
import dev.bypass.vm.maps.RingBuffer;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.jit.JitCompiler;
import dev.bypass.vm.jit.JitEngine;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded random programs mixing arithmetic, stack and context accesses with computed offsets, branches, backward
 * jumps, map lookups and ring-buffer records; every program the verifier accepts runs in the interpreter on random
 * context bytes in checking mode, and any fault (an access outside its region, a null dereference, a read of a stack
 * byte never written, a run past the end) or a ring-buffer record still held at exit is a soundness bug. Each accepted
 * program also runs compiled with the verifier's facts (which drop checks the verifier proved unnecessary) and must
 * leave the same r0, context bytes and map contents as the interpreter. {@code -Dbypass.fuzz.count=N} runs more;
 * the seed of a failure is printed.
 */
class SoundnessFuzzTest {
    static final int CTX = 32;
    static final String[] ALU = {"add", "sub", "mul", "div", "or", "and", "lsh", "rsh", "mod", "xor", "arsh"};
    static final String[] JMP = {"jeq", "jne", "jgt", "jge", "jlt", "jle", "jsgt", "jsge", "jslt", "jsle", "jset"};
    static final String[] W = {"b", "h", "w", "dw"};
    /** Helper calls scratch r1-r5: reload the context pointer and give the others values again. */
    static final String AFTER_CALL = "ldxdw %r1, [%r10-48]\nmov %r2, 7\nmov %r3, 0\nmov %r4, -3\nmov %r5, 12\n";

    static String generate(Random rnd) { return generate(rnd, true); }

    /** A program; {@code withMaps} false leaves out map lookups and ring-buffer records (for loaders without maps). */
    static String generate(Random rnd, boolean withMaps) {
        int n = 6 + rnd.nextInt(24);
        StringBuilder b = new StringBuilder();
        // Defined registers first, so that more programs get past the cheap checks.
        b.append("mov %r0, 0\nstxdw [%r10-48], %r1\n"); // the context pointer, reloaded after helper calls
        for (int r = 2; r <= 5; r++) if (rnd.nextBoolean()) b.append("ldx").append(W[rnd.nextInt(4)]).append(" %r").append(r).append(", [%r1+").append(rnd.nextInt(CTX / 2)).append("]\n");
        for (int r = 6; r <= 9; r++) b.append("mov %r").append(r).append(", ").append(rnd.nextInt(64) - 8).append('\n');
        if (rnd.nextInt(4) != 0) b.append("stdw [%r10-8], 0\nstdw [%r10-16], 0\nstdw [%r10-24], 0\nstdw [%r10-32], 0\n");
        for (int i = 0; i < n; i++) {
            int d = reg(rnd), s = reg(rnd);
            b.append("L").append(i).append(":\n");
            switch (rnd.nextInt(withMaps ? 15 : 12)) {
                case 12 -> { // map lookup, null check most of the time, then a read at a random offset of the value
                    b.append("stw [%r10-40], ").append(rnd.nextInt(4)).append("\nlddw %r1, map_idx(0)\nmov %r2, %r10\nadd %r2, -40\ncall 1\n").append(AFTER_CALL);
                    if (rnd.nextInt(5) != 0) b.append("jeq %r0, 0, L").append(i + 1).append('\n');
                    int w = rnd.nextInt(4), size = 1 << w;
                    // mostly in bounds and aligned, sometimes anywhere near the 8-byte value
                    int off = rnd.nextInt(4) != 0 ? rnd.nextInt(8 / size) * size : rnd.nextInt(10);
                    b.append("ldx").append(W[w]).append(" %r").append(d).append(", [%r0+").append(off).append("]\n");
                }
                case 13 -> { // ring buffer record: reserve, null check, write, submit or discard (or, sometimes, leak it)
                    int size = rnd.nextBoolean() ? 8 : 16;
                    b.append("lddw %r1, map_idx(1)\nmov %r2, ").append(size).append("\nmov %r3, 0\ncall 131\n").append(AFTER_CALL);
                    if (rnd.nextInt(6) != 0) b.append("jeq %r0, 0, L").append(i + 1).append('\n');
                    b.append("stdw [%r0+").append(rnd.nextInt(4) != 0 ? rnd.nextInt(size / 8) * 8 : rnd.nextInt(12)).append("], 1\n");
                    if (rnd.nextInt(8) != 0) b.append("mov %r1, %r0\nmov %r2, 0\ncall ").append(rnd.nextBoolean() ? 132 : 133).append('\n').append(AFTER_CALL);
                }
                case 14 -> { // a stack store on some paths, a read of the same bytes later on others
                    int off = 33 + rnd.nextInt(7);
                    if (rnd.nextBoolean()) b.append("stx").append(W[rnd.nextInt(4)]).append(" [%r10-").append(off).append("], %r").append(s).append('\n');
                    else b.append("ldx").append(W[rnd.nextInt(4)]).append(" %r").append(d).append(", [%r10-").append(off).append("]\n");
                }
                case 0, 1 -> b.append(ALU[rnd.nextInt(ALU.length)]).append(rnd.nextInt(4) == 0 ? "32" : "").append(" %r").append(d).append(", ")
                        .append(rnd.nextBoolean() ? "%r" + s : Integer.toString(rnd.nextInt(40) - 8)).append('\n');
                case 2 -> b.append("mov %r").append(d).append(", ").append(rnd.nextBoolean() ? "%r" + s : rnd.nextInt(600) - 520).append('\n');
                case 3 -> b.append("mov %r").append(d).append(", %r10\nadd %r").append(d).append(", ").append(-(rnd.nextInt(40))).append('\n');
                case 4 -> b.append("mov %r").append(d).append(", %r1\nadd %r").append(d).append(", %r").append(s).append('\n');
                case 5 -> b.append("ldx").append(W[rnd.nextInt(4)]).append(" %r").append(d).append(", [%r").append(rnd.nextInt(4) != 0 ? 10 : s)
                        .append(rnd.nextBoolean() ? "-" : "+").append(rnd.nextInt(24)).append("]\n");
                case 6 -> b.append("stx").append(W[rnd.nextInt(4)]).append(" [%r").append(rnd.nextInt(4) != 0 ? 10 : d).append("-").append(rnd.nextInt(24))
                        .append("], %r").append(s).append('\n');
                case 7 -> b.append("ldx").append(W[rnd.nextInt(4)]).append(" %r").append(d).append(", [%r1+").append(rnd.nextInt(CTX + 2) - 1).append("]\n");
                case 8, 9 -> {
                    int target = i + 1 + rnd.nextInt(Math.max(1, n - i));
                    b.append(JMP[rnd.nextInt(JMP.length)]).append(rnd.nextInt(4) == 0 ? "32" : "").append(" %r").append(d).append(", ")
                            .append(rnd.nextBoolean() ? "%r" + s : Integer.toString(rnd.nextInt(40) - 4)).append(", L").append(Math.min(target, n)).append('\n');
                }
                case 10 -> { // a loop back to an earlier label, bounded by a fresh counter half of the time
                    if (i > 0 && rnd.nextBoolean()) {
                        int back = rnd.nextInt(i);
                        b.append("add %r9, 1\njlt %r9, ").append(rnd.nextInt(70)).append(", L").append(back).append('\n');
                    } else b.append("mov %r").append(d).append(", ").append(rnd.nextInt(100)).append('\n');
                }
                default -> b.append("mov %r0, %r").append(s).append('\n');
            }
        }
        b.append("L").append(n).append(":\nmov %r0, 0\nexit\n");
        return b.toString();
    }

    /** r0 (or the error kind and slot), the context bytes and the map's contents after one run on a copy of {@code ctx}. */
    private static String outcome(Engine engine, byte[] ctx, BpfMap values) {
        byte[] copy = ctx.clone();
        ExecutionState state = new ExecutionState();
        long r1 = state.memory().bind(Memory.DATA_REGION, Region.of("ctx", copy, true));
        String result;
        try {
            result = "r0=" + engine.execute(state, r1, 0, 0, 0, 0);
        } catch (ExecutionException e) {
            result = e.kind() + "@" + e.pc();
        }
        RingReservations.discardAll(state);
        return result + " ctx=" + java.util.HexFormat.of().formatHex(copy) + " map=" + contents(values);
    }

    private static java.util.Map<String, String> contents(BpfMap m) {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        for (byte[] k : m.keys()) {
            byte[] v = m.lookup(k);
            if (v != null) out.put(java.util.HexFormat.of().formatHex(k), java.util.HexFormat.of().formatHex(v));
        }
        return out;
    }

    private static void restore(BpfMap m, java.util.Map<String, String> contents) {
        for (byte[] k : m.keys()) m.delete(k);
        contents.forEach((k, v) -> m.update(java.util.HexFormat.of().parseHex(k), java.util.HexFormat.of().parseHex(v), BpfMap.ANY));
    }

    private static int reg(Random rnd) {
        int r = rnd.nextInt(10);
        return r == 1 ? 2 : r;
    }

    @Test
    void acceptedProgramsNeverFault() {
        int count = Integer.getInteger("bypass.fuzz.count", 20_000);
        long base = Long.getLong("bypass.fuzz.seed", 20261125L);
        HelperRegistry helpers = CorpusTest.helpers();
        ProgramType raw = new ProgramType("raw", "", ContextLayout.raw(CTX));
        List<MapSpec> specs = List.of(new MapSpec("values", MapType.HASH, 4, 8, 16, 0), new MapSpec("events", MapType.RINGBUF, 0, 0, 4096, 0));
        List<BpfMap> maps = specs.stream().map(BpfMap::create).toList();
        for (int k = 0; k < 2; k++) maps.get(0).update(new byte[] {(byte) k, 0, 0, 0}, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, BpfMap.ANY);
        RingBuffer ring = (RingBuffer) maps.get(1);
        PseudoResolver resolver = (slot, insn) -> maps.get(insn.imm()).handle();
        int accepted = 0, assembled = 0, compiledRuns = 0;
        java.util.Map<ErrorCode, Integer> rejections = new java.util.EnumMap<>(ErrorCode.class);
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
            assembled++;
            StandardVerifier.Result res = StandardVerifier.analyse(new VerificationRequest("fuzz", p, raw, specs, helpers, s -> null,
                    java.util.Arrays.asList(null, null)), false);
            if (!res.accepted()) {
                rejections.merge(res.rejection().code(), 1, Integer::sum);
                continue;
            }
            accepted++;
            for (int run = 0; run < 3; run++) {
                byte[] ctx = new byte[CTX];
                rnd.nextBytes(ctx);
                if (run == 0) java.util.Arrays.fill(ctx, (byte) 0);
                ExecutionState state = new ExecutionState();
                state.memory().checkStackReads(true); // checking mode: reads of unwritten stack bytes fault too
                long r1 = state.memory().bind(Memory.DATA_REGION, Region.of("ctx", ctx, true));
                try {
                    new Interpreter(LinkedProgram.link("fuzz", p, helpers, resolver)).execute(state, r1, 0, 0, 0, 0);
                } catch (ExecutionException e) {
                    if (e.kind() != ExecutionException.Kind.BUDGET_EXHAUSTED)
                        fail("seed " + seed + ": accepted program faulted: " + e.getMessage() + "\n" + asm);
                }
                int leaked = RingReservations.discardAll(state);
                if (leaked != 0) fail("seed " + seed + ": accepted program ended holding " + leaked + " ring-buffer record(s)\n" + asm);
                ring.drain();
                LinkedProgram linked = LinkedProgram.link("fuzz", p, helpers, resolver);
                Engine jit;
                try {
                    jit = JitEngine.compile(linked, res.facts());
                } catch (JitCompiler.Unsupported e) {
                    fail("seed " + seed + ": the JIT refused an accepted program: " + e.getMessage() + "\n" + asm);
                    return;
                }
                BpfMap values = maps.get(0);
                java.util.Map<String, String> before = contents(values);
                String interpreted = outcome(new Interpreter(linked), ctx, values);
                ring.drain();
                restore(values, before);
                String compiled = outcome(jit, ctx, values);
                ring.drain();
                restore(values, before);
                if (!interpreted.equals(compiled))
                    fail("seed " + seed + ": interpreter " + interpreted + " but JIT with facts " + compiled + "\n" + asm);
                compiledRuns++;
            }
        }
        System.out.println("soundness fuzz: " + count + " generated, " + assembled + " assembled, " + accepted + " accepted, 0 faults, "
                + compiledRuns + " runs compiled with facts agreeing with the interpreter; rejected: " + rejections);
        assertTrue(accepted > count / 40, "too few programs accepted to mean anything: " + accepted);
    }
}
