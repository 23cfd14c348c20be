package dev.bypass.bench;

import dev.bypass.bench.kernels.Kernel;
import dev.bypass.bench.kernels.PlainJavaKernels;
import dev.bypass.vm.exec.*;
import dev.bypass.vm.engines.*;
import dev.bypass.vm.memory.*;
import dev.bypass.vm.facts.ProgramFacts;
import dev.bypass.vm.verification.ProgramType;
import dev.bypass.vm.verification.VerificationRequest;
import dev.bypass.verifier.StandardVerifier;
import dev.bypass.vm.helpers.standard.BaseHelpers;
import dev.bypass.vm.helpers.standard.MapHelpers;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * The six kernels of {@code shared/kernels} per engine, and the same work in plain Java ({@code engine=java}).
 * Each kernel is verified as a buffer program for its input (r1 = the input, r2 = its length), and the engines get
 * the verifier's facts, as {@code bypass run} gives them; {@code jit-nofacts} is the JIT without them (every access
 * decoded and checked). Results are checked against the expected r0 before measuring.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class KernelBenchmark {
    @Param({"sum", "fnv1a", "xxh64", "primes", "bubble", "calls"})
    public String kernel;

    @Param({"interpreter", "jit", "jit-nofacts", "java"})
    public String engine;

    private Kernel k;
    private Engine vm;
    private ExecutionState state;
    private long r1, r2;
    private MemorySegment input;
    private final long[] scratch = new long[64];

    @Setup
    public void setup() {
        k = Kernel.named(kernel);
        byte[] in = k.input();
        input = in == null ? MemorySegment.NULL : MemorySegment.ofArray(in);
        long result;
        if (engine.equals("java")) {
            result = PlainJavaKernels.run(k, input, scratch);
        } else {
            LinkedProgram linked = LinkedProgram.link(kernel, k.program(), BaseHelpers.registry());
            boolean withFacts = !engine.endsWith(NO_FACTS);
            ProgramFacts facts = withFacts ? facts(k, in) : ProgramFacts.NONE;
            vm = Engines.create(linked, EngineKind.parse(engine.replace(NO_FACTS, "")), facts);
            state = new ExecutionState();
            if (in != null) r1 = state.memory().bind(Memory.DATA_REGION, Region.of("input", in, true));
            r2 = in == null ? 0 : in.length;
            result = vm.execute(state, r1, r2, 0, 0, 0);
        }
        if (result != k.expected)
            throw new IllegalStateException(kernel + " on " + engine + " returned 0x" + Long.toHexString(result));
    }

    private static final String NO_FACTS = "-nofacts";

    /** What the verifier proves about {@code k} as a buffer program for {@code input}. */
    static ProgramFacts facts(Kernel k, byte[] input) {
        StandardVerifier.Result r = StandardVerifier.analyse(VerificationRequest.forBuffer(k.file, k.program(),
                ProgramType.buffer(input == null ? 0 : input.length), MapHelpers.registry()), false);
        if (!r.accepted()) throw new IllegalStateException(k.file + ": rejected: " + r.rejection().message());
        return r.facts();
    }

    @Benchmark
    public long run() {
        if (vm == null) return PlainJavaKernels.run(k, input, scratch);
        return vm.execute(state, r1, r2, 0, 0, 0);
    }
}
