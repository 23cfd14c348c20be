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
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.*;

/** Clients waiting for a pool of one server: logging in, waiting in line, giving up after the acquire timeout. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PoolWaitTest {
    static EmbeddedPostgres pg;
    static ProgramQueryHook hook;
    static ProxyServer proxy;
    static String url;

    @BeforeAll static void start() throws Exception {
        pg = EmbeddedPostgres.start();
        hook = new ProgramQueryHook(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY);
        proxy = new ProxyServer(ProxyConfig.defaults(0, "127.0.0.1", pg.port()).withPoolSize(1).withAcquireTimeout(Duration.ofMillis(1500)),
                hook, new SimpleMeterRegistry()).start();
        url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres&connectTimeout=10&socketTimeout=30";
        DriverManager.getConnection(url).close(); // the pool's server logs in once
    }

    @AfterAll static void stop() throws Exception { Fixtures.close(proxy, hook, pg); }

    @Test void aClientLogsInWhileTheOnlyServerIsInATransaction() throws Exception {
        try (Connection holder = DriverManager.getConnection(url)) {
            holder.setAutoCommit(false);
            try (Statement s = holder.createStatement()) {
                s.execute("SELECT 1");
            }
            // Logging in needs no server once the pool knows its parameters: were it to wait for one, this login would
            // give up after the 1.5 s acquire timeout with 53300, since the holder keeps the only server.
            // (pgjdbc sends SET extra_float_digits after logging in unless told the server is new enough)
            try (Connection late = DriverManager.getConnection(url + "&assumeMinServerVersion=10")) {
                assertFalse(late.getMetaData().getDatabaseProductVersion().isEmpty(), "server_version was reported");
                // its first query waits for the server, and runs once the holder commits
                CompletableFuture<Integer> waiting = selectAsync(late, 7);
                Thread.sleep(300);
                assertFalse(waiting.isDone(), "the query waits while the only server is held");
                holder.commit();
                assertEquals(7, waiting.get(10, TimeUnit.SECONDS));
            }
        }
    }

    @Test void aWaitingClientGivesUpAfterTheAcquireTimeout() throws Exception {
        try (Connection holder = DriverManager.getConnection(url); Connection waiter = DriverManager.getConnection(url)) {
            holder.setAutoCommit(false);
            try (Statement s = holder.createStatement()) {
                s.execute("SELECT 1");
            }
            long t0 = System.nanoTime();
            SQLException e = assertThrows(SQLException.class, () -> {
                try (Statement s = waiter.createStatement()) {
                    s.executeQuery("SELECT 2");
                }
            });
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("53300", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("query_wait_timeout"), e.getMessage());
            assertTrue(millis >= 1400 && millis < 5000, "gave up after the 1.5 s acquire timeout, not " + millis + " ms");
            holder.commit();
            // the server the holder gives back is not handed to the client that gave up
            try (Connection next = DriverManager.getConnection(url); Statement s = next.createStatement(); ResultSet rs = s.executeQuery("SELECT 3")) {
                assertTrue(rs.next());
                assertEquals(3, rs.getInt(1));
            }
        }
    }
    /**
     * RESUME (the console's, or SIGUSR2, which the JVM also sends itself to sample threads) while a client waits in
     * the pool's line: the client stays in line once. Queued a second time, it took the server twice over: once for
     * its query, then, for the stale wait, once more with nothing to send, keeping it from everyone until it left.
     */
    @Test void resumeWhileAClientWaitsLeavesItInLineOnce() throws Exception {
        var pool = proxy.pool("postgres", "postgres", 0);
        try (Connection holder = DriverManager.getConnection(url); Connection waiter = DriverManager.getConnection(url)) {
            holder.setAutoCommit(false);
            try (Statement s = holder.createStatement()) {
                s.execute("SELECT 1");
            }
            CompletableFuture<Integer> waiting = selectAsync(waiter, 7);
            while (pool.stats().waiting() == 0) Thread.sleep(1); // until the waiter is in line (bounded by the test's timeout)
            proxy.resumeAll();
            // the sessions act on RESUME on their event loops: once every loop ran a task queued after it, they did
            for (var loop : proxy.transport().group()) loop.submit(() -> { }).get(10, TimeUnit.SECONDS);
            assertEquals(1, pool.stats().waiting(), "RESUME left the waiting client in line once");
            holder.commit();
            assertEquals(7, waiting.get(10, TimeUnit.SECONDS));
            // the waiter gave the only server back: the holder's next query gets it (else 53300 after the acquire timeout)
            try (Statement s = holder.createStatement(); ResultSet rs = s.executeQuery("SELECT 8")) {
                assertTrue(rs.next());
                assertEquals(8, rs.getInt(1));
            }
            holder.commit();
        }
        for (var loop : proxy.transport().group()) loop.submit(() -> { }).get(10, TimeUnit.SECONDS);
        assertEquals(0, pool.stats().waiting());
    }

    /** {@code SELECT n} on another thread: its result, once the connection gets a server. */
    private static CompletableFuture<Integer> selectAsync(Connection c, int n) {
        return CompletableFuture.supplyAsync(() -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT " + n)) {
                rs.next();
                return rs.getInt(1);
            } catch (SQLException e) {
                throw new RuntimeException(e);
            }
        });
    }
}
