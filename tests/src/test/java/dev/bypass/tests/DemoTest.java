package dev.bypass.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's run command as a user runs it: {@code ./bypass demo} starts its own PostgreSQL and the proxy, prints
 * the proxy's URL first, and then real clients (pgjdbc and psql) work through it.
 */
class DemoTest {
    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) { return s.getLocalPort(); }
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void demoPrintsItsUrlFirstAndServesClients() throws Exception {
        int port = freePort(), metrics = freePort();
        Process p = new ProcessBuilder(LauncherTest.ROOT.resolve("bypass").toString(), "demo", "--port", String.valueOf(port),
                "--metrics-port", String.valueOf(metrics), "--seconds", "120")
                .directory(LauncherTest.ROOT.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            assertEquals("postgres://app@127.0.0.1:" + port + "/demo", first);
            String jdbc = "jdbc:postgresql://127.0.0.1:" + port + "/demo";
            try (Connection c = DriverManager.getConnection(jdbc + "?user=app"); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*), sum(balance) FROM accounts")) {
                assertTrue(rs.next());
                assertEquals(1000, rs.getLong(1));
            }
            try (Connection c = DriverManager.getConnection(jdbc + "?user=analyst"); Statement s = c.createStatement()) {
                SQLException e = assertThrows(SQLException.class, () -> s.executeUpdate("UPDATE accounts SET balance = 0"));
                assertEquals("42501", e.getSQLState(), e.getMessage());
            }
            Path psql = Path.of("/usr/bin/psql");
            assertTrue(Files.isExecutable(psql), "psql is needed (Debian package postgresql-client; .ci/run installs it)");
            {
                Process q = new ProcessBuilder(psql.toString(), first, "-XAtc", "SELECT owner FROM accounts WHERE id = 7")
                        .redirectErrorStream(true).start();
                assertTrue(q.waitFor(60, TimeUnit.SECONDS));
                assertEquals("owner7", new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
            }
            String scrape = new String(URI.create("http://127.0.0.1:" + metrics + "/metrics").toURL().openStream().readAllBytes(),
                    StandardCharsets.UTF_8);
            assertTrue(scrape.lines().anyMatch(l -> l.startsWith("bypass_proxy_program_queries{class=\"update\"}")), scrape);
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }
}
