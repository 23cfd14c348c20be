package dev.bypass.bench;

import dev.bypass.bench.kernels.Kernel;
import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.exec.*;
import dev.bypass.vm.engines.*;
import dev.bypass.vm.memory.*;
import dev.bypass.vm.helpers.standard.BaseHelpers;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.jit.JitCompiler;
import dev.bypass.vm.jit.JitEngine;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * What the JIT costs around the code it produces: compiling a program to a loaded hidden class (divide by the
 * program's size, printed at setup, for µs per 1,000 instructions), and calling a tiny compiled program from Java
 * through {@link Engine#execute} with a reused {@link ExecutionState} (next to the interpreter).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class JitBenchmark {
    /**
     * A kernel of {@code shared/kernels}, or {@code synthetic} (700 instructions of mixed straight-line code, one JVM
     * method) or {@code synthetic4000} (4,000 of them: split into chunks).
     */
    @Param({"xxh64", "bubble", "synthetic", "synthetic4000"})
    public String program;

    private LinkedProgram linked;
    private Engine tinyJit, tinyInterpreter;
    private ExecutionState state;
    private long arg;

    @Setup
    public void setup() throws JitCompiler.Unsupported {
        Program p = switch (program) {
            case "synthetic" -> Assembler.assemble(synthetic(700));
            case "synthetic4000" -> Assembler.assemble(synthetic(4000));
            default -> Kernel.named(program).program();
        };
        linked = LinkedProgram.link(program, p, BaseHelpers.registry());
        System.out.println("\n" + program + ": " + p.slotCount() + " instruction slots");
        LinkedProgram tiny = LinkedProgram.link("tiny", Assembler.assemble("mov %r0, %r1\nadd %r0, 1\nexit"), BaseHelpers.registry());
        tinyJit = JitEngine.compile(tiny);
        tinyInterpreter = new Interpreter(tiny);
        state = new ExecutionState();
    }

    /** Straight-line ALU, stack and branch instructions, {@code n} of them. */
    static String synthetic(int n) {
        StringBuilder b = new StringBuilder("mov %r0, 0\nmov %r2, 1\nmov %r3, 2\nstdw [%r10-8], 0\n");
        String[] ops = {"add %r0, %r2", "xor %r2, %r0", "lsh %r3, 3", "ldxdw %r4, [%r10-8]", "add %r4, %r3", "stxdw [%r10-8], %r4",
                "mul %r2, 7", "jgt %r3, %r2, +1", "sub %r0, 5", "rsh32 %r3, 1"};
        for (int i = 4; i < n - 1; i++) b.append(ops[i % ops.length]).append('\n');
        return b.append("exit\n").toString();
    }

    @Benchmark
    public Object compile() throws JitCompiler.Unsupported { return JitCompiler.compile(linked); }

    @Benchmark
    public long invokeTinyJit() { return tinyJit.execute(state, ++arg, 0, 0, 0, 0); }

    @Benchmark
    public long invokeTinyInterpreter() { return tinyInterpreter.execute(state, ++arg, 0, 0, 0, 0); }
}
