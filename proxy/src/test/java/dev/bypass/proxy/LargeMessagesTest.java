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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.postgresql.PGConnection;

/**
 * Messages larger than the stream threshold pass through in pieces and arrive whole: a multi-megabyte Query (judged
 * by the query hook over all of its text, a write hidden at its end refused), Bind parameters of a renamed named
 * statement, COPY data, and DataRows from the server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LargeMessagesTest {
    EmbeddedPostgres pg;
    ProxyServer proxy;
    ProgramQueryHook hook;
    static final int BIG = 3 << 20;

    @BeforeAll
    void start() throws Exception {
        pg = EmbeddedPostgres.start();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE analyst LOGIN");
            s.execute("CREATE ROLE app LOGIN SUPERUSER");
            s.execute("CREATE TABLE big (id int PRIMARY KEY, v text)");
            s.execute("INSERT INTO big VALUES (0, 'keep')");
            s.execute("GRANT ALL ON big TO analyst");
        }
        hook = new ProgramQueryHook(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY);
        hook.readOnly("analyst");
        proxy = new ProxyServer(ProxyConfig.defaults(0, "127.0.0.1", pg.port()).withPoolSize(4), hook, new SimpleMeterRegistry()).start();
    }

    @AfterAll
    void stop() throws Exception { Fixtures.close(proxy, hook, pg); }

    Connection connect(String user, String extra) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=" + user + extra);
    }

    static String text(int n, char c) { return String.valueOf(c).repeat(n); }

    @Test void aLargeQueryIsJudgedOverAllItsText() throws Exception {
        String padding = "select '" + text(BIG, 'p') + "'; ";
        try (Connection c = connect("analyst", "&preferQueryMode=simple"); Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.execute(padding + "delete from big"));
            assertEquals("42501", e.getSQLState(), e.getMessage());
            try (ResultSet rs = s.executeQuery("select count(*) from big")) {
                rs.next();
                assertEquals(1, rs.getInt(1), "the delete at the end of " + BIG + " bytes of text did not run");
            }
            try (ResultSet rs = s.executeQuery(padding.replace("; ", "") + " as v")) { // a large read is allowed, and answered
                rs.next();
                assertEquals(BIG, rs.getString(1).length());
            }
        }
        try (Connection c = connect("app", "&preferQueryMode=simple"); Statement s = c.createStatement()) {
            s.execute("insert into big values (1, '" + text(BIG, 'a') + "')");
            try (ResultSet rs = s.executeQuery("select length(v), md5(v) = md5(repeat('a', " + BIG + ")) from big where id = 1")) {
                rs.next();
                assertEquals(BIG, rs.getInt(1));
                assertTrue(rs.getBoolean(2));
            }
        }
    }

    @Test void largeBindParametersOfANamedStatementAndLargeRows() throws Exception {
        try (Connection c = connect("app", "&prepareThreshold=1"); PreparedStatement ins = c.prepareStatement("insert into big values (?, ?)");
             PreparedStatement get = c.prepareStatement("select v from big where id = ?")) {
            for (int id = 10; id < 13; id++) { // named (S_1 ...) in transaction pooling: renamed per server, even when streamed
                ins.setInt(1, id);
                ins.setString(2, text(BIG + id, (char) ('a' + id - 10)));
                ins.executeUpdate();
            }
            for (int id = 10; id < 13; id++) {
                get.setInt(1, id);
                try (ResultSet rs = get.executeQuery()) {
                    rs.next();
                    assertEquals(text(BIG + id, (char) ('a' + id - 10)), rs.getString(1), "a DataRow of " + (BIG + id) + " bytes arrives whole");
                }
            }
        }
    }

    @Test void largeCopyInAndOut() throws Exception {
        try (Connection c = connect("app", "")) {
            try (Statement s = c.createStatement()) {
                s.execute("create table if not exists copied (id int, v text)");
                s.execute("truncate copied");
            }
            StringBuilder rows = new StringBuilder();
            for (int i = 0; i < 40; i++) rows.append(i).append('\t').append(text(100_000, 'c')).append('\n');
            assertEquals(40, c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY copied FROM STDIN", new StringReader(rows.toString())));
            StringWriter out = new StringWriter();
            c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT * FROM copied ORDER BY id) TO STDOUT", out);
            assertEquals(rows.toString(), out.toString());
        }
    }
}
