import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the agent's time and allocations go, per statement, from a JFR recording of the JDBC workload with the agent
 * (CPU-time samples and allocation samples): each sample is charged to the first part of the agent found walking its
 * stack from the innermost frame out, so JDK code called by a helper counts for that helper.
 *
 * <pre>java bench/scripts/AgentProfile.java RECORDING.jfr STATEMENTS</pre>
 *
 * STATEMENTS is the number of JDBC statements the workload executed while the recording ran.
 */
public final class AgentProfile {
    /** Parts of the agent, tried in this order on each frame (innermost first). */
    private static final List<String[]> PARTS = List.of(
            new String[] {"SQL normalisation and fingerprint", "dev.bypass.programs.SqlText", "dev.bypass.observability.telemetry.StatementCache"},
            new String[] {"argument text (toString, UTF-8 copy)", "dev.bypass.observability.ObservabilityHelpers"},
            new String[] {"ring buffer (reserve, submit)", "dev.bypass.vm.maps.RingBuffer", "dev.bypass.vm.helpers.standard.RingReservations"},
            new String[] {"map operations", "dev.bypass.vm.maps."},
            new String[] {"program (JIT code, helper calls, memory)", "dev.bypass.vm."},
            new String[] {"hook and run set-up", "dev.bypass.programs."},
            new String[] {"probe bridge and context", "dev.bypass.observability."});

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: java AgentProfile.java RECORDING.jfr STATEMENTS");
            System.exit(2);
        }
        long statements = Long.parseLong(args[1]);
        Map<String, Double> cpuNs = new LinkedHashMap<>(), allocBytes = new LinkedHashMap<>();
        for (String n : names()) {
            cpuNs.put(n, 0.0);
            allocBytes.put(n, 0.0);
        }
        double totalCpu = 0, totalAlloc = 0, gcCpu = 0;
        long lost = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
            switch (e.getEventType().getName()) {
                case "jdk.CPUTimeSample" -> {
                    double ns = e.getDuration("samplingPeriod").toNanos();
                    totalCpu += ns;
                    String part = part(e);
                    if (part != null) cpuNs.merge(part, ns, Double::sum);
                }
                case "jdk.CPUTimeSamplesLost" -> lost += e.getLong("lostSamples");
                case "jdk.ObjectAllocationSample" -> {
                    double bytes = e.getLong("weight");
                    totalAlloc += bytes;
                    String part = part(e);
                    if (part != null) allocBytes.merge(part, bytes, Double::sum);
                }
                case "jdk.GCCPUTime" -> gcCpu += e.getLong("userTime") + e.getLong("systemTime");
                default -> {}
            }
        }
        double agentCpu = cpuNs.values().stream().mapToDouble(Double::doubleValue).sum();
        double agentAlloc = allocBytes.values().stream().mapToDouble(Double::doubleValue).sum();
        System.out.printf("| part of the agent | CPU ns per statement | bytes allocated per statement |%n|---|---|---|%n");
        for (String n : names())
            System.out.printf("| %s | %.0f | %.0f |%n", n, cpuNs.get(n) / statements, allocBytes.get(n) / statements);
        System.out.printf("| **agent, sampled Java threads** | **%.0f** | **%.0f** |%n", agentCpu / statements, agentAlloc / statements);
        System.out.printf("| everything sampled (application, pgjdbc, agent) | %.0f | %.0f |%n", totalCpu / statements, totalAlloc / statements);
        System.out.printf("garbage collection CPU (not sampled above): %.0f ns per statement; CPU samples lost: %d%n",
                gcCpu / statements, lost);
    }

    private static final String COLLECTOR = "agent threads (ring-buffer consumer: records to JSON lines/CSV)";

    private static String part(RecordedEvent e) {
        if (e.getStackTrace() == null) return null;
        String thread = e.getThread() == null ? null : e.getThread().getJavaName();
        if (thread != null && thread.startsWith("bypass-")) return COLLECTOR; // the agent's own threads count whole
        boolean probed = false;
        String first = null;
        for (RecordedFrame f : e.getStackTrace().getFrames()) {
            String cls = f.getMethod().getType().getName();
            if (first == null)
                for (String[] p : PARTS)
                    for (int i = 1; i < p.length && first == null; i++)
                        if (cls.startsWith(p[i])) first = p[0];
            if (cls.startsWith("dev.bypass.observability.agent.bridge.")) probed = true;
        }
        if (first != null) return first;
        return probed ? "probe bridge and context" : null; // JDK code called by the bridge
    }

    private static List<String> names() {
        List<String> n = new java.util.ArrayList<>();
        for (String[] p : PARTS) n.add(p[0]);
        n.add(COLLECTOR);
        return n;
    }
}
