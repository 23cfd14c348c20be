package dev.bypass.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.verification.ProgramVerifier;
import dev.bypass.proxy.hooks.ProgramQueryHook;
import dev.bypass.postgres.EmbeddedPostgres;
import dev.bypass.proxy.config.ProxyConfigFile;
import dev.bypass.proxy.server.ProxyServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The admin console as PgBouncer's users meet it: logins checked like any other (admin_users may do everything,
 * stats_users only look, everyone else is refused with PostgreSQL's codes), reachable as database pgbouncer and
 * bypass, answering pgbouncer_exporter's exact queries with PgBouncer's columns and types; and the proxy's metrics
 * counting every statement whatever the protocol, as counters.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AdminConsoleTest {
    @TempDir static Path dir;
    EmbeddedPostgres pg;
    ProxyServer proxy;
    ProgramQueryHook hook;
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @BeforeAll
    void start() throws Exception {
        pg = EmbeddedPostgres.start();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE app LOGIN PASSWORD 'app-pw' SUPERUSER");
        }
        Files.writeString(dir.resolve("users.txt"), "\"admin\" \"admin-pw\"\n\"stats\" \"stats-pw\"\n\"app\" \"app-pw\"\n");
        Files.writeString(dir.resolve("pgbouncer.ini"), """
                [databases]
                appdb = host=127.0.0.1 port=%d dbname=postgres
                [pgbouncer]
                listen_addr = 127.0.0.1
                listen_port = 0
                unix_socket_dir =
                auth_type = md5
                auth_file = users.txt
                admin_users = admin
                stats_users = stats
                pool_mode = transaction
                default_pool_size = 4
                ignore_startup_parameters = extra_float_digits
                """.formatted(pg.port()));
        hook = new ProgramQueryHook(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY);
        hook.bindTo(metrics);
        proxy = new ProxyServer(ProxyConfigFile.read(dir.resolve("pgbouncer.ini")), hook, metrics).start();
    }

    @AfterAll
    void stop() throws Exception { Fixtures.close(proxy, hook, pg); }

    Connection console(String db, String user, String password) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + db + "?user=" + user + "&password=" + password
                + "&preferQueryMode=simple");
    }

    @ParameterizedTest
    @ValueSource(strings = {"pgbouncer", "bypass"})
    void adminUsersMayChangeStateStatsUsersMayLookOthersAreRefused(String db) throws Exception {
        try (Connection c = console(db, "admin", "admin-pw"); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SHOW VERSION")) {
                assertTrue(rs.next());
                assertTrue(rs.getString("version").startsWith("PgBouncer 1.24"), rs.getString(1));
            }
            s.execute("PAUSE appdb");
            s.execute("RESUME appdb");
        }
        try (Connection c = console(db, "stats", "stats-pw"); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SHOW POOLS")) {
                assertEquals("database", rs.getMetaData().getColumnName(1));
            }
            for (String change : List.of("PAUSE", "RELOAD", "KILL appdb", "SHUTDOWN", "SET default_pool_size = 3", "SHOW FDS")) {
                SQLException e = assertThrows(SQLException.class, () -> s.execute(change), change);
                assertEquals("42501", e.getSQLState(), change + ": " + e.getMessage());
                assertTrue(e.getMessage().contains("admin access needed"), e.getMessage());
            }
        }
        SQLException other = assertThrows(SQLException.class, () -> console(db, "app", "app-pw").close());
        assertEquals("28000", other.getSQLState(), "a user who is neither admin nor stats user: " + other.getMessage());
        SQLException unknown = assertThrows(SQLException.class, () -> console(db, "nobody", "x").close());
        assertEquals("28P01", unknown.getSQLState(), "an unknown user fails like a wrong password: " + unknown.getMessage());
        SQLException wrong = assertThrows(SQLException.class, () -> console(db, "admin", "not-it").close());
        assertEquals("28P01", wrong.getSQLState(), wrong.getMessage());
    }

    /** pgbouncer_exporter's queries, exactly as it sends them, and the columns and types it reads. */
    @Test
    void pgbouncerExportersQueriesWorkUnchanged() throws Exception {
        try (Connection app = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/appdb?user=app&password=app-pw");
             Statement a = app.createStatement(); ResultSet rs = a.executeQuery("SELECT 1")) {
            assertTrue(rs.next()); // a pool, a client, a server to report on
        }
        Map<String, Map<String, String>> expected = new LinkedHashMap<>();
        expected.put("SHOW STATS", columns("database", "text", "total_xact_count", "numeric", "total_query_count", "numeric",
                "total_received", "numeric", "total_sent", "numeric", "total_wait_time", "numeric", "avg_query_time", "numeric"));
        expected.put("SHOW VERSION;", columns("version", "text"));
        expected.put("SHOW LISTS;", columns("list", "text", "items", "int4"));
        expected.put("SHOW CONFIG;", columns("key", "text", "value", "text", "default", "text", "changeable", "text"));
        expected.put("SHOW CLIENTS;", columns("database", "text", "user", "text", "state", "text", "application_name", "text", "port", "int4", "id", "int4"));
        expected.put("SHOW DATABASES;", columns("name", "text", "host", "text", "port", "int4", "database", "text", "force_user", "text",
                "pool_size", "int4", "reserve_pool_size", "int4", "pool_mode", "text", "max_connections", "int4", "current_connections", "int4",
                "paused", "int4", "disabled", "int4"));
        expected.put("SHOW STATS_TOTALS;", columns("database", "text", "query_count", "numeric", "query_time", "numeric", "bytes_received", "numeric",
                "bytes_sent", "numeric", "wait_time", "numeric", "xact_count", "numeric", "xact_time", "numeric", "client_parse_count", "numeric",
                "server_parse_count", "numeric", "bind_count", "numeric", "server_assignment_count", "numeric"));
        expected.put("SHOW POOLS;", columns("database", "text", "user", "text", "cl_active", "int4", "cl_active_cancel_req", "int4", "cl_waiting", "int4",
                "cl_waiting_cancel_req", "int4", "sv_active", "int4", "sv_active_cancel", "int4", "sv_being_canceled", "int4", "sv_idle", "int4",
                "sv_used", "int4", "sv_tested", "int4", "sv_login", "int4", "maxwait", "int4"));
        try (Connection c = console("pgbouncer", "stats", "stats-pw"); Statement s = c.createStatement()) {
            for (var e : expected.entrySet()) {
                try (ResultSet rs = s.executeQuery(e.getKey())) {
                    ResultSetMetaData md = rs.getMetaData();
                    Map<String, String> types = new LinkedHashMap<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) types.put(md.getColumnName(i), md.getColumnTypeName(i));
                    for (var col : e.getValue().entrySet())
                        assertEquals(col.getValue(), types.get(col.getKey()), e.getKey() + " column " + col.getKey() + " in " + types);
                    int rows = 0;
                    while (rs.next()) {
                        rows++;
                        for (var col : e.getValue().entrySet()) {
                            String v = rs.getString(col.getKey());
                            if (!col.getValue().equals("text") && v != null) Double.parseDouble(v); // what the exporter parses
                        }
                    }
                    assertTrue(rows > 0 || e.getKey().startsWith("SHOW CLIENTS"), e.getKey() + " has rows");
                }
            }
            // the values the exporter looks for in SHOW LISTS and SHOW CONFIG
            List<String> lists = column(s, "SHOW LISTS;", "list");
            assertTrue(lists.containsAll(List.of("databases", "users", "pools", "free_clients", "used_clients", "login_clients", "free_servers",
                    "used_servers", "dns_names", "dns_zones", "dns_queries")), lists.toString());
            List<String> keys = column(s, "SHOW CONFIG;", "key");
            assertTrue(keys.containsAll(List.of("max_client_conn", "max_user_connections")), keys.toString());
        }
    }

    static Map<String, String> columns(String... nameType) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < nameType.length; i += 2) m.put(nameType[i], nameType[i + 1]);
        return m;
    }

    static List<String> column(Statement s, String sql, String column) throws SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) out.add(rs.getString(column));
        }
        return out;
    }

    /** pgbench -M prepared runs its statements as Execute messages: each is counted, as SHOW STATS counts its requests. */
    @Test
    void everyStatementIsCountedWhateverTheProtocolAndCountsAreCounters() throws Exception {
        Path pgbench = Path.of("/usr/bin/pgbench");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(pgbench), "pgbench is not installed (Debian package postgresql-client)");
        run(pgbench.toString(), "-i", "-s", "1", "-q");
        double before = statements();
        String out = run(pgbench.toString(), "-M", "prepared", "-c", "4", "-j", "2", "-t", "50", "-n");
        Matcher m = Pattern.compile("number of transactions actually processed: (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        long transactions = Long.parseLong(m.group(1));
        double counted = statements() - before;
        // TPC-B: BEGIN, three UPDATEs, a SELECT, an INSERT, END per transaction
        assertEquals(7.0 * transactions, counted, 4 * 7, "statements counted: " + counted + " for " + transactions + " transactions");
        String scrape = metrics.scrape();
        assertTrue(scrape.contains("# TYPE bypass_proxy_queries_total counter"), scrape);
        assertTrue(scrape.contains("bypass_proxy_queries_total{protocol=\"extended\"}"), scrape);
        assertTrue(scrape.contains("# TYPE bypass_proxy_program_queries_total counter"), "the program's counts are counters");
    }

    double statements() {
        return metrics.find("bypass.proxy.queries").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    String run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(args));
        cmd.addAll(List.of("-h", "127.0.0.1", "-p", Integer.toString(proxy.port()), "-U", "app", "appdb"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", "app-pw");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
