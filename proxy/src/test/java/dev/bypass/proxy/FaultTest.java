package dev.bypass.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.verification.ProgramVerifier;
import dev.bypass.proxy.hooks.ProgramQueryHook;
import dev.bypass.postgres.EmbeddedPostgres;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.server.ProxyServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.*;

/** The proxy under faults: PostgreSQL killed and started again, and a storm of cancels. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FaultTest {
    static int one(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static int sleeping(EmbeddedPostgres pg) throws SQLException {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = 'SELECT pg_sleep(20)'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test void aRestartedServerHealsThePool() throws Exception {
        EmbeddedPostgres pg = EmbeddedPostgres.start();
        int port = pg.port();
        try (ProgramQueryHook hook = new ProgramQueryHook(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY);
             ProxyServer proxy = new ProxyServer(ProxyConfig.defaults(0, "127.0.0.1", port).withPoolSize(3), hook, new SimpleMeterRegistry()).start()) {
            String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres&connectTimeout=10&socketTimeout=30";
            for (int i = 0; i < 5; i++) assertEquals(1, one(url)); // servers in the pool
            try (Connection held = DriverManager.getConnection(url)) {
                held.setAutoCommit(false);
                held.createStatement().execute("SELECT 1");
                pg.kill();
                pg.close();
                // the client in a transaction loses its server, with an error, not a hang
                assertThrows(SQLException.class, () -> held.createStatement().execute("SELECT 2"));
            }
            // no server at all: a clear refusal
            SQLException down = assertThrows(SQLException.class, () -> one(url));
            assertTrue(down.getMessage().contains("cannot connect to server"), down.getMessage());
            pg = EmbeddedPostgres.start(port);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int ok = 0;
            while (ok < 5 && System.nanoTime() < end) {
                try {
                    ok += one(url);
                } catch (SQLException stale) {
                    Thread.sleep(100); // a connection that died with the old server may be noticed on first use
                }
            }
            assertEquals(5, ok, "the pool opened fresh servers to the new PostgreSQL");
        } finally {
            pg.close();
        }
    }

    @Test void aStormOfCancelsLeavesEveryConnectionUsable() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.start(); ProgramQueryHook hook = new ProgramQueryHook(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY);
             ProxyServer proxy = new ProxyServer(ProxyConfig.defaults(0, "127.0.0.1", pg.port()).withPoolSize(10), hook, new SimpleMeterRegistry()).start()) {
            String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres&connectTimeout=10&socketTimeout=60";
            int n = 10;
            List<Connection> conns = new ArrayList<>();
            for (int i = 0; i < n; i++) conns.add(DriverManager.getConnection(url));
            AtomicInteger cancelled = new AtomicInteger();
            CountDownLatch started = new CountDownLatch(n);
            List<Thread> threads = new ArrayList<>();
            List<Statement> stmts = new ArrayList<>();
            for (Connection c : conns) {
                Statement s = c.createStatement();
                stmts.add(s);
                threads.add(Thread.ofPlatform().start(() -> {
                    started.countDown();
                    try {
                        s.execute("SELECT pg_sleep(20)");
                    } catch (SQLException e) {
                        if ("57014".equals(e.getSQLState())) cancelled.incrementAndGet();
                    }
                }));
            }
            started.await();
            // every query runs on its server before the cancels go out (a cancel that arrives first cancels nothing)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (sleeping(pg) < n && System.nanoTime() < deadline) Thread.sleep(20);
            assertEquals(n, sleeping(pg), "queries running pg_sleep");
            for (int round = 0; round < 3; round++) for (Statement s : stmts) s.cancel(); // repeated: late cancels must be harmless
            for (Thread t : threads) t.join(TimeUnit.SECONDS.toMillis(30));
            assertEquals(n, cancelled.get(), "every sleeping query was cancelled");
            for (Connection c : conns) {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 3")) {
                    assertTrue(rs.next());
                    assertEquals(3, rs.getInt(1), "the connection is usable after the cancel");
                }
                c.close();
            }
        }
    }
}
