package dev.bypass.observability.probes;

import dev.bypass.observability.ProbeTypes;
import dev.bypass.programs.Hook;
import dev.bypass.programs.LoadedProgram;
import dev.bypass.programs.ProgramRuntime;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Static probe points for DBMS code, after TScout: code that runs an operating unit (a scan, a sort, a WAL flush)
 * marks it with {@link OperatingUnit#begin()}, {@link OperatingUnit#end()}, {@link OperatingUnit#features} and
 * {@link OperatingUnit#flush()}; programs of type {@code probe} attached here see each mark with the thread's clock,
 * CPU time and allocation counter, and decide what to keep (the bundled {@code ou_collector} turns them into one
 * training record per unit run). With no program attached a mark costs one volatile read.
 *
 * <pre>{@code
 * Probes probes = new Probes(runtime);
 * OperatingUnit scan = probes.unit("seq_scan");
 * probes.attach(runtime.load(collector).program("collect"));
 * scan.begin(); ... scan.end(); scan.features(rows, width); scan.flush();
 * }</pre>
 */
public final class Probes {
    public static final int BEGIN = 0, END = 1, FEATURES = 2, FLUSH = 3;

    private static final com.sun.management.ThreadMXBean THREADS = threads();

    private final Hook<byte[]> hook;
    private final Map<String, OperatingUnit> units = new ConcurrentHashMap<>();
    private final List<OperatingUnit> byId = new CopyOnWriteArrayList<>();
    private final ThreadLocal<byte[]> context = ThreadLocal.withInitial(() -> new byte[ProbeTypes.PROBE_CTX_SIZE]);

    /** Declares the hook {@code probe} in the runtime (its type must be registered, see {@link ProbeTypes#all()}). */
    public Probes(ProgramRuntime runtime) {
        this.hook = runtime.declareHook("probe", ProbeTypes.PROBE, bytes -> bytes);
    }

    /** The operating unit of that name, declared on first use; ids are dense from 0 in declaration order. */
    public OperatingUnit unit(String name) {
        return units.computeIfAbsent(name, n -> {
            synchronized (byId) {
                OperatingUnit u = new OperatingUnit(this, n, byId.size());
                byId.add(u);
                return u;
            }
        });
    }

    public List<OperatingUnit> units() { return List.copyOf(byId); }

    public Hook<byte[]>.Attachment attach(LoadedProgram program) { return hook.attach(program); }

    public Hook<byte[]> hook() { return hook; }

    boolean idle() { return hook.isEmpty(); }

    void fire(int kind, int unit, long[] features) {
        byte[] c = context.get();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(c).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, kind).putInt(4, unit).putLong(8, Thread.currentThread().threadId()).putLong(16, System.nanoTime());
        b.putLong(24, THREADS == null ? 0 : THREADS.getCurrentThreadCpuTime());
        b.putLong(32, THREADS == null ? 0 : THREADS.getCurrentThreadAllocatedBytes());
        int n = features == null ? 0 : Math.min(features.length, ProbeTypes.MAX_FEATURES);
        for (int i = 0; i < ProbeTypes.MAX_FEATURES; i++) b.putLong(40 + 8 * i, i < n ? features[i] : 0);
        b.putInt(104, n).putInt(108, 0);
        hook.fire(c, 0);
    }

    private static com.sun.management.ThreadMXBean threads() {
        try {
            var t = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            if (t.isCurrentThreadCpuTimeSupported() && !t.isThreadCpuTimeEnabled()) t.setThreadCpuTimeEnabled(true);
            return t;
        } catch (RuntimeException | LinkageError e) {
            return null; // a JVM without the extended bean: probes report zero CPU time and allocation
        }
    }
}
