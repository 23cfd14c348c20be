package dev.bypass.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.Verifiers;
import dev.bypass.proxy.hooks.ProgramQueryHook;
import dev.bypass.postgres.EmbeddedPostgres;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.server.ProxyServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The route hook with two servers standing for a primary and a replica (each says which it is): single SELECTs go to
 * the replica, writes and transactions to the primary, pinned roles always to the primary.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RoutingTest {
    static void setUp(EmbeddedPostgres pg, String name) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE whereami (v text)");
            s.execute("INSERT INTO whereami VALUES ('" + name + "')");
            s.execute("CREATE TABLE writes (x int)");
            s.execute("CREATE ROLE reporter LOGIN");
            s.execute("GRANT SELECT ON whereami TO reporter");
        }
    }

    static String where(Connection c) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT v FROM whereami")) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }

    @Test void readsGoToTheReplicaWritesAndTransactionsToThePrimary() throws Exception {
        try (EmbeddedPostgres primary = EmbeddedPostgres.start(); EmbeddedPostgres replica = EmbeddedPostgres.start();
             ProgramQueryHook hook = new ProgramQueryHook(Verifiers.standard())) {
            setUp(primary, "primary");
            setUp(replica, "replica");
            ProxyConfig config = ProxyConfig.defaults(0, "127.0.0.1", primary.port())
                    .withReplicas(List.of(new ProxyConfig.Replica("127.0.0.1", replica.port())));
            try (ProxyServer proxy = new ProxyServer(config, hook, new SimpleMeterRegistry()).start()) {
                String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?prepareThreshold=1&user=";
                try (Connection c = DriverManager.getConnection(url + "postgres")) {
                    assertEquals("replica", where(c), "a single SELECT reads from the replica");
                    try (PreparedStatement ps = c.prepareStatement("SELECT v FROM whereami WHERE v <> ?")) {
                        for (int i = 0; i < 5; i++) { // named server-side statement after the first run: still routed by its text
                            ps.setString(1, "x");
                            try (ResultSet rs = ps.executeQuery()) {
                                assertTrue(rs.next());
                                assertEquals("replica", rs.getString(1));
                            }
                        }
                    }
                    try (Statement s = c.createStatement()) {
                        assertEquals(1, s.executeUpdate("INSERT INTO writes VALUES (1)"));
                    }
                    c.setAutoCommit(false);
                    assertEquals("primary", where(c), "inside a transaction everything runs on the primary");
                    c.commit();
                }
                try (Connection p = DriverManager.getConnection(primary.jdbcUrl("postgres")); Statement s = p.createStatement();
                     ResultSet rs = s.executeQuery("SELECT count(*) FROM writes")) {
                    rs.next();
                    assertEquals(1, rs.getInt(1), "the write went to the primary");
                }
                hook.pinToPrimary("reporter");
                try (Connection c = DriverManager.getConnection(url + "reporter")) {
                    assertEquals("primary", where(c), "a pinned role reads its own writes");
                }
                long[] routed = hook.routed();
                assertEquals(6, routed[1], "six transactions went to the replica");
                assertTrue(routed[0] >= 3, "the rest to the primary: " + routed[0]);
            }
        }
    }
}
