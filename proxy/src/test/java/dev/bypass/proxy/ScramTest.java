package dev.bypass.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.verification.ProgramVerifier;
import dev.bypass.proxy.hooks.ProgramQueryHook;
import dev.bypass.postgres.EmbeddedPostgres;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.server.ProxyServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.*;

/**
 * SCRAM-SHA-256 on both sides: PostgreSQL requires it of user {@code app} (as PostgreSQL 14+ does by default), and
 * the proxy requires it of its clients; pgjdbc and psql log in through the proxy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ScramTest {
    EmbeddedPostgres pg;
    ProxyServer proxy;
    ProgramQueryHook hook;

    @BeforeAll
    void start() throws Exception {
        pg = EmbeddedPostgres.start(0, List.of("host all app 127.0.0.1/32 scram-sha-256"));
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement()) {
            s.execute("SET password_encryption = 'scram-sha-256'");
            s.execute("CREATE ROLE app LOGIN PASSWORD 's3cret pass'");
            s.execute("CREATE TABLE scram_t (id int)");
            s.execute("INSERT INTO scram_t VALUES (1), (2), (3)");
            s.execute("GRANT SELECT ON scram_t TO app");
        }
        hook = new ProgramQueryHook(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY);
        ProxyConfig config = ProxyConfig.defaults(0, "127.0.0.1", pg.port()).withPoolSize(2)
                .withClientAuth(ProxyConfig.ClientAuth.SCRAM_SHA_256, Map.of("app", "s3cret pass"));
        proxy = new ProxyServer(config, hook, new SimpleMeterRegistry()).start();
    }

    @AfterAll
    void stop() throws Exception {
        Fixtures.close(proxy, hook, pg);
    }

    String url() { return "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?connectTimeout=10&socketTimeout=30"; }

    @Test void theServerReallyRequiresScram() {
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + pg.port() + "/postgres?user=app&password=wrong").close());
        assertEquals("28P01", e.getSQLState());
    }

    @Test void pgjdbcLogsInWithScramThroughTheProxyWhichLogsInWithScram() throws Exception {
        for (int i = 0; i < 3; i++)
            try (Connection c = DriverManager.getConnection(url(), "app", "s3cret pass"); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*), current_user FROM scram_t")) {
                assertTrue(rs.next());
                assertEquals(3, rs.getInt(1));
                assertEquals("app", rs.getString(2));
            }
    }

    @Test void aWrongPasswordIsRefusedWithPostgresqlsCode() {
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url(), "app", "not it").close());
        assertEquals("28P01", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains("password authentication failed for user \"app\""), e.getMessage());
        SQLException unknown = assertThrows(SQLException.class, () -> DriverManager.getConnection(url(), "nobody", "x").close());
        assertEquals("28P01", unknown.getSQLState(), "an unknown user fails like a wrong password");
    }

    @Test void psqlLogsIn() throws Exception {
        Path psql = Path.of("/usr/bin/psql");
        Assumptions.assumeTrue(Files.isExecutable(psql), "psql is not installed");
        ProcessBuilder pb = new ProcessBuilder(psql.toString(), "-h", "127.0.0.1", "-p", Integer.toString(proxy.port()), "-U", "app",
                "-d", "postgres", "-XAtc", "SELECT sum(id) FROM scram_t").redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", "s3cret pass");
        pb.environment().put("PGSSLMODE", "disable");
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals("6", new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
    }
}
