package dev.bypass.cli.demo;

import dev.bypass.observability.agent.AgentSession;
import dev.bypass.observability.agent.BypassAgent;
import dev.bypass.observability.telemetry.QueryTelemetry;
import dev.bypass.postgres.EmbeddedPostgres;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Demo 1, query telemetry: an embedded PostgreSQL, a pgbench-like JDBC workload, and the agent attached to this
 * JVM's pgjdbc with the bundled query_telemetry programs; prints the top queries with latency percentiles read
 * from the maps and writes the per-query feature records as training data.
 */
public final class TelemetryDemo {
    private TelemetryDemo() {}

    public static void run(PrintWriter out, int seconds, int threads, Path features, String format, Integer metricsPort, String engine)
            throws Exception {
        out.println("starting an embedded PostgreSQL ...");
        out.flush();
        try (EmbeddedPostgres pg = EmbeddedPostgres.start()) {
            String url = pg.jdbcUrl("postgres");
            JdbcWorkload.createSchema(url, 1);
            Path conf = Files.createTempFile("bypass-telemetry", ".conf");
            Files.writeString(conf, QueryTelemetry.pgjdbcConfig(engine, features, format, metricsPort));
            AgentSession session;
            try {
                session = BypassAgent.attachSelf(conf);
            } finally {
                Files.deleteIfExists(conf);
            }
            try {
                out.println("agent attached to pgjdbc (" + session.instrumented().size() + " methods instrumented so far); engine " + engine);
                if (session.metrics() != null)
                    out.println("metrics: http://127.0.0.1:" + session.metrics().port() + "/metrics");
                out.println("running the JDBC workload: " + threads + " clients for " + seconds + " s ...");
                out.flush();
                long t0 = System.nanoTime();
                long tx = JdbcWorkload.run(url, 1, threads, seconds * 1000L);
                double secs = (System.nanoTime() - t0) / 1e9;
                QueryTelemetry t = new QueryTelemetry(session.object("telemetry"));
                List<QueryTelemetry.QueryStats> top = t.queries();
                out.printf("%d transactions (%.0f tps); the programs saw %d statements, %d distinct after normalisation%n",
                        tx, tx / secs, t.totalQueries(), top.size());
                out.println();
                out.printf("%-9s %-9s %-10s %-10s %-10s %-10s  %s%n", "count", "rows", "p50 us", "p95 us", "p99 us", "max us", "query");
                for (QueryTelemetry.QueryStats q : top.subList(0, Math.min(8, top.size())))
                    out.printf("%-9d %-9d %-10.1f %-10.1f %-10.1f %-10.1f  %s%n", q.count(), q.rows(), q.percentileNanos(0.5) / 1e3,
                            q.percentileNanos(0.95) / 1e3, q.percentileNanos(0.99) / 1e3, q.maxNanos() / 1e3, abbreviate(q.text(), 70));
                out.println();
                if (t.droppedFeatures() > 0) out.println("feature records dropped (ring buffer full): " + t.droppedFeatures());
                if (session.errors() > 0) out.println("agent errors: " + session.errors() + " (last: " + session.lastError() + ")");
            } finally {
                BypassAgent.detach();
            }
            if (features != null) {
                long lines;
                try (var l = Files.lines(features)) {
                    lines = l.count();
                }
                out.println("training data: " + lines + " records in " + features.toAbsolutePath() + " (" + format + ")");
            }
        }
        out.flush();
    }

    static String abbreviate(String s, int n) { return s.length() <= n ? s : s.substring(0, n - 3) + "..."; }
}
