package dev.bypass.verifier;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.verification.ProgramType;
import dev.bypass.vm.verification.VerificationRequest;
import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionException;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.Interpreter;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.memory.Memory;
import dev.bypass.vm.memory.Pointers;
import dev.bypass.vm.exec.PseudoResolver;
import dev.bypass.vm.memory.Region;
import dev.bypass.vm.memory.RegionTable;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.jit.JitCompiler;
import dev.bypass.vm.jit.JitEngine;
import dev.bypass.vm.maps.BpfMap;
import dev.bypass.vm.maps.MapSpec;
import dev.bypass.vm.maps.MapType;
import dev.bypass.vm.maps.RingBuffer;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The verifier's soundness, checked by state embedding ({@link StateEmbedding}) on seeded random programs
 * ({@link ProgramGenerator}). Each program is verified twice:
 * <ol>
 * <li>without precision tracking (every scalar compared when pruning) and with every visited state recorded; if
 * accepted, it runs in the interpreter on random buffers, and before every instruction the concrete machine must lie
 * inside a state recorded there (types, bounds, known bits, NULL-ness, links, stack contents);</li>
 * <li>as the runtime verifies (precision tracking on); if accepted, it runs in checking mode (a read of a stack byte
 * never written faults), where any fault or a ring-buffer record still held at exit is a soundness bug, and again
 * compiled with the verifier's facts (which drop checks it proved unnecessary), which must leave the same r0,
 * buffer and map contents as the interpreter. Pointer types, links and stack contents are embedded here too.</li>
 * </ol>
 * {@code -Dbypass.fuzz.count=N} runs more ({@code verifier/scripts/fuzz.sh} runs a million), {@code
 * -Dbypass.fuzz.seed=S} another series; a failure names its seed and prints the program.
 */
class SoundnessFuzzTest {
    static final int BUFFER = 32;

    record Run(String result, String finding) {}

    @Test
    void acceptedProgramsStayInsideTheVerifiersStates() {
        int count = Integer.getInteger("bypass.fuzz.count", 20_000);
        long base = Long.getLong("bypass.fuzz.seed", 20261207L);
        HelperRegistry helpers = CorpusTest.helpers();
        List<MapSpec> specs = List.of(new MapSpec("values", MapType.HASH, 4, 8, 16, 0), new MapSpec("events", MapType.RINGBUF, 0, 0, 4096, 0));
        List<BpfMap> maps = specs.stream().map(BpfMap::create).toList();
        for (int k = 0; k < 2; k++) maps.get(0).update(new byte[] {(byte) k, 0, 0, 0}, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, BpfMap.ANY);
        RingBuffer ring = (RingBuffer) maps.get(1);
        PseudoResolver resolver = (slot, insn) -> maps.get(insn.imm()).handle();
        int accepted = 0, acceptedPrecise = 0, compiledRuns = 0;
        long embeddedSteps = 0;
        Map<ErrorCode, Integer> rejections = new EnumMap<>(ErrorCode.class);
        for (int i = 0; i < count; i++) {
            long seed = base + i;
            Random rnd = new Random(seed);
            String asm = ProgramGenerator.generate(rnd, true);
            Program p;
            try {
                p = Assembler.assemble(asm);
            } catch (RuntimeException e) {
                continue;
            }
            boolean known = rnd.nextBoolean();
            ProgramType type = known ? ProgramType.buffer(BUFFER) : ProgramType.BUFFER;
            VerificationRequest request = new VerificationRequest("fuzz", p, type, specs, helpers, s -> null, Arrays.asList(null, null));
            LinkedProgram linked = LinkedProgram.link("fuzz", p, helpers, resolver);
            List<StateEmbedding.MapInfo> mapInfo = mapInfo(linked, maps);

            // 1. every scalar compared; the concrete machine embedded in the recorded states at every instruction
            StateEmbedding exact = new StateEmbedding(true, p);
            StandardVerifier.Result r = StandardVerifier.analyse(request, new Analyzer.Options(false, exact, true, 8, false, false));
            if (r.accepted()) {
                accepted++;
                for (int run = 0; run < 3; run++) {
                    byte[] buffer = buffer(rnd, run);
                    Run out = run(new Interpreter(linked), buffer, maps, exact, mapInfo, false);
                    if (out.finding() != null) fail("seed " + seed + ": state embedding failed " + out.finding() + "\n" + asm);
                    embeddedSteps += exact.steps();
                    ring.drain();
                }
            }

            // 2. as the runtime verifies: no fault, no leak, compiled code agrees; pointer facts embedded
            StateEmbedding loose = new StateEmbedding(false, p);
            StandardVerifier.Result rp = StandardVerifier.analyse(request, new Analyzer.Options(false, loose, true, 8, true, false));
            if (!rp.accepted()) {
                rejections.merge(rp.rejection().code(), 1, Integer::sum);
                continue;
            }
            acceptedPrecise++;
            Engine jit;
            try {
                jit = JitEngine.compile(linked, rp.facts());
            } catch (JitCompiler.Unsupported e) {
                fail("seed " + seed + ": the JIT refused an accepted program: " + e.getMessage() + "\n" + asm);
                return;
            }
            for (int run = 0; run < 3; run++) {
                byte[] buffer = buffer(rnd, run);
                Run interpreted = run(new Interpreter(linked), buffer, maps, loose, mapInfo, true);
                if (interpreted.finding() != null) fail("seed " + seed + ": " + interpreted.finding() + "\n" + asm);
                ring.drain();
                Run compiled = run(jit, buffer, maps, null, mapInfo, false);
                ring.drain();
                if (!interpreted.result().equals(compiled.result()))
                    fail("seed " + seed + ": interpreter " + interpreted.result() + " but JIT with facts " + compiled.result() + "\n" + asm);
                compiledRuns++;
            }
        }
        System.out.println("soundness fuzz: " + count + " generated, " + accepted + " accepted without precision tracking (embedded over "
                + embeddedSteps + " executed instructions), " + acceptedPrecise + " accepted with it, 0 findings, " + compiledRuns
                + " runs compiled with facts agreeing with the interpreter; rejected: " + rejections);
        assertTrue(acceptedPrecise > count / 20, "too few programs accepted to mean anything: " + acceptedPrecise);
    }

    private static byte[] buffer(Random rnd, int run) {
        byte[] b = new byte[BUFFER];
        if (run > 0) rnd.nextBytes(b);
        return b;
    }

    /**
     * How the program sees the maps: a value pointer's region and a handle are indexes into its linked program's
     * region table (maps it does not refer to get none).
     */
    static List<StateEmbedding.MapInfo> mapInfo(LinkedProgram linked, List<BpfMap> maps) {
        List<StateEmbedding.MapInfo> out = new java.util.ArrayList<>();
        for (BpfMap m : maps) {
            int index = -1;
            for (int i = 0; i < linked.regions().size(); i++) if (linked.regions().object(i) == m) index = i;
            boolean values = m.type() != MapType.RINGBUF && index >= 0;
            out.add(new StateEmbedding.MapInfo(values ? Memory.FIRST_SHARED_REGION + index : -1, 8, index < 0 ? 0 : RegionTable.handle(index)));
        }
        return out;
    }

    /**
     * One run on a copy of {@code buffer}, with the map's contents restored afterwards: r0 (or the error), the buffer
     * and map contents; and the embedding's finding, or a fault or leak when {@code strict}.
     */
    static Run run(Engine engine, byte[] buffer, List<BpfMap> maps, StateEmbedding embedding, List<StateEmbedding.MapInfo> mapInfo, boolean strict) {
        BpfMap values = maps.get(0);
        Map<String, String> before = contents(values);
        byte[] copy = buffer.clone();
        ExecutionState state = new ExecutionState(1_000_000);
        if (strict) state.memory().checkStackReads(true);
        long r1 = state.memory().bind(Memory.DATA_REGION, Region.of("buffer", copy, true));
        if (embedding != null) {
            embedding.world(new StateEmbedding.World(r1, copy.length, 0, mapInfo, state.memory()));
            state.observe(embedding);
        }
        String result, finding = null;
        try {
            result = "r0=" + engine.execute(state, r1, copy.length, 0, 0, 0);
        } catch (ExecutionException e) {
            result = e.kind() + "@" + e.pc();
            if (strict && e.kind() != ExecutionException.Kind.BUDGET_EXHAUSTED) finding = "accepted program faulted: " + e.getMessage();
        }
        int leaked = state.releaseHeld();
        if (strict && leaked != 0) finding = "accepted program ended holding " + leaked + " ring-buffer record(s)";
        if (embedding != null && embedding.finding() != null) finding = "state embedding failed " + embedding.finding();
        String out = result + " buffer=" + HexFormat.of().formatHex(copy) + " map=" + contents(values);
        // Restore in place, through the values' addresses: an update would move a value, and a program that turns a
        // pointer into a number (as privileged Linux allows) would then see another number in the next run.
        for (byte[] k : values.keys()) if (!before.containsKey(HexFormat.of().formatHex(k))) values.delete(k);
        MemorySegment slab = values.programRegion().segment();
        before.forEach((k, v) -> {
            byte[] key = HexFormat.of().parseHex(k), old = HexFormat.of().parseHex(v);
            long at = values.lookupPointer(MemorySegment.ofArray(key));
            if (at == 0) values.update(key, old, BpfMap.ANY);
            else MemorySegment.copy(MemorySegment.ofArray(old), 0, slab, Pointers.offset(at), old.length);
        });
        return new Run(out, finding);
    }

    private static Map<String, String> contents(BpfMap m) {
        Map<String, String> out = new TreeMap<>();
        for (byte[] k : m.keys()) {
            byte[] v = m.lookup(k);
            if (v != null) out.put(HexFormat.of().formatHex(k), HexFormat.of().formatHex(v));
        }
        return out;
    }
}
