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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.*;
import org.junit.jupiter.api.io.TempDir;

/** TLS between clients and the proxy (SSLRequest), with a certificate made by openssl; required mode refuses plain text. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClientTlsTest {
    EmbeddedPostgres pg;
    ProxyServer proxy;
    ProgramQueryHook hook;
    @TempDir static Path dir; // holds a private key: removed after the class (a static field is ready for @BeforeAll)

    @BeforeAll
    void start() throws Exception {
        TestCertificates.assumeOpenssl();
        TestCertificates.selfSigned(dir, "cert", "localhost");
        pg = EmbeddedPostgres.start();
        hook = new ProgramQueryHook(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY);
        ProxyConfig config = ProxyConfig.defaults(0, "127.0.0.1", pg.port()).withPoolSize(2)
                .withClientAuth(ProxyConfig.ClientAuth.SCRAM_SHA_256, Map.of("postgres", "pw"))
                .withClientTls(new ProxyConfig.ClientTls(dir.resolve("cert.pem"), dir.resolve("cert.key"), true));
        proxy = new ProxyServer(config, hook, new SimpleMeterRegistry()).start();
    }

    @AfterAll
    void stop() throws Exception {
        Fixtures.close(proxy, hook, pg);
    }

    String url(String sslmode) {
        return "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres&password=pw&connectTimeout=10&sslmode=" + sslmode;
    }

    @Test void pgjdbcOverTls() throws Exception {
        for (int i = 0; i < 3; i++)
            try (Connection c = DriverManager.getConnection(url("require")); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT 40 + 2")) {
                assertTrue(rs.next());
                assertEquals(42, rs.getInt(1));
            }
    }

    @Test void scramWithChannelBindingToThisCertificate() throws Exception {
        try (Connection c = DriverManager.getConnection(url("require") + "&channelBinding=require"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT 'bound'")) {
            assertTrue(rs.next());
            assertEquals("bound", rs.getString(1));
        }
        Path psql = Path.of("/usr/bin/psql");
        Assumptions.assumeTrue(Files.isExecutable(psql), "psql is not installed");
        ProcessBuilder pb = new ProcessBuilder(psql.toString(), "host=127.0.0.1 port=" + proxy.port()
                + " user=postgres dbname=postgres sslmode=require channel_binding=require", "-XAtc", "SELECT 'psql bound'").redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", "pw");
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals("psql bound", new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
    }

    @Test void plainTextIsRefusedWhenTlsIsRequired() {
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url("disable")).close());
        assertTrue(e.getMessage().contains("TLS is required"), e.getMessage());
    }

    @Test void psqlOverTls() throws Exception {
        Path psql = Path.of("/usr/bin/psql");
        Assumptions.assumeTrue(Files.isExecutable(psql), "psql is not installed");
        ProcessBuilder pb = new ProcessBuilder(psql.toString(), "host=127.0.0.1 port=" + proxy.port() + " user=postgres dbname=postgres sslmode=require",
                "-XAtc", "SELECT 'over tls'").redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", "pw");
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals("over tls", new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
    }

    @Test void aBadCertificateIsAClearConfigurationError() {
        ProxyConfig bad = ProxyConfig.defaults(0, "127.0.0.1", pg.port())
                .withClientTls(new ProxyConfig.ClientTls(dir.resolve("missing.pem"), dir.resolve("cert.key"), false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ProxyServer(bad, hook, new SimpleMeterRegistry()));
        assertTrue(e.getMessage().contains("missing.pem"), e.getMessage());
    }
}
