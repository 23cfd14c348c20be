package dev.bypass.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.Verifiers;
import dev.bypass.proxy.hooks.ProgramQueryHook;
import dev.bypass.postgres.EmbeddedPostgres;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.server.ProxyServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The connect hook (the bundled connect_guard program counts logins and refuses blocked roles and addresses, live)
 * and the result hook (result_counter adds up completed statements and rows).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConnectHookTest {
    @Test void blockedRolesAndAddressesAreRefusedAtConnect() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.start(); ProgramQueryHook hook = new ProgramQueryHook(Verifiers.standard());
             ProxyServer proxy = new ProxyServer(ProxyConfig.defaults(0, "127.0.0.1", pg.port()), hook, new SimpleMeterRegistry()).start()) {
            assertTrue(hook.program().verified(), "the hook programs pass the verifier");
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement()) {
                s.execute("CREATE ROLE intern LOGIN");
            }
            String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?connectTimeout=10&user=";
            DriverManager.getConnection(url + "intern").close();
            DriverManager.getConnection(url + "postgres").close();
            assertEquals(1, hook.connectsOf("intern"));
            hook.blockRole("intern");
            SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url + "intern").close());
            assertEquals("28000", e.getSQLState());
            assertTrue(e.getMessage().contains("connection refused for role \"intern\" from 127.0.0.1 (program connect_guard)"), e.getMessage());
            DriverManager.getConnection(url + "postgres").close(); // others still get in
            hook.unblockRole("intern");
            DriverManager.getConnection(url + "intern").close();
            assertEquals(2, hook.connectsOf("intern"), "refused logins are not counted as logins");
            hook.blockAddress((Inet4Address) InetAddress.getByName("127.0.0.1"));
            SQLException byAddress = assertThrows(SQLException.class, () -> DriverManager.getConnection(url + "postgres").close());
            assertEquals("28000", byAddress.getSQLState());
        }
    }

    @Test void theResultHookCountsStatementsAndRows() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.start(); ProgramQueryHook hook = new ProgramQueryHook(Verifiers.standard());
             ProxyServer proxy = new ProxyServer(ProxyConfig.defaults(0, "127.0.0.1", pg.port()), hook, new SimpleMeterRegistry()).start();
             Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres");
             Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE r (x int)");
            assertEquals(30, s.executeUpdate("INSERT INTO r SELECT generate_series(1, 30)"));
            for (int i = 0; i < 3; i++)
                try (var rs = s.executeQuery("SELECT x FROM r WHERE x <= 10")) {
                    while (rs.next()) rs.getInt(1);
                }
            assertEquals(12, s.executeUpdate("UPDATE r SET x = x + 100 WHERE x > 18"));
            assertArrayEquals(new long[] {3, 30}, hook.resultsOf("postgres", "select"));
            assertArrayEquals(new long[] {1, 30}, hook.resultsOf("postgres", "insert"));
            assertArrayEquals(new long[] {1, 12}, hook.resultsOf("postgres", "update"));
        }
    }
}
