package dev.bypass.cli;

import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionState;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.*;

@Command(name = "bench", description = {"Run one program repeatedly in-process; print r0 and the median nanoseconds per run.",
        "Times are taken over batches sized to about a millisecond, after a warm-up, so any eBPF bytecode can be "
                + "timed side by side with other eBPF VMs on the same bytes.",
        "The program is verified as a buffer program for its input (r1 = the memory, r2 = its length) and compiled "
                + "with what the verifier proved."})
final class BenchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE") Path file;

    @Option(names = "--mem", paramLabel = "HEX|@file", description = "input memory as hex bytes, or @file") String mem;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "2", description = "warm-up time (default: ${DEFAULT-VALUE})")
    double warmup;

    @Option(names = "--seconds", paramLabel = "SECONDS", defaultValue = "5", description = "measured time (default: ${DEFAULT-VALUE})")
    double seconds;

    @Mixin EngineOptions engine;

    @Spec Model.CommandSpec spec;

    @Override public Integer call() throws Exception {
        if (warmup < 0 || seconds <= 0) throw new CliException("--warmup must be >= 0 and --seconds > 0", 2);
        ProgramSource src = ProgramSource.read(file);
        byte[] memory = mem != null ? ProgramSource.memoryArgument(mem) : src.memory();
        Engine e = engine.verifiedEngine(file.getFileName().toString(), src.program(), memory);
        ExecutionState state = engine.state();
        long r1 = EngineOptions.bindMemory(state, memory);
        long len = memory == null ? 0 : memory.length;

        long r0 = e.execute(state, r1, len, 0, 0, 0);
        // Batch size: enough runs to take about a millisecond, so timer resolution does not matter.
        long t0 = System.nanoTime();
        int batch = 1;
        while (true) {
            long s = System.nanoTime();
            for (int i = 0; i < batch; i++) e.execute(state, r1, len, 0, 0, 0);
            long el = System.nanoTime() - s;
            if (el >= 1_000_000 || batch >= 1 << 24) break;
            batch *= 2;
        }
        long warmEnd = t0 + (long) (warmup * 1e9);
        while (System.nanoTime() < warmEnd) for (int i = 0; i < batch; i++) e.execute(state, r1, len, 0, 0, 0);

        double[] samples = new double[1 << 16];
        int n = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long check = 0;
        while (n < samples.length && System.nanoTime() < end) {
            long s = System.nanoTime();
            for (int i = 0; i < batch; i++) check += e.execute(state, r1, len, 0, 0, 0);
            samples[n++] = (double) (System.nanoTime() - s) / batch;
        }
        if (check == 42) System.err.print(""); // keeps results observable
        double[] sorted = Arrays.copyOf(samples, n);
        Arrays.sort(sorted);
        double median = sorted[n / 2];
        var out = spec.commandLine().getOut();
        out.println("r0 0x" + Long.toHexString(r0));
        out.printf("median %.1f ns/run (%d samples of %d runs, engine %s)%n", median, n, batch, engine.engine);
        return 0;
    }
}
