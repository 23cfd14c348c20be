package dev.bypass.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.Verifiers;
import dev.bypass.proxy.hooks.ProgramHooks;
import dev.bypass.proxy.hooks.ProxyAbi;
import dev.bypass.postgres.EmbeddedPostgres;
import dev.bypass.proxy.config.ProxyConfigFile;
import dev.bypass.proxy.server.ProxyServer;
import dev.bypass.proxy.hooks.QueryRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operators' own programs through the proxy: C programs written against the header {@code bypass gen header proxy}
 * prints ({@code proxy/examples}), compiled by clang here (the committed objects when clang is missing), attached
 * through the [programs] section of a configuration file, replaced by RELOAD on the admin console while clients
 * run, and operated through SHOW PROGRAMS, SHOW MAP and SET MAP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ProgramsTest {
    static final Path EXAMPLES = Path.of("examples").toAbsolutePath();

    @TempDir Path dir;
    EmbeddedPostgres pg;
    ProgramHooks hooks;
    ProxyServer proxy;
    Path config;

    @BeforeAll void start() throws Exception {
        pg = EmbeddedPostgres.start();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE limited LOGIN");
            s.execute("CREATE ROLE tenant LOGIN");
        }
    }

    @AfterEach void stopProxy() throws Exception {
        Fixtures.close(proxy, hooks);
        proxy = null;
        hooks = null;
    }

    @AfterAll void stop() throws Exception { Fixtures.close(pg); }

    /** The example compiled into the test's directory, against the header as the proxy prints it. */
    Path object(String name) throws Exception {
        Path out = dir.resolve(name + ".o");
        if (Files.exists(out)) return out;
        Files.writeString(dir.resolve(ProxyAbi.HEADER_NAME), ProxyAbi.header());
        String clang = clang();
        if (clang == null) {
            Files.copy(EXAMPLES.resolve(name + ".o"), out);
            return out;
        }
        Process p = new ProcessBuilder(clang, "-O2", "-g", "-target", "bpf", "-D__TARGET_ARCH_x86", "-I/usr/include/x86_64-linux-gnu",
                "-I" + dir, "-I" + EXAMPLES, "-c", EXAMPLES.resolve(name + ".c").toString(), "-o", out.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "clang finished");
        assertEquals(0, p.exitValue(), "clang " + name + ".c: " + output);
        return out;
    }

    static String clang() {
        for (String c : List.of("/usr/bin/clang", "/usr/bin/clang-19", "/usr/bin/clang-14"))
            if (Files.isExecutable(Path.of(c)) && Files.exists(Path.of("/usr/include/bpf/bpf_helpers.h"))) return c;
        System.err.println("clang or libbpf-dev missing: the committed example objects are used");
        return null;
    }

    /** Writes the configuration file with this [programs] section (and extra [pgbouncer] lines). */
    void configure(String programs, String... extra) throws Exception {
        config = dir.resolve("proxy.ini");
        Files.writeString(dir.resolve("users.txt"), "\"postgres\" \"\"\n\"limited\" \"\"\n\"tenant\" \"\"\n");
        Files.writeString(config, """
                [databases]
                postgres = host=127.0.0.1 port=%d

                [pgbouncer]
                listen_addr = 127.0.0.1
                listen_port = 0
                unix_socket_dir =
                auth_type = trust
                auth_file = users.txt
                admin_users = postgres
                pool_mode = transaction
                ignore_startup_parameters = extra_float_digits
                %s

                [programs]
                %s
                """.formatted(pg.port(), String.join("\n", extra), programs));
    }

    ProxyServer startProxy() throws Exception {
        hooks = new ProgramHooks(Verifiers.standard());
        proxy = new ProxyServer(ProxyConfigFile.read(config), hooks, new SimpleMeterRegistry()).start();
        return proxy;
    }

    Connection connect(String user) throws SQLException { return connect(user, ""); }

    Connection connect(String user, String params) throws SQLException {
        // assumeMinServerVersion: pgjdbc sets extra_float_digits in its StartupMessage instead of a SET of its own, so
        // that the programs see the test's statements only
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port()
                + "/postgres?connectTimeout=10&socketTimeout=60&assumeMinServerVersion=10&user=" + user + params);
    }

    Connection console() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/pgbouncer?preferQueryMode=simple&user=postgres");
    }

    /** Runs a console command; its rows as text. */
    List<List<String>> consoleRows(String command) throws SQLException {
        try (Connection c = console(); Statement s = c.createStatement()) {
            List<List<String>> rows = new ArrayList<>();
            if (!s.execute(command)) return rows;
            try (ResultSet rs = s.getResultSet()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<String> row = new ArrayList<>();
                    for (int i = 1; i <= n; i++) row.add(rs.getString(i));
                    rows.add(row);
                }
            }
            return rows;
        }
    }

    /** SHOW PROGRAMS' row for a hook: hook, object, program, section, run_cnt, run_time_ns, denies, insns. */
    List<String> programRow(String hook) throws SQLException {
        return consoleRows("SHOW PROGRAMS").stream().filter(r -> r.get(0).equals(hook)).findFirst().orElse(null);
    }

    void rewritePrograms(String programs) throws Exception {
        String text = Files.readString(config);
        Files.writeString(config, text.substring(0, text.indexOf("[programs]")) + "[programs]\n" + programs + "\n");
    }

    static long le64(String hex) { return ByteBuffer.wrap(HexFormat.of().parseHex(hex)).order(ByteOrder.LITTLE_ENDIAN).getLong(); }

    @Test void theExamplesHeaderIsTheOneTheProxyPrints() throws Exception {
        assertEquals(ProxyAbi.header(), Files.readString(EXAMPLES.resolve(ProxyAbi.HEADER_NAME)),
                "examples/bypass_proxy.h is stale: rewrite it with `bypass gen header proxy -o proxy/examples` and run examples/build.sh");
    }

    @Test void aProgramDeniesAndAllowsAsItReturns() throws Exception {
        object("policies");
        configure("query = policies.o:deny_ddl");
        startProxy();
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT 40 + 2")) {
                assertTrue(rs.next());
                assertEquals(42, rs.getInt(1));
            }
            SQLException e = assertThrows(SQLException.class, () -> s.execute("CREATE TABLE denied_here (x int)"));
            assertEquals("42501", e.getSQLState());
            assertTrue(e.getMessage().contains("program deny_ddl") && e.getMessage().contains("policies.o"), e.getMessage());
            try (ResultSet rs = s.executeQuery("SELECT 1")) { // the session goes on
                assertTrue(rs.next());
            }
            List<String> row = programRow("query");
            assertEquals(List.of("query", "deny_ddl", "bypass/query"), List.of(row.get(0), row.get(2), row.get(3)), row.toString());
            assertTrue(Long.parseLong(row.get(4)) >= 3 && Long.parseLong(row.get(5)) > 0, "run_cnt and run_time_ns: " + row);
            assertEquals("1", row.get(6), "denies: " + row);
            // the program's own map, changed live from the console: postgres may now run DDL
            consoleRows("SET MAP ddl_roles hash:postgres 1");
            s.execute("CREATE TABLE allowed_now (x int)");
            s.execute("DROP TABLE allowed_now");
            List<List<String>> refused = consoleRows("SHOW MAP refused");
            assertEquals(1, refused.size(), refused.toString());
            assertEquals(HexFormat.of().formatHex(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(dev.bypass.proxy.hooks.QueryText.fnv1a("postgres")).array()), refused.get(0).get(0), "keyed by role_hash");
        }
    }

    @Test void aProgramReadsTheStatementTextInEveryProtocol() throws Exception {
        object("policies");
        configure("query = policies.o:deny_text");
        startProxy();
        // "sleep" packed as the program's window reads it, and a 5-byte mask
        consoleRows("SET MAP banned_word 0 0x" + HexFormat.of().formatHex(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(0x736c656570L).putLong(0xffffffffffL).array()));
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            assertEquals("42501", assertThrows(SQLException.class, () -> s.execute("SELECT pg_SLEEP(0)")).getSQLState());
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_sleep(?)")) { // Parse
                ps.setInt(1, 0);
                assertEquals("42501", assertThrows(SQLException.class, ps::execute).getSQLState());
            }
            try (ResultSet rs = s.executeQuery("SELECT 'slee' || 'p'")) { // the word split: allowed
                assertTrue(rs.next());
            }
        }
        try (Connection c = connect("postgres", "&preferQueryMode=simple"); Statement s = c.createStatement()) {
            assertEquals("42501", assertThrows(SQLException.class, () -> s.execute("select 1; select pg_sleep(0)")).getSQLState());
        }
        assertEquals("3", programRow("query").get(6));
    }

    @Test void mistakesInTheProgramsSectionNameFileLineAndKey() throws Exception {
        configure("querry = policies.o");
        var e = assertThrows(ProxyConfigFile.ConfigException.class, () -> ProxyConfigFile.read(config));
        assertTrue(e.getMessage().matches(".*proxy.ini:\\d+: querry: unknown hook \\(the \\[programs\\] keys are connect, auth, query, result, route, mirror\\).*"),
                e.getMessage());
        configure("query = missing.o");
        hooks = new ProgramHooks(Verifiers.standard());
        IllegalArgumentException missing;
        try (ProxyServer refused = new ProxyServer(ProxyConfigFile.read(config), hooks, new SimpleMeterRegistry())) {
            missing = assertThrows(IllegalArgumentException.class, refused::start);
        }
        assertTrue(missing.getMessage().contains("[programs] query = " + dir.resolve("missing.o") + " (") && missing.getMessage().contains("cannot read"),
                missing.getMessage());
        object("policies");
        configure("query = policies.o");
        var several = assertThrows(IllegalArgumentException.class, () -> hooks.apply(ProxyConfigFile.read(config).programs()));
        assertTrue(several.getMessage().contains("several programs in section bypass/query (deny_ddl, deny_text): name one as OBJECT:PROGRAM"),
                several.getMessage());
        configure("route = policies.o:deny_ddl");
        var wrongHook = assertThrows(IllegalArgumentException.class, () -> hooks.apply(ProxyConfigFile.read(config).programs()));
        assertTrue(wrongHook.getMessage().contains("program deny_ddl is in section bypass/query, not bypass/proxy_route"), wrongHook.getMessage());
    }

    @Test void theBundledObjectIsOneChoice() throws Exception {
        configure("connect = @query_guard.o:connect_guard\nquery = @query_guard.o:query_guard");
        startProxy();
        String postgres = HexFormat.of().formatHex(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(dev.bypass.proxy.hooks.QueryText.fnv1a("postgres")).array());
        consoleRows("SET MAP denied 0x" + postgres + "0500000000000000 0"); // (postgres, ddl)
        consoleRows("SET MAP blocked_roles hash:limited 0");
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.execute("CREATE TABLE bundled_denied (x int)"));
            assertEquals("42501", e.getSQLState());
            assertTrue(e.getMessage().contains("program query_guard"), e.getMessage());
            s.execute("SELECT 1");
        }
        SQLException blocked = assertThrows(SQLException.class, () -> connect("limited").close());
        assertEquals("28000", blocked.getSQLState());
        assertTrue(blocked.getMessage().contains("program connect_guard"), blocked.getMessage());
        assertEquals(1, consoleRows("SHOW MAPS").stream().filter(r -> r.get(0).equals("denied")).count(), "one object, its maps shared by both hooks");
    }

    @Test void aStoreIntoTheStatementTextIsRefusedAtLoad() throws Exception {
        object("writes_text");
        configure("query = writes_text.o");
        hooks = new ProgramHooks(Verifiers.standard());
        try (ProxyServer refused = new ProxyServer(ProxyConfigFile.read(config), hooks, new SimpleMeterRegistry())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, refused::start);
            assertTrue(e.getMessage().contains("writes_text") && e.getMessage().contains("READ_ONLY_WRITE"), e.getMessage());
        }
    }

    @Test void theStatementTextIsReadOnlyAtRunTimeToo() throws Exception {
        // host memory safety never depends on the verifier: an unverified store into the text stops the program
        object("writes_text");
        configure("query = writes_text.o");
        hooks = new ProgramHooks(dev.bypass.vm.verification.ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY);
        proxy = new ProxyServer(ProxyConfigFile.read(config), hooks, new SimpleMeterRegistry()).start();
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.executeQuery("SELECT 1"));
            assertEquals("XX000", e.getSQLState(), "the store into the text stops the program, and the statement is refused: " + e.getMessage());
            assertTrue(e.getMessage().contains("writes_text"), e.getMessage());
        }
    }

    @Test void bindsOfNamedStatementsReachTheQueryHook() throws Exception {
        object("allow_all");
        configure("query = allow_all.o");
        startProxy();
        try (Connection c = connect("postgres", "&prepareThreshold=2"); PreparedStatement ps = c.prepareStatement("SELECT ?::int")) {
            for (int i = 0; i < 10; i++) {
                ps.setInt(1, i);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(i, rs.getInt(1));
                }
            }
        }
        List<List<String>> by = consoleRows("SHOW MAP by_protocol");
        assertTrue(Long.parseLong(by.get(1).get(3)) >= 1, "Parse: " + by);
        assertTrue(Long.parseLong(by.get(2).get(3)) >= 7, "Bind of the named statement, once per execution: " + by);
    }

    @Test void aProgramFailingVerificationStopsTheStartAndIsRefusedOnReload() throws Exception {
        object("unchecked_text");
        object("policies");
        configure("query = unchecked_text.o");
        hooks = new ProgramHooks(Verifiers.standard());
        var cfg = ProxyConfigFile.read(config);
        try (ProxyServer refused = new ProxyServer(cfg, hooks, new SimpleMeterRegistry())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, refused::start);
            assertRejection(e.getMessage());
        }
        hooks.close();
        configure("query = policies.o:deny_ddl");
        startProxy();
        rewritePrograms("query = unchecked_text.o");
        SQLException e = assertThrows(SQLException.class, () -> consoleRows("RELOAD"));
        assertRejection(e.getMessage());
        assertEquals("deny_ddl", programRow("query").get(2), "the running program stays");
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            assertEquals("42501", assertThrows(SQLException.class, () -> s.execute("CREATE TABLE t_refused (x int)")).getSQLState());
            s.execute("SELECT 1");
        }
    }

    /** The rejection names the key, the file, the program, the instruction and the reason. */
    static void assertRejection(String message) {
        for (String part : List.of("[programs] query", "unchecked_text.o", "program unchecked_text", "OUT_OF_BOUNDS at instruction 1",
                "unchecked_text.c:9"))
            assertTrue(message.contains(part), "names " + part + ": " + message);
    }

    @Test void reloadSwapsProgramsUnderPgbenchWithoutAFailedTransaction() throws Exception {
        Path pgbench = null;
        for (String p : List.of("/usr/bin/pgbench", "/usr/lib/postgresql/17/bin/pgbench", "/usr/lib/postgresql/15/bin/pgbench"))
            if (Files.isExecutable(Path.of(p))) pgbench = Path.of(p);
        Assumptions.assumeTrue(pgbench != null, "pgbench is not installed (Debian package postgresql-client)");
        object("allow_all");
        object("allow_all_v2");
        configure("query = allow_all.o", "default_pool_size = 8");
        startProxy();
        String port = Integer.toString(proxy.port());
        Process init = new ProcessBuilder(pgbench.toString(), "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-i", "-q", "-s", "1", "postgres")
                .redirectErrorStream(true).start();
        String initOut = new String(init.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(init.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, init.exitValue(), initOut);
        Process run = new ProcessBuilder(pgbench.toString(), "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-c", "8", "-j", "2", "-T", "8",
                "postgres").redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                out.append(new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        });
        int swaps = 0;
        long before = byProtocol();
        while (run.isAlive()) {
            rewritePrograms(swaps % 2 == 0 ? "query = allow_all_v2.o" : "query = allow_all.o");
            consoleRows("RELOAD");
            swaps++;
            assertEquals(swaps % 2 == 1 ? "allow_all_v2.o" : "allow_all.o", Path.of(programRow("query").get(1)).getFileName().toString());
            long now = byProtocol();
            assertTrue(now >= before, "the map is kept across swaps: " + before + " then " + now);
            before = now;
            Thread.sleep(250);
        }
        assertTrue(run.waitFor(60, TimeUnit.SECONDS));
        reader.join();
        String report = out.toString();
        assertEquals(0, run.exitValue(), report);
        assertTrue(swaps >= 5, "swapped " + swaps + " times while pgbench ran");
        assertTrue(report.contains("number of failed transactions: 0"), report);
        var processed = java.util.regex.Pattern.compile("number of transactions actually processed: (\\d+)").matcher(report);
        assertTrue(processed.find(), report);
        long transactions = Long.parseLong(processed.group(1));
        assertTrue(transactions > 0, report);
        // TPC-B: 7 statements a transaction, each seen by one of the two programs, all counted in the one map
        assertTrue(byProtocol() >= 7 * transactions, "the shared by_protocol map counted " + byProtocol() + " for " + transactions + " transactions");
    }

    /** Statements counted in by_protocol's simple-protocol slot. */
    long byProtocol() throws SQLException {
        for (List<String> r : consoleRows("SHOW MAP by_protocol")) if (r.get(2).equals("0")) return Long.parseLong(r.get(3));
        return 0;
    }

    @Test void theRateLimiterRefusesARoleOverItsLimit() throws Exception {
        object("rate_limiter");
        configure("query = rate_limiter.o");
        startProxy();
        // limited: 5 statements a second, burst 10
        consoleRows("SET MAP limits hash:limited 0x" + HexFormat.of().formatHex(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(5).putLong(10).array()));
        int allowed = 0, refused = 0;
        long start = System.nanoTime();
        try (Connection c = connect("limited"); Statement s = c.createStatement()) {
            for (int i = 0; i < 60; i++) {
                try {
                    s.execute("SELECT 1");
                    allowed++;
                } catch (SQLException e) {
                    assertEquals("42501", e.getSQLState(), e.getMessage());
                    assertTrue(e.getMessage().contains("program rate_limit"), e.getMessage());
                    refused++;
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(allowed >= 10 && allowed <= 10 + 5 * seconds + 1, allowed + " allowed in " + seconds + " s at 5/s with a burst of 10");
        assertEquals(60 - allowed, refused);
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) { // a role without a limit
            for (int i = 0; i < 60; i++) s.execute("SELECT 1");
        }
        List<List<String>> limited = consoleRows("SHOW MAP limited");
        assertEquals(1, limited.size(), limited.toString());
        assertEquals(Integer.toString(refused), limited.get(0).get(3));
    }

    @Test void theRateLimiterRefusesBindsOfNamedStatements() throws Exception {
        object("rate_limiter");
        configure("query = rate_limiter.o");
        startProxy();
        consoleRows("SET MAP limits hash:tenant 0x" + HexFormat.of().formatHex(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(1).putLong(5).array()));
        int allowed = 0, refused = 0;
        try (Connection c = connect("tenant", "&prepareThreshold=1"); PreparedStatement ps = c.prepareStatement("SELECT ?::int + 1")) {
            for (int i = 0; i < 20; i++) {
                ps.setInt(1, i);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(i + 1, rs.getInt(1));
                    allowed++;
                } catch (SQLException e) {
                    assertEquals("42501", e.getSQLState(), e.getMessage());
                    refused++;
                }
            }
            assertTrue(allowed >= 5 && refused >= 10, allowed + " allowed, " + refused + " refused at 1/s with a burst of 5");
            Thread.sleep(1200); // a token again: the session is still usable, with its named statement
            ps.setInt(1, 41);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(42, rs.getInt(1));
            }
        }
    }

    @Test void theTenantRouterSendsATenantToItsServer() throws Exception {
        object("tenant_router");
        // the replica entry is the same PostgreSQL: the two targets are told apart by their server connections
        configure("route = tenant_router.o", "replicas = 127.0.0.1:" + pg.port(), "default_pool_size = 1");
        startProxy();
        consoleRows("SET MAP tenant_target 7 1");
        consoleRows("SET MAP tenant_of_app hash:billing 7");
        Set<Integer> tenant7 = new HashSet<>(), others = new HashSet<>(), byApp = new HashSet<>();
        try (Connection c = connect("tenant"); Statement s = c.createStatement()) {
            for (int i = 0; i < 5; i++) {
                tenant7.add(pid(s, "/* tenant=7 */ SELECT pg_backend_pid()"));
                others.add(pid(s, "/* tenant=8 */ SELECT pg_backend_pid()"));
                others.add(pid(s, "SELECT pg_backend_pid()"));
            }
        }
        try (Connection c = connect("tenant", "&ApplicationName=billing"); Statement s = c.createStatement()) {
            for (int i = 0; i < 3; i++) byApp.add(pid(s, "SELECT pg_backend_pid()"));
        }
        assertEquals(1, tenant7.size(), "tenant 7 runs on its server: " + tenant7);
        assertEquals(1, others.size(), "the others on the database's own: " + others);
        assertNotEquals(tenant7, others);
        assertEquals(tenant7, byApp, "application_name billing is tenant 7");
        List<List<String>> by = consoleRows("SHOW MAP routed_by");
        assertEquals(List.of("10", "3", "5"), by.stream().map(r -> r.get(3)).toList(), "by comment, by application_name, unknown: " + by);
    }

    static int pid(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            assertTrue(rs.next());
            return rs.getInt(1);
        }
    }

    @Test void theSlowQueryReporterEmitsRingBufferEvents() throws Exception {
        object("slow_query");
        configure("result = slow_query.o");
        startProxy();
        consoleRows("SET MAP threshold 0 150000000"); // 150 ms
        try (Connection c = connect("postgres", "&preferQueryMode=simple"); Statement s = c.createStatement()) {
            for (int i = 0; i < 5; i++) s.execute("SELECT 1");
            s.execute("SELECT pg_sleep(0.3)");
            for (int i = 0; i < 5; i++) s.execute("SELECT 2");
        }
        List<List<String>> events = consoleRows("SHOW MAP slow_queries");
        assertEquals(1, events.size(), "one statement over the threshold: " + events);
        ByteBuffer e = ByteBuffer.wrap(HexFormat.of().parseHex(events.get(0).get(1))).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(ProgramHooks.fingerprint(QueryRequest.of("postgres", "postgres", "SELECT pg_sleep(0.7)")), e.getLong(0),
                "the fingerprint of the statement, constants folded");
        assertTrue(e.getLong(8) >= 300_000_000L && e.getLong(8) < 30_000_000_000L, "duration " + e.getLong(8));
        assertEquals(1, e.getLong(16), "rows");
        assertEquals(dev.bypass.proxy.hooks.QueryText.fnv1a("postgres"), e.getLong(24));
        assertEquals("SELECT 1", cString(e.array(), 40, 32));
        assertEquals("postgres", cString(e.array(), 72, 64));
        assertTrue(consoleRows("SHOW MAP slow_queries").isEmpty(), "SHOW MAP took the pending events");
        assertEquals("11", programRow("result").get(4), "the result program ran once per statement");
    }

    static String cString(byte[] b, int at, int max) {
        int n = 0;
        while (n < max && b[at + n] != 0) n++;
        return new String(b, at, n, StandardCharsets.UTF_8);
    }
}
