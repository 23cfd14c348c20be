package dev.bypass.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The bodies of the hook, map and kernel benchmarks timed in thread CPU time instead of wall time: on a machine
 * shared with other work, a thread's CPU time per operation moves far less than its wall time (which counts the time
 * the thread waited for a core). {@code bench/scripts/cpu-ab.sh} runs this against two builds in alternation and
 * prints the ratios; arguments select groups ({@code hook}, {@code map}, {@code kernel}; default all). Each body is
 * warmed up for 1.5 s of CPU, then the median of 7 batches of about 100 ms is printed, in ns per operation. The
 * {@code (control)} rows run no Bypass code: their ratio shows how much the machine alone moved between builds.
 */
public final class CpuTimePerOp {
    private CpuTimePerOp() {}

    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    private static volatile long sink;

    static double nanosPerOp(LongSupplier op) {
        long n = 1;
        for (long start = CPU.getCurrentThreadCpuTime(); CPU.getCurrentThreadCpuTime() - start < 1_500_000_000L; n = Math.min(n * 2, 1 << 24))
            run(op, n);
        long t0 = CPU.getCurrentThreadCpuTime();
        run(op, n);
        long batch = Math.max(1, (long) (100_000_000 / Math.max(0.1, (CPU.getCurrentThreadCpuTime() - t0) / (double) n)));
        double[] perOp = new double[7];
        for (int k = 0; k < perOp.length; k++) {
            long t = CPU.getCurrentThreadCpuTime();
            run(op, batch);
            perOp[k] = (CPU.getCurrentThreadCpuTime() - t) / (double) batch;
        }
        Arrays.sort(perOp);
        return perOp[perOp.length / 2];
    }

    /** Times {@code op} into {@code out}; a body the measured build does not have (an older build) is left out. */
    private static void time(Map<String, Double> out, String name, LongSupplier op) {
        try {
            out.put(name, nanosPerOp(op));
        } catch (LinkageError notInThisBuild) {
            System.err.println(name + ": not in this build (" + notInThisBuild + ")");
        }
    }

    private static void run(LongSupplier op, long n) {
        long s = 0;
        for (long i = 0; i < n; i++) s += op.getAsLong();
        sink += s;
    }

    public static void main(String[] args) {
        String groups = args.length == 0 ? "hook,map,kernel" : String.join(",", args);
        Map<String, Double> out = new LinkedHashMap<>();
        if (groups.contains("hook")) {
            HookBenchmark h = new HookBenchmark();
            h.setup();
            time(out, "micrometerCounterIncrement (control)", () -> { h.micrometerCounterIncrement(); return 0; });
            time(out, "hookJitCounter", h::hookJitCounter);
            time(out, "runJitCounterDirectly", h::runJitCounterDirectly);
            h.close();
        }
        if (groups.contains("map")) {
            MapBenchmark m = new MapBenchmark();
            m.setup();
            MapBenchmark.PerThread t = new MapBenchmark.PerThread();
            time(out, "javaConcurrentHashMapCounter (control)", m::javaConcurrentHashMapCounter);
            time(out, "programHashCounter", () -> m.programHashCounter(t));
            time(out, "programArrayCounter", () -> m.programArrayCounter(t));
            time(out, "hostHashLookup", () -> m.hostHashLookup().length);
            time(out, "ringBufferRecord", () -> m.ringBufferRecord(t));
            time(out, "ringBufferReserveSubmit", () -> m.ringBufferReserveSubmit(t));
            m.close();
        }
        if (groups.contains("kernel"))
            for (String engine : new String[] {"interpreter", "jit", "java"})
                for (String kernel : new String[] {"sum", "fnv1a", "xxh64", "primes", "bubble", "calls"}) {
                    KernelBenchmark k = new KernelBenchmark();
                    k.kernel = kernel;
                    k.engine = engine;
                    k.setup();
                    time(out, "kernel " + kernel + " " + engine + (engine.equals("java") ? " (control)" : ""), k::run);
                }
        out.forEach((name, ns) -> System.out.printf("%s\t%.2f%n", name, ns));
    }
}
