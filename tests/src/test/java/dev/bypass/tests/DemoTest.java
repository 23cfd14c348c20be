package dev.bypass.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's run command as a user runs it: {@code ./bypass demo} starts its own PostgreSQL and the proxy, prints
 * the proxy's URL first, and then real clients (pgjdbc and psql) work through it. Ports are picked by the demo
 * (port 0) and read from what it prints, so that no other process can take them in between.
 */
class DemoTest {
    @TempDir Path dir;

    static final boolean ROOT_USER = "root".equals(System.getProperty("user.name"));

    Process demo(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(LauncherTest.ROOT.resolve("bypass").toString(), "demo", "--port", "0", "--metrics-port", "0"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(LauncherTest.ROOT.toFile()).redirectError(dir.resolve("stderr.txt").toFile()).start();
    }

    /** Running as root, PostgreSQL runs as an unprivileged system user, and the demo says so (and that it creates it). */
    void assertTheServiceUserIsNamedWhenRoot() throws Exception {
        String err = Files.readString(dir.resolve("stderr.txt"));
        if (ROOT_USER) assertTrue(err.matches("(?s).*INFO EmbeddedPostgres: running as root, which PostgreSQL refuses: (creating the system user bypass-pg"
                + " to run it \\(useradd --system\\)|it runs as the system user bypass-pg).*"), err);
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void demoPrintsItsUrlFirstAndServesClients() throws Exception {
        Process p = demo("--seconds", "120");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            Matcher url = Pattern.compile("postgres://app@127\\.0\\.0\\.1:(\\d+)/demo").matcher(String.valueOf(first));
            assertTrue(url.matches(), first + "\n" + Files.readString(dir.resolve("stderr.txt")));
            int port = Integer.parseInt(url.group(1)), metrics = -1;
            for (String l; metrics < 0 && (l = out.readLine()) != null; ) {
                Matcher m = Pattern.compile("metrics: +http://127\\.0\\.0\\.1:(\\d+)/metrics.*").matcher(l);
                if (m.matches()) metrics = Integer.parseInt(m.group(1));
            }
            assertTrue(metrics > 0, "the guide names the metrics endpoint");
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
            assertTrue(scrape.lines().anyMatch(l -> l.startsWith("bypass_proxy_program_queries_total{class=\"update\"}")), scrape);
            assertTheServiceUserIsNamedWhenRoot();
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void withAWorkloadTheDemoStopsWhenItIsDone() throws Exception {
        Process p = demo("--workload");
        try {
            String out = ObservabilityDemosTest.outputWithin(p, 180);
            assertEquals(0, p.exitValue(), out + Files.readString(dir.resolve("stderr.txt")));
            assertTrue(out.contains("\nstop:     when the workload is done (--seconds N keeps the demo running for N seconds)\n"), out);
            assertTrue(out.contains("\nworkload: 200 selects and 20 updates as app; analyst's DELETE -> ERROR: permission denied"), out);
            assertTrue(out.endsWith("\ndemo stopped: the workload is done\n"), out);
            assertTheServiceUserIsNamedWhenRoot();
        } finally {
            p.destroyForcibly();
        }
    }
}
