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
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
    /**
     * Passes through {@code may_goto} per call in the runs: few enough that its budget-spent exits run too (and a
     * loop that only may_goto ends does not run to the instruction budget under the embedding's checks).
     */
    static final long LOOP_BUDGET = 24;

    record Run(String result, String finding) {}

    /** Running totals of a series. */
    private static final class Tally {
        int generated, accepted, acceptedPrecise, compiledRuns;
        long embeddedSteps;
        final Map<ErrorCode, Integer> rejections = new EnumMap<>(ErrorCode.class);
    }

    /** The two maps every generated program may use, seeded with two values; and how the assembler resolves them. */
    private static final List<MapSpec> SPECS = List.of(new MapSpec("values", MapType.HASH, 4, 8, 16, 0), new MapSpec("events", MapType.RINGBUF, 0, 0, 4096, 0));

    private static final HelperRegistry HELPERS = CorpusTest.helpers();

    private static List<BpfMap> maps() {
        List<BpfMap> maps = SPECS.stream().map(BpfMap::create).toList();
        for (int k = 0; k < 2; k++) maps.get(0).update(new byte[] {(byte) k, 0, 0, 0}, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, BpfMap.ANY);
        return maps;
    }

    /** The same checks on a series whose programs also loop around open-coded iterators. */
    @Test
    void iteratorLoopsStayInsideTheVerifiersStates() {
        Tally t = series("iterator seed ", Integer.getInteger("bypass.fuzz.iterators", 200), ProgramGenerator::withIterators);
        System.out.println("soundness fuzz with iterators: " + t.generated + " generated, " + t.acceptedPrecise + " accepted (embedded over "
                + t.embeddedSteps + " executed instructions), 0 findings; rejected: " + t.rejections);
    }

    @Test
    void acceptedProgramsStayInsideTheVerifiersStates() {
        Tally t = series("seed ", Integer.getInteger("bypass.fuzz.count", 20_000), rnd -> ProgramGenerator.generate(rnd, true));
        System.out.println("soundness fuzz: " + t.generated + " generated, " + t.accepted + " accepted without precision tracking (embedded over "
                + t.embeddedSteps + " executed instructions), " + t.acceptedPrecise + " accepted with it, 0 findings, " + t.compiledRuns
                + " runs compiled with facts agreeing with the interpreter; rejected: " + t.rejections);
    }

    /** {@code count} programs of {@code generator} from the seed property on, each checked; fails on the first finding. */
    private static Tally series(String label, int count, java.util.function.Function<Random, String> generator) {
        long base = Long.getLong("bypass.fuzz.seed", 20261207L);
        List<BpfMap> maps = maps();
        Tally t = new Tally();
        for (int i = 0; i < count; i++) {
            long seed = base + i;
            Random rnd = new Random(seed);
            check(label + seed, generator.apply(rnd), rnd, maps, t);
        }
        t.generated = count;
        assertTrue(t.acceptedPrecise > count / 20, "too few programs accepted to mean anything: " + t.acceptedPrecise);
        return t;
    }

    /**
     * Programs that once gave a finding, kept as they were generated (the generator may change): each must be
     * accepted and embed.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lookup-pointer-plus-variable-offset.s", "lookup-pointer-plus-wide-offset.s", "stack-pointers-compared.s",
            "stack-pointers-compared-after-spill.s", "zero-spill-partly-overwritten.s",
            "length-bound-from-dead-caller-register.s"})
    void programsOfPastFindingsStayInsideTheVerifiersStates(String name) throws IOException {
        String asm;
        try (var in = SoundnessFuzzTest.class.getResourceAsStream("/soundness-findings/" + name)) {
            asm = new String(Objects.requireNonNull(in, name).readAllBytes(), StandardCharsets.UTF_8);
        }
        Program p = Assembler.assemble(asm);
        for (ProgramType type : List.of(ProgramType.buffer(BUFFER), ProgramType.BUFFER)) {
            Tally t = new Tally();
            String as = type == ProgramType.BUFFER ? "a buffer of any length" : "a buffer of " + BUFFER + " bytes";
            check(name + " on " + as, p, asm, type, new Random(1), maps(), t);
            assertEquals(1, t.acceptedPrecise, name + " is no longer accepted on " + as + ", so it checks nothing: " + t.rejections);
        }
    }

    /**
     * Verifies one program twice (see the class comment) and runs it where accepted, failing with {@code label} and
     * the program on the first finding.
     */
    private static void check(String label, String asm, Random rnd, List<BpfMap> maps, Tally t) {
        Program p;
        try {
            p = Assembler.assemble(asm);
        } catch (RuntimeException e) {
            return;
        }
        check(label, p, asm, rnd.nextBoolean() ? ProgramType.buffer(BUFFER) : ProgramType.BUFFER, rnd, maps, t);
    }

    /** {@link #check} for a program of this type: a buffer of known length or of any length. */
    private static void check(String label, Program p, String asm, ProgramType type, Random rnd, List<BpfMap> maps, Tally t) {
        HelperRegistry helpers = HELPERS;
        RingBuffer ring = (RingBuffer) maps.get(1);
        PseudoResolver resolver = (slot, insn) -> maps.get(insn.imm()).handle();
        VerificationRequest request = new VerificationRequest("fuzz", p, type, SPECS, helpers, s -> null, Arrays.asList(null, null));
        LinkedProgram linked = LinkedProgram.link("fuzz", p, helpers, resolver);
        List<StateEmbedding.MapInfo> mapInfo = mapInfo(linked, maps);

        // 1. every scalar compared; the concrete machine embedded in the recorded states at every instruction
        StateEmbedding exact = new StateEmbedding(true, p);
        StandardVerifier.Result r = StandardVerifier.analyse(request, new Analyzer.Options(false, exact, true, 8, false, false));
        if (r.accepted()) {
            t.accepted++;
            for (int run = 0; run < 3; run++) {
                byte[] buffer = buffer(rnd, run);
                Run out = run(new Interpreter(linked), buffer, maps, exact, mapInfo, false);
                if (out.finding() != null) fail(label + ": " + out.finding() + "\n" + asm);
                t.embeddedSteps += exact.steps();
                ring.drain();
            }
        }

        // 2. as the runtime verifies: no fault, no leak, compiled code agrees; pointer facts embedded
        StateEmbedding loose = new StateEmbedding(false, p);
        StandardVerifier.Result rp = StandardVerifier.analyse(request, new Analyzer.Options(false, loose, true, 8, true, false));
        if (!rp.accepted()) {
            t.rejections.merge(rp.rejection().code(), 1, Integer::sum);
            return;
        }
        t.acceptedPrecise++;
        Engine jit;
        try {
            jit = JitEngine.compile(linked, rp.facts());
        } catch (JitCompiler.Unsupported e) {
            fail(label + ": the JIT refused an accepted program: " + e.getMessage() + "\n" + asm);
            return;
        }
        for (int run = 0; run < 3; run++) {
            byte[] buffer = buffer(rnd, run);
            Run interpreted = run(new Interpreter(linked), buffer, maps, loose, mapInfo, true);
            if (interpreted.finding() != null) fail(label + ": " + interpreted.finding() + "\n" + asm);
            ring.drain();
            Run compiled = run(jit, buffer, maps, null, mapInfo, false);
            ring.drain();
            if (!interpreted.result().equals(compiled.result()))
                fail(label + ": interpreter " + interpreted.result() + " but JIT with facts " + compiled.result() + "\n" + asm);
            t.compiledRuns++;
        }
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
        state.setLoopBudget(LOOP_BUDGET);
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
