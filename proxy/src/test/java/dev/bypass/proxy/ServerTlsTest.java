package dev.bypass.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.verification.ProgramVerifier;
import dev.bypass.proxy.hooks.ProgramQueryHook;
import dev.bypass.postgres.EmbeddedPostgres;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.server.ProxyServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.*;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS from the proxy to PostgreSQL: the server refuses plain-text logins, the proxy's connections are encrypted
 * (pg_stat_ssl says so), verify-ca checks the server's certificate, and require fails clearly against a server
 * without TLS.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServerTlsTest {
    EmbeddedPostgres pg;
    ProgramQueryHook hook;
    @TempDir static Path dir; // holds a private key: removed after the class (a static field is ready for @BeforeAll)

    @BeforeAll
    void start() throws Exception {
        TestCertificates.assumeOpenssl();
        TestCertificates.selfSigned(dir, "cert", "127.0.0.1");
        pg = EmbeddedPostgres.start(0, List.of("hostnossl all app 127.0.0.1/32 reject", "hostssl all app 127.0.0.1/32 trust",
                        "hostnossl all bound 127.0.0.1/32 reject", "hostssl all bound 127.0.0.1/32 scram-sha-256"),
                dir.resolve("cert.pem"), dir.resolve("cert.key"));
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE app LOGIN");
            s.execute("SET password_encryption = 'scram-sha-256'");
            s.execute("CREATE ROLE bound LOGIN PASSWORD 'pw'");
        }
        hook = new ProgramQueryHook(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY);
    }

    @AfterAll
    void stop() {
        if (hook != null) hook.close();
        if (pg != null) pg.close();
    }

    static boolean sslOfOwnConnection(int proxyPort) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxyPort + "/postgres?user=app&connectTimeout=10");
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            assertTrue(rs.next());
            return rs.getBoolean(1);
        }
    }

    @Test void requireEncryptsTheServerConnections() throws Exception {
        ProxyConfig config = ProxyConfig.defaults(0, "127.0.0.1", pg.port()).withPoolSize(2).withServerTls(new ProxyConfig.ServerTls(true, null));
        try (ProxyServer proxy = new ProxyServer(config, hook, new SimpleMeterRegistry()).start()) {
            for (int i = 0; i < 3; i++) assertTrue(sslOfOwnConnection(proxy.port()));
        }
    }

    @Test void verifyCaAcceptsTheRightCertificateAndRefusesAnother() throws Exception {
        ProxyConfig good = ProxyConfig.defaults(0, "127.0.0.1", pg.port()).withServerTls(new ProxyConfig.ServerTls(true, dir.resolve("cert.pem")));
        try (ProxyServer proxy = new ProxyServer(good, hook, new SimpleMeterRegistry()).start()) {
            assertTrue(sslOfOwnConnection(proxy.port()));
        }
        TestCertificates.selfSigned(dir, "other", "other");
        ProxyConfig wrong = ProxyConfig.defaults(0, "127.0.0.1", pg.port()).withServerTls(new ProxyConfig.ServerTls(true, dir.resolve("other.pem")));
        try (ProxyServer proxy = new ProxyServer(wrong, hook, new SimpleMeterRegistry()).start()) {
            SQLException e = assertThrows(SQLException.class, () -> sslOfOwnConnection(proxy.port()));
            assertTrue(e.getMessage().contains("TLS handshake with the server failed"), e.getMessage());
        }
    }

    @Test void scramOverTlsIsBoundToTheServerCertificate() throws Exception {
        ProxyConfig config = ProxyConfig.defaults(0, "127.0.0.1", pg.port()).withServerTls(new ProxyConfig.ServerTls(true, null))
                .withClientAuth(ProxyConfig.ClientAuth.SCRAM_SHA_256, java.util.Map.of("bound", "pw"));
        try (ProxyServer proxy = new ProxyServer(config, hook, new SimpleMeterRegistry()).start();
             Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=bound&password=pw&connectTimeout=10");
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            assertTrue(rs.next());
            assertEquals("bound", rs.getString(1));
            assertTrue(rs.getBoolean(2));
        }
    }

    @Test void withoutTlsTheServerRefusesTheProxy() throws Exception {
        try (ProxyServer proxy = new ProxyServer(ProxyConfig.defaults(0, "127.0.0.1", pg.port()).withServerTls(null), hook, new SimpleMeterRegistry()).start()) {
            SQLException e = assertThrows(SQLException.class, () -> sslOfOwnConnection(proxy.port()));
            assertTrue(e.getMessage().contains("no encryption") || e.getMessage().contains("rejects connection"), e.getMessage());
        }
    }

    @Test void requireAgainstAServerWithoutTlsFailsClearly() throws Exception {
        try (EmbeddedPostgres plain = EmbeddedPostgres.start();
             ProxyServer proxy = new ProxyServer(ProxyConfig.defaults(0, "127.0.0.1", plain.port()).withServerTls(new ProxyConfig.ServerTls(true, null)),
                     hook, new SimpleMeterRegistry()).start()) {
            SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres&connectTimeout=10").close());
            assertTrue(e.getMessage().contains("server does not accept TLS"), e.getMessage());
        }
    }
}
