package dev.bypass.bench;

import dev.bypass.bench.kernels.Kernel;
import dev.bypass.bench.kernels.PlainJavaKernels;
import dev.bypass.vm.exec.*;
import dev.bypass.vm.facts.ProgramFacts;
import dev.bypass.vm.helpers.BaseHelpers;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * The six kernels of {@code shared/kernels} per engine, and the same work in plain Java ({@code engine=java}).
 * Results are checked against the expected r0 before measuring.
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

    @Param({"interpreter", "jit", "java"})
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
            vm = Engines.create(linked, EngineKind.parse(engine), ProgramFacts.NONE);
            state = new ExecutionState();
            if (in != null) r1 = state.memory().bind(Memory.DATA_REGION, Region.of("input", in, true));
            r2 = in == null ? 0 : in.length;
            result = vm.execute(state, r1, r2, 0, 0, 0);
        }
        if (result != k.expected)
            throw new IllegalStateException(kernel + " on " + engine + " returned 0x" + Long.toHexString(result));
    }

    @Benchmark
    public long run() {
        if (vm == null) return PlainJavaKernels.run(k, input, scratch);
        return vm.execute(state, r1, r2, 0, 0, 0);
    }
}
