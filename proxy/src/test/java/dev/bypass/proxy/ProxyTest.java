package dev.bypass.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.verification.ProgramVerifier;
import dev.bypass.proxy.hooks.ProgramQueryHook;
import dev.bypass.postgres.EmbeddedPostgres;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.server.ProxyServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.sql.*;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.*;

/** The proxy against a real PostgreSQL, driven by pgjdbc and raw sockets. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProxyTest {
    EmbeddedPostgres pg;
    ProxyServer proxy;
    ProgramQueryHook hook;

    @BeforeAll
    void start() throws Exception {
        pg = EmbeddedPostgres.start();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE analyst LOGIN");
            s.execute("CREATE TABLE t (id int PRIMARY KEY, v text)");
            s.execute("INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 100) g");
            s.execute("GRANT SELECT ON t TO analyst");
        }
        // The verifier module plugs into the runtime separately; these tests exercise the proxy and the program
        // through the runtime's explicitly named unverified path.
        hook = new ProgramQueryHook(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY);
        hook.deny("analyst", "delete");
        ProxyConfig config = ProxyConfig.defaults(0, "127.0.0.1", pg.port()).withPoolSize(4)
                .with(dev.bypass.proxy.config.Settings.ADMIN_USERS, List.of("admin"));
        proxy = new ProxyServer(config, hook, new SimpleMeterRegistry()).start();
    }

    @AfterAll
    void stop() throws Exception {
        Fixtures.close(proxy, hook, pg);
    }

    Connection connect(String user, String extra) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=" + user + "&socketTimeout=30&connectTimeout=10" + extra);
    }

    @Test
    void simpleExtendedAndPreparedQueries() throws Exception {
        for (String mode : new String[] {"simple", "extended", "extendedForPrepared"}) {
            try (Connection c = connect("postgres", "&preferQueryMode=" + mode + "&prepareThreshold=1")) {
                try (PreparedStatement ps = c.prepareStatement("SELECT v FROM t WHERE id = ?")) {
                    for (int i = 1; i <= 20; i++) {
                        ps.setInt(1, i);
                        try (ResultSet rs = ps.executeQuery()) {
                            assertTrue(rs.next());
                            assertEquals("v" + i, rs.getString(1), mode);
                        }
                    }
                }
            }
        }
    }

    @Test
    void namedPreparedStatementsFollowEachClientAcrossServers() throws Exception {
        // pgjdbc names statements S_1, S_2, ... in the order a connection prepares them, so the same name means a
        // different query on half of the clients; 8 clients share 4 servers in transaction mode.
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
            boolean byIdFirst = k % 2 == 0;
            done.add(pool.submit(() -> {
                try (Connection c = connect("postgres", "&prepareThreshold=1");
                     PreparedStatement byId = c.prepareStatement("SELECT v FROM t WHERE id = ?");
                     PreparedStatement byValue = c.prepareStatement("SELECT id FROM t WHERE v = ?")) {
                    for (int i = 1; i <= 60; i++) {
                        for (int order = 0; order < 2; order++) {
                            if ((order == 0) == byIdFirst) {
                                byId.setInt(1, i);
                                try (ResultSet rs = byId.executeQuery()) {
                                    assertTrue(rs.next());
                                    assertEquals("v" + i, rs.getString(1));
                                }
                            } else {
                                byValue.setString(1, "v" + i);
                                try (ResultSet rs = byValue.executeQuery()) {
                                    assertTrue(rs.next());
                                    assertEquals(i, rs.getInt(1));
                                }
                            }
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
        pool.shutdown();
    }

    @Test
    void transactionsAndBatchesKeepTheirServer() throws Exception {
        try (Connection c = connect("postgres", "")) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TEMP TABLE scratch (x int) ON COMMIT DROP");
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO scratch VALUES (?)")) {
                    for (int i = 0; i < 50; i++) {
                        ps.setInt(1, i);
                        ps.addBatch();
                    }
                    assertEquals(50, ps.executeBatch().length);
                }
                try (ResultSet rs = s.executeQuery("SELECT count(*), sum(x) FROM scratch")) {
                    rs.next();
                    assertEquals(50, rs.getLong(1));
                    assertEquals(1225, rs.getLong(2));
                }
            }
            c.commit();
        }
    }

    @Test
    void manyMoreClientsThanServersShareThePool() throws Exception {
        int clients = 24, rounds = 30;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<Long>> results = new ArrayList<>();
        for (int k = 0; k < clients; k++) {
            int id = k;
            results.add(pool.submit(() -> {
                long sum = 0;
                try (Connection c = connect("postgres", ""); Statement s = c.createStatement()) {
                    for (int r = 0; r < rounds; r++) {
                        c.setAutoCommit(false);
                        try (ResultSet rs = s.executeQuery("SELECT " + id + " + " + r)) {
                            rs.next();
                            sum += rs.getLong(1);
                        }
                        c.commit();
                        c.setAutoCommit(true);
                    }
                }
                return sum;
            }));
        }
        for (int k = 0; k < clients; k++) {
            long expected = (long) k * rounds + (long) rounds * (rounds - 1) / 2;
            assertEquals(expected, results.get(k).get(60, TimeUnit.SECONDS));
        }
        pool.shutdown();
        try (Connection c = connect("postgres", ""); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'bypass'")) {
            rs.next();
            assertTrue(rs.getLong(1) <= 4, "server connections stay within the pool size: " + rs.getLong(1));
        }
    }

    @Test
    void programAtTheQueryHookDeniesAndCounts() throws Exception {
        long before = hook.classCounts().getOrDefault("select", 0L);
        try (Connection c = connect("analyst", ""); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
                rs.next();
                assertEquals(100, rs.getLong(1));
            }
            SQLException e = assertThrows(SQLException.class, () -> s.executeUpdate("DELETE FROM t WHERE id = 1"));
            assertEquals("42501", e.getSQLState());
            assertTrue(e.getMessage().contains("delete statements are denied for role \"analyst\""), e.getMessage());
            // The session stays usable after the rejection.
            try (ResultSet rs = s.executeQuery("SELECT 41 + 1")) {
                rs.next();
                assertEquals(42, rs.getInt(1));
            }
        }
        assertTrue(hook.classCounts().get("select") >= before + 2, hook.classCounts().toString());
        assertTrue(hook.topQueries(50).stream().anyMatch(q -> q.text().equals("SELECT count(*) FROM t")), hook.topQueries(50).toString());
    }

    @Test
    void clientDyingMidTransactionDoesNotLeakItsServer() throws Exception {
        // Open a transaction holding a row lock, then vanish.
        Connection dying = connect("postgres", "");
        dying.setAutoCommit(false);
        dying.createStatement().executeUpdate("UPDATE t SET v = 'locked' WHERE id = 7");
        dying.unwrap(org.postgresql.PGConnection.class); // still open
        ((org.postgresql.jdbc.PgConnection) dying).getQueryExecutor().abort(); // drop the socket, no Terminate
        // Another client must get the row (the server rolled back) and see the old value.
        try (Connection c = connect("postgres", ""); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.executeUpdate("UPDATE t SET v = 'v7' WHERE id = 7");
            try (ResultSet rs = s.executeQuery("SELECT v FROM t WHERE id = 7")) {
                rs.next();
                assertEquals("v7", rs.getString(1));
            }
            c.commit();
        }
    }

    @Test
    void cancelReachesTheServerRunningTheQuery() throws Exception {
        try (Connection c = connect("postgres", ""); Statement s = c.createStatement()) {
            ScheduledExecutorService ex = Executors.newSingleThreadScheduledExecutor();
            ex.schedule(() -> { s.cancel(); return null; }, 500, TimeUnit.MILLISECONDS);
            long t0 = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> s.execute("SELECT pg_sleep(30)"));
            assertEquals("57014", e.getSQLState(), e.getMessage());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20));
            ex.shutdown();
            try (ResultSet rs = s.executeQuery("SELECT 1")) {
                assertTrue(rs.next());
            }
        }
    }

    @Test
    void adminConsoleAnswersShowCommands() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/bypass?user=admin&preferQueryMode=simple");
             Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SHOW POOLS")) {
                assertEquals("database", rs.getMetaData().getColumnName(1));
                assertTrue(rs.next());
                assertTrue(Long.parseLong(rs.getString("sv_idle")) + Long.parseLong(rs.getString("sv_active")) > 0, "the pool has servers");
                assertEquals("0", rs.getString("cl_waiting"));
            }
            // one transaction of three statements through the proxy: three more queries, one more transaction
            try (Connection app = connect("postgres", "&preferQueryMode=simple"); Statement a = app.createStatement()) {
                long[] before = postgresStats(s);
                assertTrue(before[0] > 0 && before[1] >= before[0], before[0] + " transactions, " + before[1] + " queries");
                a.execute("BEGIN");
                a.execute("SELECT 1");
                a.execute("COMMIT");
                long[] after = postgresStats(s);
                assertEquals(1, after[0] - before[0], "transactions counted");
                assertEquals(3, after[1] - before[1], "queries counted");
            }
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("SHOW NONSENSE"));
            assertTrue(e.getMessage().contains("invalid command 'SHOW NONSENSE', use SHOW HELP;"), e.getMessage());
        }
    }

    /** SHOW STATS summed over the pools of database postgres: transactions, queries. */
    static long[] postgresStats(Statement admin) throws SQLException {
        long[] out = new long[2];
        try (ResultSet rs = admin.executeQuery("SHOW STATS")) {
            while (rs.next()) {
                if (!rs.getString("database").equals("postgres")) continue;
                out[0] += Long.parseLong(rs.getString("total_xact_count"));
                out[1] += Long.parseLong(rs.getString("total_query_count"));
            }
        }
        return out;
    }

    @Test
    void listenIsRefusedInTransactionMode() throws Exception {
        try (Connection c = connect("postgres", "&preferQueryMode=simple"); Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.execute("LISTEN news"));
            assertTrue(e.getMessage().contains("LISTEN is not supported in transaction pooling mode"), e.getMessage());
        }
    }

    @Test
    void malformedMessagesGetAnErrorAndTheProxyStaysUp() throws Exception {
        Random rnd = new Random(20261125);
        AtomicInteger errors = new AtomicInteger();
        for (int i = 0; i < 40; i++) {
            try (Socket sock = new Socket("127.0.0.1", proxy.port())) {
                sock.setSoTimeout(5000);
                OutputStream out = sock.getOutputStream();
                byte[] garbage = new byte[8 + rnd.nextInt(64)];
                rnd.nextBytes(garbage);
                // A plausible length prefix half the time, so both the length check and the body parser are hit.
                if (rnd.nextBoolean()) java.nio.ByteBuffer.wrap(garbage).putInt(garbage.length);
                out.write(garbage);
                out.flush();
                InputStream in = sock.getInputStream();
                int first = in.read();
                if (first == 'E' || first == -1 || first == 'N') errors.incrementAndGet();
            } catch (java.net.SocketTimeoutException e) {
                // a frame still waiting for bytes that never come: the client's problem, not the proxy's
                errors.incrementAndGet();
            }
        }
        assertEquals(40, errors.get());
        try (Connection c = connect("postgres", ""); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            assertTrue(rs.next());
        }
    }
}
