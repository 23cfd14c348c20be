package dev.bypass.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.Verifiers;
import dev.bypass.proxy.hooks.ProgramQueryHook;
import dev.bypass.postgres.EmbeddedPostgres;
import dev.bypass.proxy.pool.Mirror;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.server.ProxyServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The mirror hook (the bundled sampler copying chosen statements to a shadow PostgreSQL, simple and extended
 * protocol, and never holding up clients when the shadow is gone or dies), the authentication hook (a role that must use
 * SCRAM over TLS is refused on a trust login), and server health checks (the check query runs on idle servers; a
 * failing check closes the server and the pool replaces it).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MirrorAuthCheckTest {
    static long count(EmbeddedPostgres pg, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String activity(EmbeddedPostgres pg) throws SQLException {
        StringBuilder b = new StringBuilder();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT application_name, state, query FROM pg_stat_activity WHERE backend_type = 'client backend'")) {
            while (rs.next()) b.append('[').append(rs.getString(1)).append(" | ").append(rs.getString(2)).append(" | ").append(rs.getString(3)).append("] ");
        }
        return b.toString();
    }

    static void createTable(EmbeddedPostgres pg) throws SQLException {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE events (id int, note text)");
        }
    }

    @Test
    void sampledWritesReachTheShadowAndAGoneShadowCostsNothing() throws Exception {
        try (EmbeddedPostgres primary = EmbeddedPostgres.start(); EmbeddedPostgres shadow = EmbeddedPostgres.start();
             ProgramQueryHook hook = new ProgramQueryHook(Verifiers.standard())) {
            createTable(primary);
            createTable(shadow);
            hook.mirrorSample(1, "insert"); // every INSERT, nothing else
            ProxyConfig config = ProxyConfig.defaults(0, "127.0.0.1", primary.port())
                    .withMirror(new ProxyConfig.Mirror("127.0.0.1", shadow.port(), 1000));
            SimpleMeterRegistry metrics = new SimpleMeterRegistry();
            try (ProxyServer proxy = new ProxyServer(config, hook, metrics).start()) {
                String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres";
                try (Connection c = DriverManager.getConnection(url + "&preferQueryMode=simple"); Statement s = c.createStatement()) {
                    for (int i = 0; i < 20; i++) s.executeUpdate("INSERT INTO events VALUES (" + i + ", 'simple')");
                    try (ResultSet rs = s.executeQuery("SELECT count(*) FROM events")) { // not mirrored: not an insert
                        rs.next();
                        assertEquals(20, rs.getInt(1));
                    }
                }
                try (Connection c = DriverManager.getConnection(url + "&prepareThreshold=0");
                     PreparedStatement ps = c.prepareStatement("INSERT INTO events VALUES (?, ?)")) {
                    for (int i = 0; i < 20; i++) {
                        ps.setInt(1, 100 + i);
                        ps.setString(2, "extended");
                        ps.executeUpdate();
                    }
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (count(shadow, "SELECT count(*) FROM events") < 40 && System.nanoTime() < deadline) Thread.sleep(50);
                assertEquals(40, count(shadow, "SELECT count(*) FROM events"), "every insert ran on the shadow too");
                assertEquals(20, count(shadow, "SELECT count(*) FROM events WHERE note = 'extended' AND id >= 100"),
                        "extended-protocol inserts arrive with their parameters");
                assertEquals(40, count(primary, "SELECT count(*) FROM events"));
                assertEquals(40, hook.mirrored(), "the sampler picked the inserts only");
                // A statement the query hook refuses inside a mirrored extended batch: the shadow runs none of the batch.
                hook.mirrorSample(1, "insert", "delete");
                hook.deny("postgres", "delete");
                try (Connection c = DriverManager.getConnection(url + "&prepareThreshold=0"); Statement s = c.createStatement()) {
                    s.addBatch("INSERT INTO events VALUES (998, 'batch')");
                    s.addBatch("DELETE FROM events");
                    assertThrows(SQLException.class, s::executeBatch);
                }
                hook.allow("postgres", "delete");
                hook.mirrorSample(1, "insert");
                Thread.sleep(500);
                assertEquals(40, count(shadow, "SELECT count(*) FROM events WHERE note <> 'batch'"), "the refused DELETE never reached the shadow");
                try (Connection c = DriverManager.getConnection(primary.jdbcUrl("postgres")); Statement s = c.createStatement()) {
                    s.executeUpdate("DELETE FROM events WHERE id = 998"); // whatever the primary kept of the failed batch
                }
                Mirror.Stats st = proxy.mirror().stats();
                assertEquals(40, st.submitted());
                assertEquals(40, st.completed());
                assertEquals(40.0, metrics.get("bypass.proxy.mirror.requests").tag("outcome", "completed").functionCounter().count());

                // The shadow's session dies in the middle of a mirrored statement: it counts as failed and the lane
                // goes on with a new connection.
                Thread killer = Thread.ofPlatform().start(() -> {
                    try (Connection d = DriverManager.getConnection(shadow.jdbcUrl("postgres")); Statement s = d.createStatement()) {
                        for (int i = 0; i < 200; i++) {
                            try (ResultSet rs = s.executeQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'INSERT INTO events SELECT%'")) {
                                if (rs.next()) return;
                            }
                            Thread.sleep(25);
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                    s.executeUpdate("INSERT INTO events SELECT 300, pg_sleep(3)::text");
                    killer.join();
                    for (int i = 0; i < 5; i++) s.executeUpdate("INSERT INTO events VALUES (" + (400 + i) + ", 'after')");
                }
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (count(shadow, "SELECT count(*) FROM events WHERE note = 'after'") < 5 && System.nanoTime() < deadline) Thread.sleep(50);
                assertEquals(5, count(shadow, "SELECT count(*) FROM events WHERE note = 'after'"), "the lane went on after the failure");
                Mirror.Stats after = proxy.mirror().stats();
                assertEquals(after.submitted(), after.completed() + after.failed(), "nothing stuck in a lane: " + after);
                assertEquals(1, after.failed(), "the statement whose session died: " + after);
            }
        }
        // A shadow that is not there: clients are served as before, the mirrored requests fail or are dropped.
        try (EmbeddedPostgres primary = EmbeddedPostgres.start(); ProgramQueryHook hook = new ProgramQueryHook(Verifiers.standard())) {
            createTable(primary);
            hook.mirrorSample(1, "insert");
            int closedPort;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0)) { closedPort = s.getLocalPort(); }
            ProxyConfig config = ProxyConfig.defaults(0, "127.0.0.1", primary.port())
                    .withMirror(new ProxyConfig.Mirror("127.0.0.1", closedPort, 5));
            try (ProxyServer proxy = new ProxyServer(config, hook, new SimpleMeterRegistry()).start();
                 Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres");
                 Statement s = c.createStatement()) {
                long start = System.nanoTime();
                for (int i = 0; i < 200; i++) s.executeUpdate("INSERT INTO events VALUES (" + i + ", 'x')");
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertEquals(200, count(primary, "SELECT count(*) FROM events"));
                assertTrue(ms < 30_000, "200 inserts took " + ms + " ms");
                Mirror.Stats st = proxy.mirror().stats();
                assertEquals(200, st.submitted() + st.dropped(), "each insert was queued for the shadow or dropped: " + st);
                assertEquals(0, st.completed());
            }
        }
    }

    @Test
    void authHookRefusesWeakLoginsOfProtectedRoles() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.start(); ProgramQueryHook hook = new ProgramQueryHook(Verifiers.standard())) {
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement()) {
                s.execute("CREATE ROLE payroll LOGIN");
            }
            hook.requireStrongAuth("payroll");
            try (ProxyServer proxy = new ProxyServer(ProxyConfig.defaults(0, "127.0.0.1", pg.port()), hook, new SimpleMeterRegistry()).start()) {
                String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=";
                SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url + "payroll").close());
                assertEquals("28000", e.getSQLState());
                assertTrue(e.getMessage().contains("scram-sha-256 over TLS"), e.getMessage());
                assertTrue(hook.authRefusals("payroll") >= 1, "the program counted the refusal");
                try (Connection c = DriverManager.getConnection(url + "postgres"); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
                    assertTrue(rs.next(), "other roles log in as before");
                }
            }
        }
    }

    @Test
    void healthChecksRunOnIdleServersAndAFailingOneReplacesTheServer() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.start()) {
            ProxyConfig good = ProxyConfig.defaults(0, "127.0.0.1", pg.port())
                    .withPoolLimits(new ProxyConfig.PoolLimits(0, Duration.ofSeconds(600), Duration.ofSeconds(3600), "select 1 as bypass_check", Duration.ofSeconds(1)));
            try (ProxyServer proxy = new ProxyServer(good, dev.bypass.proxy.hooks.QueryHook.ALLOW_ALL, new SimpleMeterRegistry()).start();
                 Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres");
                 Statement s = c.createStatement()) {
                s.execute("SELECT 42");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                String check = "SELECT count(*) FROM pg_stat_activity WHERE query = 'select 1 as bypass_check'";
                while (count(pg, check) == 0 && System.nanoTime() < deadline) Thread.sleep(100);
                assertTrue(count(pg, check) >= 1, "the idle server ran the check query: " + activity(pg));
                try (ResultSet rs = s.executeQuery("SELECT 7")) {
                    rs.next();
                    assertEquals(7, rs.getInt(1), "a checked server serves clients as before");
                }
            }
            ProxyConfig bad = ProxyConfig.defaults(0, "127.0.0.1", pg.port())
                    .withPoolLimits(new ProxyConfig.PoolLimits(0, Duration.ofSeconds(600), Duration.ofSeconds(3600), "select * from no_such_table", Duration.ofSeconds(1)));
            SimpleMeterRegistry metrics = new SimpleMeterRegistry();
            try (ProxyServer proxy = new ProxyServer(bad, dev.bypass.proxy.hooks.QueryHook.ALLOW_ALL, metrics).start();
                 Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres");
                 Statement s = c.createStatement()) {
                s.execute("SELECT 42");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                while (metrics.get("bypass.proxy.server.checks.failed").functionCounter().count() == 0 && System.nanoTime() < deadline) Thread.sleep(100);
                assertTrue(metrics.get("bypass.proxy.server.checks.failed").functionCounter().count() >= 1, "the failing check was counted");
                try (ResultSet rs = s.executeQuery("SELECT 8")) {
                    rs.next();
                    assertEquals(8, rs.getInt(1), "the pool opened a new server for the client");
                }
            }
        }
    }
}
