package dev.bypass.bench;

import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.EngineKind;
import dev.bypass.vm.engines.Engines;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.facts.ProgramFacts;
import dev.bypass.vm.helpers.standard.BaseHelpers;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * What compiling a large program costs: {@code Engines.create(..., JIT)} on the straight-line mix of
 * {@link JitBenchmark#synthetic} at 10k to 1M instructions, one compilation per measurement (divide by
 * {@code slots / 1000} for the cost per 1,000 instructions). Programs beyond the JIT's budget are declined up front
 * and interpreted: the figure is then the cost of that decision.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class JitCompileBenchmark {
    @Param({"10000", "100000", "300000", "1000000"})
    public int slots;

    private LinkedProgram linked;

    @Setup
    public void setup() {
        linked = LinkedProgram.link("synthetic" + slots, Assembler.assemble(JitBenchmark.synthetic(slots)), BaseHelpers.registry());
    }

    @Benchmark
    public Engine compileOrInterpret() { return Engines.create(linked, EngineKind.JIT, ProgramFacts.NONE); }
}
