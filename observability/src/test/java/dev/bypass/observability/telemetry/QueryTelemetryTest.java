package dev.bypass.observability.telemetry;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.SqlText;
import dev.bypass.observability.agent.AgentSession;
import dev.bypass.observability.agent.BypassAgent;
import dev.bypass.postgres.EmbeddedPostgres;
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

/**
 * Per-query telemetry from pgjdbc talking to a real PostgreSQL, through the agent and the bundled programs; and the
 * training data they write is the same as when the programs read and normalised the SQL text on every call.
 */
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

    /** One feature record, as the training-data file has it. */
    record Features(String fingerprint, long latencyNs, long rows, long threadId) {
        static Features parse(String jsonLine) {
            var m = java.util.regex.Pattern.compile("\\{\"fingerprint\":(\\d+),\"latency_ns\":(\\d+),\"rows\":(\\d+),\"thread_id\":(\\d+)}")
                    .matcher(jsonLine);
            assertTrue(m.matches(), jsonLine);
            return new Features(m.group(1), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), Long.parseLong(m.group(4)));
        }
    }

    /** The records and per-query statistics of one run of {@link #statements} with the agent attached. */
    record Run(List<Features> records, Map<String, List<Long>> queries) {}

    @Test void sameTrainingDataAsReadingTheTextOnEveryCall() throws Exception {
        // the same programs built to read and normalise the text on every call (bypass_arg_bytes, bypass_normalize_sql)
        Path perCall = dir.resolve("query_telemetry_per_call.o");
        try (var in = QueryTelemetryTest.class.getResourceAsStream("/bpf/query_telemetry_per_call.o")) {
            Files.copy(in, perCall);
        }
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"))) {
            Run before = run(c, "object telemetry " + perCall.toAbsolutePath(), "before");
            Run now = run(c, "object telemetry bundled:query_telemetry", "now");
            assertEquals(before.records().size(), now.records().size());
            for (int i = 0; i < now.records().size(); i++) {
                Features a = before.records().get(i), b = now.records().get(i);
                assertEquals(a.fingerprint(), b.fingerprint(), "record " + i);
                assertEquals(a.rows(), b.rows(), "record " + i);
                assertEquals(a.threadId(), b.threadId(), "record " + i);
                assertTrue(b.latencyNs() > 0, "record " + i);
            }
            assertEquals(before.queries(), now.queries(), "per-query counts, rows and normalised texts");
            assertTrue(now.queries().size() >= 8, now.queries().keySet().toString());
        }
    }

    private Run run(Connection c, String object, String name) throws Exception {
        try (Statement s = c.createStatement()) { // both runs start from the same table
            s.execute("DROP TABLE IF EXISTS items");
            s.execute("CREATE TABLE items (id int PRIMARY KEY, name text, price numeric)");
        }
        Path features = dir.resolve(name + ".jsonl");
        String conf = QueryTelemetry.pgjdbcConfig("jit", features, "jsonl", null).replace("object telemetry bundled:query_telemetry", object);
        AgentSession session = BypassAgent.attachSelf(Files.writeString(dir.resolve(name + ".conf"), conf));
        statements(c);
        Map<String, List<Long>> queries = new java.util.TreeMap<>();
        for (var q : new QueryTelemetry(session.object("telemetry")).queries())
            queries.put(Long.toUnsignedString(q.fingerprint()) + " " + q.text(), List.of(q.count(), q.rows()));
        assertEquals(0, session.errors(), String.valueOf(session.lastError()));
        BypassAgent.detach(); // writes the records still in the ring
        return new Run(Files.readAllLines(features).stream().map(Features::parse).toList(), queries);
    }

    /** Prepared and plain statements, literals of every kind, comments, a text longer than the programs keep. */
    private static void statements(Connection c) throws Exception {
        java.util.Random r = new java.util.Random(7);
        try (Statement s = c.createStatement(); PreparedStatement ins = c.prepareStatement("INSERT INTO items VALUES (?, ?, ?)")) {
            for (int i = 0; i < 30; i++) {
                ins.setInt(1, i);
                ins.setString(2, "item " + i);
                ins.setBigDecimal(3, java.math.BigDecimal.valueOf(r.nextInt(10_000), 2));
                ins.executeUpdate();
            }
            String longTail = " AND name <> '" + "x".repeat(240) + "'";
            for (int i = 0; i < 40; i++) {
                String sql = switch (r.nextInt(6)) {
                    case 0 -> "SELECT * FROM items WHERE id < " + r.nextInt(30);
                    case 1 -> "select name from items where name = 'item " + r.nextInt(30) + "' -- by name";
                    case 2 -> "UPDATE items SET price = price * 1." + r.nextInt(9) + " WHERE id = " + r.nextInt(30);
                    case 3 -> "SELECT count(*)  FROM\n items /* all */ WHERE price > " + r.nextInt(100) + ".5";
                    case 4 -> "SELECT id FROM items WHERE id >= " + r.nextInt(30) + longTail; // cut at 256 bytes
                    default -> "SELECT E'it''s', -" + r.nextInt(9) + "e3, $$x$$ FROM items WHERE id = " + r.nextInt(30);
                };
                if (sql.startsWith("UPDATE")) s.executeUpdate(sql);
                else try (ResultSet rs = s.executeQuery(sql)) {
                    while (rs.next()) rs.getString(1);
                }
            }
            try (PreparedStatement sel = c.prepareStatement("SELECT name FROM items WHERE id = ? OR price > ?")) {
                for (int i = 0; i < 20; i++) {
                    sel.setInt(1, r.nextInt(30));
                    sel.setBigDecimal(2, java.math.BigDecimal.valueOf(r.nextInt(100)));
                    try (ResultSet rs = sel.executeQuery()) {
                        while (rs.next()) rs.getString(1);
                    }
                }
            }
        }
    }
}
