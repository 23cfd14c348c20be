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
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.*;

/** min_pool_size, server_idle_timeout and server_lifetime against a real PostgreSQL's view of its backends. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PoolUpkeepTest {
    static Set<Integer> backends(EmbeddedPostgres pg) throws Exception {
        Set<Integer> pids = new HashSet<>();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")) {
            while (rs.next()) pids.add(rs.getInt(1));
        }
        return pids;
    }

    static Set<Integer> awaitCount(EmbeddedPostgres pg, int n, long millis) throws Exception {
        long end = System.currentTimeMillis() + millis;
        Set<Integer> b;
        while ((b = backends(pg)).size() != n && System.currentTimeMillis() < end) Thread.sleep(100);
        return b;
    }

    @Test void minimumIdleTimeoutAndLifetime() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.start(); ProgramQueryHook hook = new ProgramQueryHook(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY)) {
            ProxyConfig config = ProxyConfig.defaults(0, "127.0.0.1", pg.port()).withPoolSize(6)
                    .withPoolLimits(new ProxyConfig.PoolLimits(2, Duration.ofSeconds(1), Duration.ofSeconds(4)));
            try (ProxyServer proxy = new ProxyServer(config, hook, new SimpleMeterRegistry()).start()) {
                String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres";
                // min_pool_size is kept for pools with a client (or a forced user), as PgBouncer keeps it
                Connection idleClient = DriverManager.getConnection(url);
                assertEquals(2, awaitCount(pg, 2, 5000).size(), "the pool fills up to min_pool_size");
                // five clients in transactions at once: five servers
                List<Connection> held = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    Connection c = DriverManager.getConnection(url);
                    c.setAutoCommit(false);
                    try (Statement s = c.createStatement()) {
                        s.execute("SELECT 1");
                    }
                    held.add(c);
                }
                assertEquals(5, backends(pg).size());
                for (Connection c : held) {
                    c.commit();
                    c.close();
                }
                Set<Integer> two = awaitCount(pg, 2, 5000);
                assertEquals(2, two.size(), "idle servers beyond the minimum are closed after server_idle_timeout");
                Thread.sleep(5000);
                Set<Integer> later = awaitCount(pg, 2, 5000);
                assertEquals(2, later.size());
                assertTrue(later.stream().noneMatch(two::contains), "servers past server_lifetime were replaced: " + two + " -> " + later);
                try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 2")) {
                    assertTrue(rs.next());
                }
                idleClient.close();
            }
        }
    }
}
