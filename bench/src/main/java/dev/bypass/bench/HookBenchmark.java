package dev.bypass.bench;

import dev.bypass.observability.probes.OperatingUnit;
import dev.bypass.observability.probes.Probes;
import dev.bypass.observability.ProbeTypes;
import dev.bypass.programs.BundledPrograms;
import dev.bypass.programs.Hook;
import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.LoadedProgram;
import dev.bypass.programs.ProgramRuntime;
import dev.bypass.vm.exec.EngineKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * What a hook call costs a host: with nothing attached (the volatile read), with one JIT-compiled, verified
 * counter program (the bundled counter: hash lookup and atomic add, or insert on a new key), next to a Micrometer
 * {@code Counter.increment()}. Hooks pass a context array the host reuses (an identity codec).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class HookBenchmark {
    ProgramRuntime runtime;
    Hook<byte[]> empty, withCounter;
    LoadedProgram count;
    OperatingUnit idleUnit;
    Counter micrometer;
    final byte[] context = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(42).array();

    @Setup public void setup() {
        runtime = ProgramRuntime.builder().types(ProbeTypes.all()).engine(EngineKind.JIT).build();
        LoadedObject counter = runtime.load("counter", BundledPrograms.object(BundledPrograms.COUNTER));
        count = counter.program("count_event");
        if (!count.verified()) throw new IllegalStateException("the counter must run verified");
        empty = runtime.declareHook("empty", count.type(), b -> b);
        withCounter = runtime.declareHook("counted", count.type(), b -> b);
        withCounter.attach(count);
        idleUnit = new Probes(runtime).unit("idle");
        micrometer = Counter.builder("bench.events").register(new SimpleMeterRegistry());
    }

    @TearDown public void close() { runtime.close(); }

    @Benchmark public long hookNothingAttached() { return empty.fire(context, 0); }

    @Benchmark public void probePointNothingAttached() { idleUnit.begin(); }

    @Benchmark public long hookJitCounter() { return withCounter.fire(context, 0); }

    @Benchmark public long runJitCounterDirectly() { return count.run(context); }

    @Benchmark public void micrometerCounterIncrement() { micrometer.increment(); }
}
