package dev.bypass.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.postgres.EmbeddedPostgres;
import dev.bypass.proxy.config.ProxyConfigFile;
import dev.bypass.proxy.server.ProxyServer;
import dev.bypass.proxy.hooks.QueryHook;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * PgBouncer's configuration keys doing what PgBouncer's documentation says, against a real PostgreSQL: auth_query
 * through a SECURITY DEFINER function (SCRAM secrets, passed through to a server that requires SCRAM), per-user and
 * per-database server caps and the reserve pool under pgbench, idle_transaction_timeout, query_timeout,
 * server_reset_query in session mode, ignore_startup_parameters for pgjdbc's extra_float_digits, auth_hba_file, and
 * the console's KILL and RECONNECT. The pgbouncer.ini files are written as an operator would write them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PgBouncerBehaviourTest {
    @TempDir static Path dir;
    EmbeddedPostgres pg;
    ProxyServer proxy;
    final List<ProxyServer> others = new ArrayList<>();
    Path pgbench;

    @BeforeAll
    void start() throws Exception {
        pg = EmbeddedPostgres.start(0, List.of(
                "host all aq_user 127.0.0.1/32 scram-sha-256",
                "host all pgb_auth 127.0.0.1/32 scram-sha-256"));
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement()) {
            s.execute("SET password_encryption = 'scram-sha-256'");
            s.execute("CREATE ROLE aq_user LOGIN PASSWORD 'aq secret'");
            s.execute("CREATE ROLE pgb_auth LOGIN PASSWORD 'auth-pw'");
            for (String u : List.of("app", "capuser", "dbcap1", "dbcap2", "reserve", "slow", "idler", "sess", "victim", "rec"))
                s.execute("CREATE ROLE " + u + " LOGIN");
            // the function pgbouncer's documentation recommends: only it reads pg_shadow, only pgb_auth may call it
            s.execute("CREATE SCHEMA pgbouncer");
            s.execute("""
                    CREATE FUNCTION pgbouncer.get_auth(p_usename text) RETURNS TABLE(usename name, passwd text)
                    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS
                    $$ SELECT usename, passwd FROM pg_catalog.pg_shadow WHERE usename = p_usename $$""");
            s.execute("REVOKE ALL ON FUNCTION pgbouncer.get_auth(text) FROM PUBLIC");
            s.execute("GRANT USAGE ON SCHEMA pgbouncer TO pgb_auth");
            s.execute("GRANT EXECUTE ON FUNCTION pgbouncer.get_auth(text) TO pgb_auth");
        }
        Files.writeString(dir.resolve("userlist.txt"), """
                "admin" "admin-pw"
                "pgb_auth" "auth-pw"
                "app" "app-pw"
                "capuser" "pw"
                "dbcap1" "pw"
                "dbcap2" "pw"
                "reserve" "pw"
                "slow" "pw"
                "idler" "pw"
                "sess" "pw"
                "victim" "pw"
                "rec" "pw"
                """);
        int port = pg.port();
        proxy = start("""
                [databases]
                ; auth_query through auth_user, as in PgBouncer's documentation
                aqdb    = host=127.0.0.1 port=%1$d dbname=postgres auth_user=pgb_auth
                capa    = host=127.0.0.1 port=%1$d dbname=postgres pool_size=3
                capb    = host=127.0.0.1 port=%1$d dbname=postgres pool_size=3
                dbcap   = host=127.0.0.1 port=%1$d dbname=postgres pool_size=5 max_db_connections=2
                resdb   = host=127.0.0.1 port=%1$d dbname=postgres pool_size=2 reserve_pool_size=2
                sessdb  = host=127.0.0.1 port=%1$d dbname=postgres pool_mode=session pool_size=1
                killdb  = host=127.0.0.1 port=%1$d dbname=postgres
                recdb   = host=127.0.0.1 port=%1$d dbname=postgres pool_size=1
                appdb   = host=127.0.0.1 port=%1$d dbname=postgres

                [users]
                capuser = max_user_connections=2
                slow    = query_timeout=1
                idler   = idle_transaction_timeout=1

                [pgbouncer]
                listen_addr = 127.0.0.1
                listen_port = 0
                unix_socket_dir =
                auth_type = scram-sha-256
                auth_file = userlist.txt
                auth_query = SELECT usename, passwd FROM pgbouncer.get_auth($1)
                admin_users = admin
                pool_mode = transaction
                default_pool_size = 10
                reserve_pool_timeout = 0.2
                server_reset_query = DISCARD ALL
                ignore_startup_parameters = extra_float_digits
                """.formatted(port));
        for (String p : List.of("/usr/bin/pgbench", "/usr/lib/postgresql/17/bin/pgbench", "/usr/lib/postgresql/15/bin/pgbench"))
            if (pgbench == null && Files.isExecutable(Path.of(p))) pgbench = Path.of(p);
    }

    @AfterAll
    void stop() throws Exception {
        for (ProxyServer p : others) p.close();
        Fixtures.close(proxy, pg);
    }

    private int configs;

    ProxyServer start(String ini) throws Exception {
        Path file = dir.resolve("pgbouncer-" + (configs++) + ".ini");
        Files.writeString(file, ini);
        ProxyServer p = new ProxyServer(ProxyConfigFile.read(file), QueryHook.ALLOW_ALL, new SimpleMeterRegistry()).start();
        if (proxy != null) others.add(p);
        return p;
    }

    Connection connect(ProxyServer p, String db, String user, String password) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + p.port() + "/" + db + "?connectTimeout=10&socketTimeout=60",
                user, password);
    }

    Connection console() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/pgbouncer?preferQueryMode=simple", "admin", "admin-pw");
    }

    /** Server connections PostgreSQL has for these users, as pg_stat_activity shows them. */
    int backends(String... users) throws SQLException {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND usename IN ('"
                     + String.join("','", users) + "')")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static String single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getString(1);
        }
    }

    // ---- auth_query ----

    @Test
    void authQueryLooksUpScramSecretsThroughASecurityDefinerFunctionAndPassesScramOnToTheServer() throws Exception {
        // the lookup user really cannot read pg_shadow itself
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.port() + "/postgres", "pgb_auth", "auth-pw");
             Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("SELECT passwd FROM pg_shadow").close());
            assertEquals("42501", e.getSQLState());
        }
        // aq_user is in no auth_file: its SCRAM secret comes from the function, and PostgreSQL requires SCRAM of it
        for (int i = 0; i < 2; i++)
            try (Connection c = connect(proxy, "aqdb", "aq_user", "aq secret")) {
                assertEquals("aq_user", single(c, "SELECT current_user"));
            }
        SQLException wrong = assertThrows(SQLException.class, () -> connect(proxy, "aqdb", "aq_user", "not it").close());
        assertEquals("28P01", wrong.getSQLState(), wrong.getMessage());
        SQLException unknown = assertThrows(SQLException.class, () -> connect(proxy, "aqdb", "no_such_role", "x").close());
        assertEquals("28P01", unknown.getSQLState(), "an unknown user fails like a wrong password: " + unknown.getMessage());
    }

    // ---- caps and the reserve pool, under pgbench ----

    /**
     * Runs pgbench with {@code script} for each user@database in {@code runs} at once, {@code clients} clients each,
     * sampling PostgreSQL's backends of {@code users} meanwhile (over one connection); returns the most seen.
     */
    int pgbenchPeak(String script, int clients, String[] users, String... runs) throws Exception {
        Assumptions.assumeTrue(pgbench != null, "pgbench is not installed (Debian package postgresql-client)");
        Path file = Files.createTempFile(dir, "script", ".sql");
        Files.writeString(file, script);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger peak = new AtomicInteger();
        String sql = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND usename IN ('" + String.join("','", users) + "')";
        Connection sampling = DriverManager.getConnection(pg.jdbcUrl("postgres"));
        Thread sampler = Thread.ofPlatform().start(() -> {
            try (Statement s = sampling.createStatement()) {
                while (running.get()) {
                    try (ResultSet rs = s.executeQuery(sql)) {
                        rs.next();
                        peak.accumulateAndGet(rs.getInt(1), Math::max);
                    }
                    Thread.sleep(10);
                }
            } catch (Exception e) {
                // the test's assertions report what was seen
            }
        });
        List<CompletableFuture<String>> started = new ArrayList<>();
        for (String run : runs) {
            String[] ud = run.split("@");
            started.add(CompletableFuture.supplyAsync(() -> run(List.of(pgbench.toString(), "-h", "127.0.0.1", "-p", Integer.toString(proxy.port()),
                    "-U", ud[0], "-n", "-c", Integer.toString(clients), "-j", "2", "-T", "2", "-f", file.toString(), ud[1]), "pw")));
        }
        try {
            for (var r : started) {
                String out = r.get(120, TimeUnit.SECONDS);
                Matcher m = Pattern.compile("number of failed transactions: (\\d+)").matcher(out);
                if (m.find()) assertEquals("0", m.group(1), out);
                Matcher done = Pattern.compile("number of transactions actually processed: (\\d+)").matcher(out);
                assertTrue(done.find() && Long.parseLong(done.group(1)) > 0, out);
            }
        } finally {
            running.set(false);
            sampler.join();
            sampling.close();
        }
        return peak.get();
    }

    static String run(List<String> cmd, String password) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("PGPASSWORD", password);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + out);
            return out;
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void maxUserConnectionsCapsAUsersServersAcrossDatabases() throws Exception {
        // two pools of 3 each, one user capped at 2 servers over both
        int peak = pgbenchPeak("SELECT pg_sleep(0.01);\n", 6, new String[] {"capuser"}, "capuser@capa", "capuser@capb");
        assertTrue(peak <= 2 && peak >= 1, "capuser's servers: " + peak);
    }

    @Test
    void maxDbConnectionsCapsADatabasesServersAcrossUsers() throws Exception {
        // two users' pools of 5 each, the database capped at 2 servers over both
        int peak = pgbenchPeak("SELECT pg_sleep(0.01);\n", 5, new String[] {"dbcap1", "dbcap2"}, "dbcap1@dbcap", "dbcap2@dbcap");
        assertTrue(peak <= 2 && peak >= 1, "dbcap's servers: " + peak);
    }

    @Test
    void theReservePoolOpensWhenClientsWaitLongerThanReservePoolTimeout() throws Exception {
        // pool of 2, reserve of 2: eight clients each holding a server for 200 ms queue for about 0.6 s each round,
        // well past reserve_pool_timeout's 0.2 s (with 50 ms the wait sat at the threshold)
        int peak = pgbenchPeak("SELECT pg_sleep(0.2);\n", 8, new String[] {"reserve"}, "reserve@resdb");
        assertEquals(4, peak, "pool_size 2 + reserve_pool_size 2 servers");
        try (Connection c = console(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW POOLS")) {
            boolean seen = false;
            while (rs.next()) {
                if (!rs.getString("database").equals("resdb")) continue;
                seen = true;
                assertTrue(rs.getInt("sv_idle") + rs.getInt("sv_used") + rs.getInt("sv_active") <= 4);
            }
            assertTrue(seen);
        }
        try (Connection c = console(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW DATABASES")) {
            while (rs.next())
                if (rs.getString("name").equals("resdb")) {
                    assertEquals(2, rs.getInt("pool_size"));
                    assertEquals(2, rs.getInt("reserve_pool_size"));
                }
        }
    }

    // ---- timeouts ----

    @Test
    void queryTimeoutCancelsAndDisconnects() throws Exception {
        try (Connection c = connect(proxy, "appdb", "slow", "pw")) {
            long start = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> single(c, "SELECT pg_sleep(30)"));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 10_000, "ended after query_timeout, not after the query: " + ms + " ms");
            assertTrue(e.getMessage().contains("query_timeout") || e.getMessage().contains("canceling statement"), e.getMessage());
        }
        // a query shorter than the timeout is not touched
        try (Connection c = connect(proxy, "appdb", "slow", "pw")) {
            single(c, "SELECT pg_sleep(0.2)");
        }
    }

    @Test
    void idleTransactionTimeoutClosesAClientIdleInATransaction() throws Exception {
        try (Connection c = connect(proxy, "appdb", "idler", "pw")) {
            c.setAutoCommit(false);
            single(c, "SELECT txid_current()");
            assertEquals(1, backends("idler"));
            Thread.sleep(2500);
            SQLException e = assertThrows(SQLException.class, () -> single(c, "SELECT 1"));
            assertTrue(e.getMessage().contains("idle_transaction_timeout") || e.getMessage().contains("idle transaction timeout")
                    || e.getSQLState().startsWith("08"), e.getSQLState() + " " + e.getMessage());
        }
        // the server's transaction did not stay open: that backend is gone
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (backends("idler") > 0 && System.nanoTime() < until) Thread.sleep(50);
        assertEquals(0, backends("idler"), "the server left in a transaction was closed, not pooled");
        // outside a transaction idling is fine
        try (Connection c = connect(proxy, "appdb", "idler", "pw")) {
            single(c, "SELECT 1");
            Thread.sleep(1500);
            assertEquals("1", single(c, "SELECT 1"));
        }
    }

    // ---- session mode ----

    @Test
    void serverResetQueryCleansTheServerBetweenSessionModeClients() throws Exception {
        String pid;
        try (Connection c = connect(proxy, "sessdb", "sess", "pw"); Statement s = c.createStatement()) {
            pid = single(c, "SELECT pg_backend_pid()");
            s.execute("SET work_mem = '7MB'");
            s.execute("PREPARE leftover AS SELECT 1");
            s.execute("CREATE TEMP TABLE scratch (x int)");
        }
        try (Connection c = connect(proxy, "sessdb", "sess", "pw")) {
            assertEquals(pid, single(c, "SELECT pg_backend_pid()"), "pool_size 1: the same server");
            assertNotEquals("7MB", single(c, "SHOW work_mem"));
            assertEquals("0", single(c, "SELECT count(*) FROM pg_prepared_statements"));
            assertEquals("0", single(c, "SELECT count(*) FROM pg_tables WHERE tablename = 'scratch'"));
        }
    }

    // ---- start-up parameters ----

    /**
     * pgjdbc before 42.7 sent {@code extra_float_digits} in its StartupMessage, which PgBouncer refuses unless
     * ignore_startup_parameters lists it (the documented fix); the same start-up message, sent raw, both ways.
     */
    @Test
    void extraFloatDigitsInTheStartupMessageIsRefusedUnlessIgnored() throws Exception {
        String ini = """
                [databases]
                * = host=127.0.0.1 port=%d
                [pgbouncer]
                listen_addr = 127.0.0.1
                listen_port = 0
                unix_socket_dir =
                auth_type = trust
                auth_file = userlist.txt
                """.formatted(pg.port());
        ProxyServer strict = start(ini);
        try (RawClient c = new RawClient(strict.port())) {
            RawClient.Message m = c.send(RawClient.startup("app", "postgres", "extra_float_digits", "3")).read();
            assertEquals('E', m.type(), m.toString());
            assertEquals("08P01", m.sqlState());
            assertEquals("unsupported startup parameter: extra_float_digits", m.fields().get('M'));
            assertTrue(c.closedWithin(5000));
        }
        ProxyServer lenient = start(ini + "ignore_startup_parameters = extra_float_digits\n");
        try (RawClient c = new RawClient(lenient.port())) {
            List<RawClient.Message> login = c.send(RawClient.startup("app", "postgres", "extra_float_digits", "3")).untilReady();
            assertEquals('R', login.get(0).type(), login.toString());
            List<RawClient.Message> reply = c.send(RawClient.query("SHOW extra_float_digits")).untilReady();
            assertEquals('D', reply.get(1).type(), reply.toString());
            assertEquals(1, reply.stream().filter(r -> r.type() == 'D').count());
        }
    }

    // ---- auth_hba_file ----

    @Test
    void authHbaFileRulesDecideWhoLogsInAndHow() throws Exception {
        Files.writeString(dir.resolve("hba.conf"), """
                # TYPE  DATABASE  USER     ADDRESS       METHOD
                host    hbadb     rec      127.0.0.1/32  trust
                host    hbadb     app      127.0.0.1/32  scram-sha-256
                host    all       all      0.0.0.0/0     reject
                """);
        ProxyServer hba = start("""
                [databases]
                hbadb = host=127.0.0.1 port=%1$d dbname=postgres
                other = host=127.0.0.1 port=%1$d dbname=postgres
                [pgbouncer]
                listen_addr = 127.0.0.1
                listen_port = 0
                unix_socket_dir =
                auth_type = hba
                auth_hba_file = hba.conf
                auth_file = userlist.txt
                ignore_startup_parameters = extra_float_digits
                """.formatted(pg.port()));
        try (Connection c = connect(hba, "hbadb", "rec", null)) {
            assertEquals("rec", single(c, "SELECT current_user"), "trust: no password asked");
        }
        try (Connection c = connect(hba, "hbadb", "app", "app-pw")) {
            assertEquals("app", single(c, "SELECT current_user"));
        }
        SQLException wrong = assertThrows(SQLException.class, () -> connect(hba, "hbadb", "app", "wrong").close());
        assertEquals("28P01", wrong.getSQLState(), wrong.getMessage());
        SQLException rejected = assertThrows(SQLException.class, () -> connect(hba, "other", "app", "app-pw").close());
        assertEquals("28000", rejected.getSQLState(), rejected.getMessage());
        SQLException notTrusted = assertThrows(SQLException.class, () -> connect(hba, "other", "rec", null).close());
        assertEquals("28000", notTrusted.getSQLState(), notTrusted.getMessage());
    }

    // ---- the console's KILL and RECONNECT ----

    @Test
    void killDropsADatabasesClientsAndServersAndHoldsNewOnesUntilResume() throws Exception {
        Connection victim = connect(proxy, "killdb", "victim", "pw");
        Connection bystander = connect(proxy, "appdb", "app", "app-pw");
        try {
            single(victim, "SELECT 1");
            single(bystander, "SELECT 1");
            try (Connection c = console(); Statement s = c.createStatement()) {
                s.execute("KILL killdb");
            }
            SQLException e = assertThrows(SQLException.class, () -> single(victim, "SELECT 1"));
            assertNotNull(e.getMessage());
            assertEquals("1", single(bystander, "SELECT 1"), "another database is untouched");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (backends("victim") > 0 && System.nanoTime() < until) Thread.sleep(50);
            assertEquals(0, backends("victim"), "the killed database's servers are closed");
            // a new client waits for RESUME before it gets a server (pgjdbc's connect runs a SET, so the connect waits)
            CompletableFuture<String> late = CompletableFuture.supplyAsync(() -> {
                try (Connection c = connect(proxy, "killdb", "victim", "pw")) {
                    return single(c, "SELECT 'served'");
                } catch (SQLException x) {
                    throw new RuntimeException(x);
                }
            });
            assertThrows(TimeoutException.class, () -> late.get(1, TimeUnit.SECONDS), "held while the database is killed");
            try (Connection c = console(); Statement s = c.createStatement()) {
                s.execute("RESUME killdb");
            }
            assertEquals("served", late.get(30, TimeUnit.SECONDS));
        } finally {
            victim.close();
            bystander.close();
        }
    }

    @Test
    void reconnectReplacesServersWithoutDisturbingClients() throws Exception {
        try (Connection c = connect(proxy, "recdb", "rec", "pw")) {
            String before = single(c, "SELECT pg_backend_pid()");
            assertEquals(before, single(c, "SELECT pg_backend_pid()"), "pool_size 1: the same server while nothing happens");
            try (Connection admin = console(); Statement s = admin.createStatement()) {
                s.execute("RECONNECT recdb");
            }
            String after = single(c, "SELECT pg_backend_pid()");
            assertNotEquals(before, after, "a new server after RECONNECT");
            assertEquals(after, single(c, "SELECT pg_backend_pid()"));
        }
    }
}
