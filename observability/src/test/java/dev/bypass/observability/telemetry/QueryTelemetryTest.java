package dev.bypass.observability.telemetry;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.SqlText;
import dev.bypass.observability.agent.AgentSession;
import dev.bypass.observability.agent.BypassAgent;
import dev.bypass.proxy.pg.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-query telemetry from pgjdbc talking to a real PostgreSQL, through the agent and the bundled programs. */
class QueryTelemetryTest {
    static EmbeddedPostgres pg;

    @BeforeAll static void start() throws Exception { pg = EmbeddedPostgres.start(); }

    @AfterAll static void stop() {
        BypassAgent.detach();
        if (pg != null) pg.close();
    }

    @TempDir Path dir;

    @Test void countsRowsLatenciesAndFeatureRecordsPerNormalisedQuery() throws Exception {
        Path features = dir.resolve("features.jsonl");
        Path conf = Files.writeString(dir.resolve("telemetry.conf"), QueryTelemetry.pgjdbcConfig("jit", features, "jsonl", 0));
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"))) {
            try (Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS kv");
                s.execute("CREATE TABLE kv (k int PRIMARY KEY, v text)");
            }
            AgentSession session = BypassAgent.attachSelf(conf); // pgjdbc is loaded already: retransformed in place
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO kv VALUES (?, ?)")) {
                for (int i = 0; i < 40; i++) {
                    ins.setInt(1, i);
                    ins.setString(2, "v" + i);
                    assertEquals(1, ins.executeUpdate());
                }
            }
            long rowsRead = 0;
            try (Statement s = c.createStatement()) {
                for (int i = 0; i < 25; i++) // literals differ: one normalised query
                    try (ResultSet rs = s.executeQuery("SELECT k, v FROM kv WHERE k < " + (i + 1))) {
                        while (rs.next()) rowsRead++;
                    }
                assertEquals(40, s.executeUpdate("UPDATE kv SET v = 'x'"));
            }
            QueryTelemetry t = new QueryTelemetry(session.object("telemetry"));
            Map<String, QueryTelemetry.QueryStats> byText = new java.util.HashMap<>();
            for (var q : t.queries()) byText.put(q.text(), q);
            var insert = byText.get("INSERT INTO kv VALUES ($?, $?)".replace("$?", "?"));
            var select = byText.get("SELECT k, v FROM kv WHERE k < ?");
            var update = byText.get("UPDATE kv SET v = ?");
            assertNotNull(insert, byText.keySet().toString());
            assertNotNull(select, byText.keySet().toString());
            assertNotNull(update, byText.keySet().toString());
            assertEquals(40, insert.count());
            assertEquals(40, insert.rows());
            assertEquals(25, select.count());
            assertEquals(rowsRead, select.rows(), "rows from the CommandComplete tags");
            assertEquals(1, update.count());
            assertEquals(40, update.rows());
            assertEquals(SqlText.fingerprint("SELECT k, v FROM kv WHERE k < 7"), select.fingerprint());
            double p50 = select.percentileNanos(0.5), p99 = select.percentileNanos(0.99);
            assertTrue(p50 > 1_000 && p50 <= p99 && p99 <= select.maxNanos(), p50 + " " + p99 + " " + select.maxNanos());
            assertEquals(66, t.totalQueries());
            assertEquals(0, t.untracked());
            assertEquals(0, session.errors(), String.valueOf(session.lastError()));
            // the agent's scrape endpoint: per-query counters tagged with the fingerprint and the normalised text
            String scrape = new String(java.net.URI.create("http://127.0.0.1:" + session.metrics().port() + "/metrics").toURL()
                    .openStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            var parsed = dev.bypass.observability.metrics.PrometheusTextAccess.parse(scrape);
            assertEquals(40, parsed.value("bypass_telemetry_queries_count_total", Map.of("text", "INSERT INTO kv VALUES (?, ?)")), scrape);
            assertEquals(rowsRead, parsed.value("bypass_telemetry_queries_rows_total", Map.of("text", "SELECT k, v FROM kv WHERE k < ?")));
            assertEquals(66, parsed.value("bypass_telemetry_latency_hist_count", Map.of()));
            BypassAgent.detach(); // flushes the record stream
            List<String> lines = Files.readAllLines(features);
            assertEquals(66, lines.size());
            assertTrue(lines.stream().filter(l -> l.contains("\"fingerprint\":" + Long.toUnsignedString(select.fingerprint()))).count() == 25,
                    lines.get(0));
            assertTrue(lines.get(0).matches("\\{\"fingerprint\":\\d+,\"latency_ns\":\\d+,\"rows\":1,\"thread_id\":\\d+}"), lines.get(0));
        }
    }
}
