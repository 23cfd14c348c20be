package dev.bypass.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.Verifiers;
import dev.bypass.proxy.hooks.ProgramQueryHook;
import dev.bypass.postgres.EmbeddedPostgres;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.server.ProxyServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.postgresql.PGConnection;

/**
 * Attempts to get a write, DDL or an unknowable statement past the bundled query_guard program, through the real
 * proxy and PostgreSQL: each is refused for the read-only role {@code analyst} (by the program, with nothing changed in
 * the database, although PostgreSQL itself would let analyst do them) and runs for {@code app}, which nothing is
 * denied to.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class QueryGuardTest {
    EmbeddedPostgres pg;
    ProxyServer proxy;
    ProgramQueryHook hook;

    static final String RESET = """
            DELETE FROM t; INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 10) g; DELETE FROM tt;
            DO $$ DECLARE r record; BEGIN FOR r IN SELECT relname FROM pg_class WHERE relname LIKE 'scratch%' AND relkind = 'r'
              LOOP EXECUTE 'DROP TABLE ' || quote_ident(r.relname); END LOOP; END $$;
            SELECT lo_unlink(oid) FROM pg_largeobject_metadata; COMMENT ON TABLE t IS NULL; REVOKE ALL ON t FROM public""";

    /** Everything an attempt could change, as one string. */
    static final String STATE = """
            SELECT (SELECT count(*) || ':' || string_agg(id || '=' || v, ',' ORDER BY id) FROM t)
              || '|' || (SELECT count(*) FROM tt) || '|' || (SELECT count(*) FROM pg_class WHERE relname LIKE 'scratch%')
              || '|' || (SELECT last_value || ':' || is_called FROM s) || '|' || (SELECT count(*) FROM pg_largeobject_metadata)
              || '|' || coalesce(obj_description('t'::regclass, 'pg_class'), '-') || '|' || has_table_privilege('public', 't', 'SELECT')""";

    @BeforeAll
    void start() throws Exception {
        pg = EmbeddedPostgres.start();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE app LOGIN SUPERUSER");
            s.execute("CREATE ROLE analyst LOGIN");
            s.execute("CREATE TABLE t (id int PRIMARY KEY, v text)");
            s.execute("CREATE TABLE tt (a int)");
            s.execute("CREATE SEQUENCE s");
            s.execute("CREATE PROCEDURE p() LANGUAGE sql AS 'DELETE FROM t WHERE id = 1'");
            // PostgreSQL would let analyst do all of this: only the program stands in the way
            s.execute("GRANT ALL ON t, tt TO analyst");
            s.execute("GRANT ALL ON SEQUENCE s TO analyst");
            s.execute("GRANT CREATE ON SCHEMA public TO analyst");
            s.execute(RESET);
        }
        hook = new ProgramQueryHook(Verifiers.standard());
        hook.readOnly("analyst");
        proxy = new ProxyServer(ProxyConfig.defaults(0, "127.0.0.1", pg.port()).withPoolSize(4), hook, new SimpleMeterRegistry()).start();
        direct = DriverManager.getConnection(pg.jdbcUrl("postgres"));
    }

    @AfterAll
    void stop() throws Exception {
        Fixtures.close(direct, proxy, hook, pg);
    }

    Connection connect(String role, String mode) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=" + role
                + "&preferQueryMode=" + mode + "&prepareThreshold=1&socketTimeout=30");
    }

    /** Straight to PostgreSQL, for resetting and reading the state between attempts (one connection for all). */
    Connection direct;

    String state() throws SQLException {
        try (Statement s = direct.createStatement(); ResultSet rs = s.executeQuery(STATE)) {
            rs.next();
            return rs.getString(1);
        }
    }

    void reset() throws SQLException {
        try (Statement s = direct.createStatement()) {
            s.execute(RESET);
        }
    }

    @FunctionalInterface
    interface Action { void run(Connection c) throws Exception; }

    /** An attempt: what it runs, in which protocol mode, and what app needs first (a statement to EXECUTE). */
    record Attempt(String name, String mode, Action action, List<String> appSetup) {}

    static Attempt sql(String text) { return new Attempt(text, "simple", c -> run(c, text), List.of()); }

    static Attempt extended(String text) { return new Attempt("extended: " + text, "extended", c -> run(c, text), List.of()); }

    static Attempt afterAppPrepared(String setup, String text) { return new Attempt(text, "simple", c -> run(c, text), List.of(setup)); }

    static Attempt action(String name, String mode, Action a) { return new Attempt(name, mode, a, List.of()); }

    static void run(Connection c, String text) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(text);
        }
    }

    List<Attempt> attempts() {
        List<Attempt> list = new ArrayList<>(List.of(
                // comments, case and statement separators
                sql("/* c */ delete from t where id = 1"),
                sql("-- a comment\ndelete from t where id = 1"),
                sql("-- a comment ending in a carriage return\rdelete from t where id = 1"),
                sql("/* outer /* nested */ still a comment */ delete from t where id = 1"),
                sql("DeLeTe FROM t WHERE id = 1"),
                sql("select 1; delete from t where id = 1"),
                sql("select 1;;;   delete from t where id = 1"),
                sql("begin; insert into t values (100, 'x'); commit"),
                sql("begin read write; update t set v = 'w' where id = 2; commit"),
                sql("(select 1); delete from t where id = 1"),
                sql("table t; delete from t where id = 1"),
                sql("values (1); insert into t values (300, 'x')"),
                sql("select 1 as x$a$; delete from t where id = 1"),
                sql("SELECT 1 AS \"a\" ; DELETE FROM \"t\" WHERE id = 1"),
                // quoting that hides or seems to hide the separator
                sql("select $$ ; $$; delete from t where id = 1"),
                sql("select $a1$ $$ ; $a1$; delete from t where id = 1"),
                sql("select E'\\\\'; delete from t where id = 1"),
                sql("select 'it''s; fine'; delete from t where id = 1"),
                sql("select 'a'\n'b'; delete from t where id = 1"),
                sql("select U&'\\0041'; delete from t where id = 1"),
                sql("select \"a;b\" from (select 1 as \"a;b\") s; delete from t where id = 1"),
                // data-modifying statements inside others
                sql("with a as (delete from t where id = 1 returning *) select * from a"),
                sql("with x as (update t set v = 'y' where id = 2 returning 1) select * from x"),
                sql("with x as (select 1) insert into t values (400, 'x')"),
                action("copy (delete from t where id = 1 returning *) to stdout", "simple", c -> c.unwrap(PGConnection.class).getCopyAPI()
                        .copyOut("copy (delete from t where id = 1 returning *) to stdout", new java.io.StringWriter())),
                sql("explain analyze delete from t where id = 1"),
                sql("explain (analyze, costs off) update t set v = 'x' where id = 1"),
                sql("explain analyse verbose insert into t values (500, 'x')"),
                sql("merge into t using (select 1 as id) s on t.id = s.id when matched then update set v = 'm'"),
                sql("insert into t values (200, 'x') on conflict (id) do nothing"),
                sql("update t set v = 'x' where id = 1"),
                sql("truncate tt"),
                // prepared statements
                sql("prepare pw1 as delete from t where id = 1"),
                sql("prepare pw2 (int) as update t set v = 'x' where id = $1; execute pw2(1)"),
                afterAppPrepared("prepare pw3 as delete from t where id = 1", "execute pw3"),
                afterAppPrepared("prepare pw4 as delete from t where id = 1", "explain analyze execute pw4"),
                afterAppPrepared("prepare pw5 as select 1", "create table scratch_pw5 as execute pw5"),
                // tables from queries
                sql("select * into scratch_into from t"),
                sql("create table scratch_ctas as select * from t"),
                sql("create table scratch_ddl (a int)"),
                sql("comment on table t is 'x'"),
                sql("grant select on t to public"),
                // statements whose effect the guard cannot know
                sql("do $$ begin delete from t where id = 1; end $$"),
                sql("call p()"),
                sql("select nextval('s')"),
                sql("select pg_catalog.setval('s', 100)"),
                sql("select \"nextval\"('s')"),
                sql("select U&\"nextv\\0061l\"('s')"),
                sql("select set_config('default_transaction_read_only', 'off', false)"),
                sql("select pg_advisory_xact_lock(1)"),
                sql("select lo_create(0)"),
                sql("select pg_notify('c', 'x')"),
                sql("select query_to_xml('select 1', true, false, '')"),
                sql("begin; set local role app; commit"),
                sql("begin; set local session authorization analyst; commit"),
                sql("copy t to program 'cat > /dev/null'"),
                sql("copy t to '/dev/null'"),
                // locks need write rights
                sql("select * from t for update"),
                sql("select * from t for share"),
                sql("begin; lock table t in exclusive mode; commit"),
                // the extended protocol: pgjdbc's Parse/Bind/Execute, split statements, named statements
                extended("delete from t where id = 1"),
                extended("select 1; delete from t where id = 1"),
                extended("with a as (delete from t where id = 1 returning *) select * from a"),
                action("extended: named prepared update", "extended", c -> {
                    try (PreparedStatement ps = c.prepareStatement("update t set v = ? where id = ?")) {
                        ps.setString(1, "n");
                        ps.setInt(2, 1);
                        ps.executeUpdate();
                    }
                }),
                action("COPY FROM STDIN (CopyManager)", "simple",
                        c -> c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY t FROM STDIN", new StringReader("600\tcopied\n"))),
                action("FunctionCall message (large object API)", "extended", c -> {
                    c.setAutoCommit(false);
                    c.unwrap(PGConnection.class).getLargeObjectAPI().createLO();
                    c.commit();
                })));
        return list;
    }

    @TestFactory
    Stream<DynamicTest> everyAttemptIsRefusedForAnalystAndRunsForApp() {
        List<Attempt> attempts = attempts();
        assertTrue(attempts.size() >= 40, attempts.size() + " attempts");
        return attempts.stream().map(a -> DynamicTest.dynamicTest(a.name(), () -> {
            reset();
            String before = state();
            try (Connection c = connect("analyst", a.mode())) {
                SQLException e = assertThrows(SQLException.class, () -> a.action().run(c), "analyst: " + a.name());
                assertEquals("42501", e.getSQLState(), "analyst: " + a.name() + ": " + e.getMessage());
                assertTrue(e.getMessage().contains("program query_guard"), "refused by the program: " + e.getMessage());
            }
            assertEquals(before, state(), "analyst changed nothing: " + a.name());
            try (Connection c = connect("app", a.mode())) {
                for (String setup : a.appSetup()) run(c, setup);
                a.action().run(c);
            }
        }));
    }

    /** The raw protocol: a Parse of a write, then Bind, Execute and Sync in one batch; the session goes on after. */
    @TestFactory
    Stream<DynamicTest> parseOfAWriteThenBindAndExecute() {
        return Stream.of("analyst", "app").map(role -> DynamicTest.dynamicTest(role, () -> {
            reset();
            String before = state();
            try (RawClient client = new RawClient(proxy.port())) {
                client.login(role, "postgres");
                client.send(RawClient.parse("", "insert into t values (700, 'raw')"), RawClient.bind(""), RawClient.execute(), RawClient.sync());
                List<RawClient.Message> replies = client.untilReady();
                if (role.equals("analyst")) {
                    assertEquals('E', replies.getFirst().type(), replies.toString());
                    assertEquals("42501", replies.getFirst().sqlState(), replies.toString());
                    assertEquals(2, replies.size(), "one error for the batch, then ReadyForQuery: " + replies);
                    assertEquals(before, state());
                } else {
                    assertEquals(List.of('1', '2', 'C', 'Z'), replies.stream().map(RawClient.Message::type).toList());
                }
                client.send(RawClient.query("select 1"));
                assertEquals('T', client.untilReady().getFirst().type(), "the session goes on");
            }
        }));
    }
}
