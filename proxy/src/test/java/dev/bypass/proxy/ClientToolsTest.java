package dev.bypass.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.verification.ProgramVerifier;
import dev.bypass.proxy.hooks.ProgramQueryHook;
import dev.bypass.postgres.EmbeddedPostgres;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.server.ProxyServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.*;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/** Real clients through the proxy in transaction mode: pgbench in every protocol mode and pgjdbc's COPY. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClientToolsTest {
    EmbeddedPostgres pg;
    ProxyServer proxy;
    ProgramQueryHook hook;
    Path pgbench;

    @BeforeAll
    void start() throws Exception {
        pg = EmbeddedPostgres.start();
        hook = new ProgramQueryHook(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY);
        proxy = new ProxyServer(ProxyConfig.defaults(0, "127.0.0.1", pg.port()).withPoolSize(4), hook, new SimpleMeterRegistry()).start();
        for (String p : List.of("/usr/bin/pgbench", "/usr/lib/postgresql/15/bin/pgbench", "/usr/lib/postgresql/17/bin/pgbench"))
            if (Files.isExecutable(Path.of(p))) pgbench = Path.of(p);
    }

    @AfterAll
    void stop() throws Exception {
        Fixtures.close(proxy, hook, pg);
    }

    String pgbench(String... args) throws Exception {
        Assumptions.assumeTrue(pgbench != null, "pgbench is not installed (Debian package postgresql-client)");
        List<String> cmd = new ArrayList<>(List.of(pgbench.toString(), "-h", "127.0.0.1", "-p", Integer.toString(proxy.port()), "-U", "postgres"));
        cmd.addAll(List.of(args));
        cmd.add("postgres");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "pgbench finished");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + out);
        return out;
    }

    static long processed(String out) {
        Matcher m = Pattern.compile("number of transactions actually processed: (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    @BeforeEach
    void initOnce() throws Exception {
        if (pgbench == null) return;
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_tables WHERE tablename = 'pgbench_accounts'")) {
            rs.next();
            if (rs.getInt(1) == 1) return;
        }
        pgbench("-i", "-s", "1", "-q");
    }

    @ParameterizedTest
    @ValueSource(strings = {"simple", "extended", "prepared"})
    void selectOnlyInEveryProtocolMode(String mode) throws Exception {
        String out = pgbench("-S", "-M", mode, "-c", "8", "-j", "8", "-T", "2");
        assertTrue(processed(out) > 100, out);
        assertFalse(out.contains("number of failed transactions: ") && !out.contains("number of failed transactions: 0 "), out);
    }

    /**
     * Six clients per pgbench thread and three per server: pgbench prepares its statements with a blocking call, so
     * a thread whose client waited for a server there would stall its other clients, which hold servers
     * mid-transaction; statements a server parsed before are answered without one.
     */
    @Test void tpcbWithMoreClientsThanServersAndSharedThreads() throws Exception {
        String out = pgbench("-M", "prepared", "-c", "12", "-j", "2", "-T", "3");
        assertTrue(processed(out) > 50, out);
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT (SELECT sum(abalance) FROM pgbench_accounts) = (SELECT sum(delta) FROM pgbench_history)")) {
            rs.next();
            assertTrue(rs.getBoolean(1), "every transaction's updates and history row committed together");
        }
    }

    @Test void aNewConnectionPerTransaction() throws Exception {
        String out = pgbench("-S", "-C", "-c", "4", "-T", "2");
        assertTrue(processed(out) > 20, out);
    }

    @Test void copyInAndOutWithPgjdbc() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres")) {
            try (Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS copy_t");
                s.execute("CREATE TABLE copy_t (id int, name text)");
            }
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            StringBuilder rows = new StringBuilder();
            for (int i = 0; i < 5000; i++) rows.append(i).append('\t').append("name ").append(i).append('\n');
            assertEquals(5000, copy.copyIn("COPY copy_t FROM STDIN", new StringReader(rows.toString())));
            StringWriter out = new StringWriter();
            assertEquals(5000, copy.copyOut("COPY (SELECT * FROM copy_t ORDER BY id) TO STDOUT", out));
            assertEquals(rows.toString(), out.toString());
            // the connection is still usable after both copies, and a failing COPY leaves it usable too
            assertThrows(java.sql.SQLException.class, () -> copy.copyIn("COPY copy_t FROM STDIN", new StringReader("x\ty\n")));
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM copy_t")) {
                rs.next();
                assertEquals(5000, rs.getInt(1));
            }
        }
    }
}
