package dev.bypass.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.postgres.EmbeddedPostgres;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.hooks.ProgramQueryHook;
import dev.bypass.proxy.server.ProxyServer;
import dev.bypass.vm.verification.ProgramVerifier;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.*;

/**
 * Transaction pooling with two servers: each client keeps the parameters it set (TimeZone, application_name) on
 * whichever server runs its next transaction, including after it changes one again and on servers another client
 * changed, and a client that set nothing keeps its start-up values.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TrackedParametersTest {
    static EmbeddedPostgres pg;
    static ProgramQueryHook hook;
    static ProxyServer proxy;
    static String url;

    @BeforeAll static void start() throws Exception {
        pg = EmbeddedPostgres.start();
        hook = new ProgramQueryHook(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY);
        proxy = new ProxyServer(ProxyConfig.defaults(0, "127.0.0.1", pg.port()).withPoolSize(2), hook, new SimpleMeterRegistry()).start();
        url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres&connectTimeout=10&socketTimeout=30";
    }

    @AfterAll static void stop() throws Exception { Fixtures.close(proxy, hook, pg); }

    @Test void eachClientKeepsItsSettingsOnWhicheverServerItGets() throws Exception {
        try (Connection a = DriverManager.getConnection(url); Connection b = DriverManager.getConnection(url);
             Connection plain = DriverManager.getConnection(url)) {
            String plainZone = show(plain, "TimeZone");
            exec(a, "SET TimeZone = 'Asia/Tokyo'");
            exec(b, "SET TimeZone = 'Asia/Tokyo'");
            // the same name for both, so that servers left by either need no SET for the other until b changes its zone
            exec(a, "SET application_name = 'pooled'");
            exec(b, "SET application_name = 'pooled'");
            Set<Integer> serversOfA = new HashSet<>(), serversOfB = new HashSet<>(), serversOfBChanged = new HashSet<>();
            String zoneOfB = "Asia/Tokyo";
            for (int round = 0; round < 40; round++) {
                if (round == 20) {
                    // b changes after many transactions on servers that needed no SET for it; a keeps Tokyo on them
                    exec(b, "SET TimeZone = 'America/Lima'");
                    zoneOfB = "America/Lima";
                }
                Connection holder = round % 2 == 0 ? a : b, other = holder == a ? b : a;
                // the holder keeps one server in a transaction, so the other client runs on the second one
                holder.setAutoCommit(false);
                int held = pid(holder);
                int used = pid(other);
                assertNotEquals(held, used, "two clients in one transaction each");
                assertEquals(other == a ? "Asia/Tokyo" : zoneOfB, show(other, "TimeZone"), "round " + round);
                holder.commit();
                holder.setAutoCommit(true);
                (holder == a ? serversOfA : serversOfB).add(held);
                (other == a ? serversOfA : serversOfB).add(used);
                if (round >= 20) serversOfBChanged.add(holder == b ? held : used);
                assertEquals(holder == a ? "Asia/Tokyo" : zoneOfB, show(holder, "TimeZone"), "round " + round);
                assertEquals("pooled", show(a, "application_name"), "round " + round);
                assertEquals("pooled", show(b, "application_name"), "round " + round);
            }
            assertEquals(2, serversOfA.size(), "client a ran on both servers");
            assertEquals(2, serversOfB.size(), "client b ran on both servers");
            assertEquals(2, serversOfBChanged.size(), "client b ran on both servers after its change");
            // and on servers the others changed, one that set nothing keeps what it started with
            assertEquals(plainZone, show(plain, "TimeZone"));
            assertNotEquals("pooled", show(plain, "application_name"));
        }
    }

    static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static String show(Connection c, String name) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW " + name)) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }

    static int pid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }
}
