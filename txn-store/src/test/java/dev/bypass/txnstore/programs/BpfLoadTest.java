package dev.bypass.txnstore.programs;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.ProgramRuntime;
import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.StoreOptions;
import dev.bypass.txnstore.SyncPolicy;
import dev.bypass.txnstore.resp.RespAccess;
import dev.bypass.txnstore.resp.RespConfig;
import dev.bypass.txnstore.resp.RespServer;
import dev.bypass.verifier.StandardVerifier;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * {@code BPF.LOAD} with objects clang builds from C at test time: verified, registered and kept in the store across
 * restarts (from the log and from a checkpoint), replaced, unloaded, refused with the verifier's reason, and
 * allowed only to users whose ACL rules grant it; through Jedis and redis-cli.
 */
class BpfLoadTest {
    @TempDir static Path build;
    static byte[] counter, counterTimesTen, forgedPointer;

    @TempDir Path dir;
    Store store;
    ProgramRuntime runtime;
    RespServer server;

    /** Compiles a test C source as the project's objects are built ({@code bin/build-bpf}), with clang from PATH. */
    static byte[] clang(String source, String... defines) throws Exception {
        for (String name : List.of(source, "store_helpers.h")) {
            String resource = name.endsWith(".h") ? "/dev/bypass/txnstore/bpf/" + name : "/dev/bypass/txnstore/programs/" + name;
            try (InputStream in = BpfLoadTest.class.getResourceAsStream(resource)) {
                assertNotNull(in, resource);
                Files.write(build.resolve(name), in.readAllBytes());
            }
        }
        Path out = build.resolve(source.replace(".c", String.join("", defines) + ".o").replace('=', '_'));
        List<String> cmd = new ArrayList<>(List.of("clang", "-O2", "-g", "-target", "bpf", "-D__TARGET_ARCH_x86", "-I/usr/include/x86_64-linux-gnu"));
        for (String d : defines) cmd.add("-D" + d);
        cmd.addAll(List.of("-c", source, "-o", out.toString()));
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(build.toFile()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            throw new AssertionError("clang is needed to build the test programs (Debian packages clang and libbpf-dev): " + e.getMessage(), e);
        }
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "clang " + source + ": " + log);
        return Files.readAllBytes(out);
    }

    @BeforeAll
    static void compile() throws Exception {
        counter = clang("counter.c", "FACTOR=1");
        counterTimesTen = clang("counter.c", "FACTOR=10");
        forgedPointer = clang("forged_pointer.c");
    }

    static final String ADMIN_PW = "admin-pw", APP_PW = "app-pw";

    @BeforeEach
    void start() throws Exception {
        store = Store.open(StoreOptions.durable(dir).withSync(SyncPolicy.ALWAYS));
        runtime = ProgramRuntime.builder().verifier(new StandardVerifier()).helpers(StoredProcedures.helpers()).build();
        StoredProcedures procedures = new StoredProcedures(store, runtime);
        assertEquals(List.of(), procedures.restoreWarnings());
        server = RespServer.start(store, procedures, 0, 1, RespConfig.defaults(),
                RespAccess.defaults().withRequirepass(ADMIN_PW).withUsers(List.of("user app on >" + APP_PW + " ~* +@all -@dangerous +bpf.run")));
    }

    @AfterEach
    void stop() {
        server.close();
        runtime.close();
        store.close();
    }

    void restart() throws Exception {
        stop();
        start();
    }

    Jedis admin() { return jedis(null, ADMIN_PW); }

    Jedis jedis(String user, String password) {
        var c = DefaultJedisClientConfig.builder().socketTimeoutMillis(60_000).protocol(RedisProtocol.RESP2).password(password);
        if (user != null) c.user(user);
        return new Jedis(HostAndPort.from("127.0.0.1:" + server.port()), c.build());
    }

    static Object call(Jedis j, String command, Object... args) {
        byte[][] raw = new byte[args.length][];
        for (int i = 0; i < args.length; i++) raw[i] = args[i] instanceof byte[] b ? b : String.valueOf(args[i]).getBytes(StandardCharsets.UTF_8);
        Object r = j.sendCommand(() -> command.getBytes(StandardCharsets.UTF_8), raw);
        return r instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : r;
    }

    /** BPF.LIST as program name to its fields. */
    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> list(Jedis j) {
        Map<String, Map<String, Object>> out = new java.util.TreeMap<>();
        for (Object entry : (List<Object>) call(j, "BPF.LIST")) {
            List<Object> pairs = (List<Object>) entry; // RESP2: a map is a flat array of names and values
            Map<String, Object> fields = new java.util.TreeMap<>();
            for (int i = 0; i < pairs.size(); i += 2)
                fields.put(new String((byte[]) pairs.get(i), StandardCharsets.UTF_8), pairs.get(i + 1) instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : pairs.get(i + 1));
            out.put((String) fields.get("name"), fields);
        }
        return out;
    }

    static String error(Runnable r) { return assertThrows(JedisDataException.class, r::run).getMessage(); }

    @Test
    void aLoadedProcedureRunsAndSurvivesRestarts() throws Exception {
        try (Jedis j = admin()) {
            assertEquals("counters", call(j, "BPF.LOAD", "counters", counter));
            assertEquals(5L, call(j, "BPF.RUN", "bump", 1, 5));
            assertEquals(7L, call(j, "BPF.RUN", "counters", 1, 2), "a library of one program runs by the library's name too");
            Map<String, Object> bump = list(j).get("bump");
            assertEquals("counters", bump.get("library"));
            assertEquals("store", bump.get("origin"));
            assertEquals(2L, bump.get("run_count"));
            assertTrue((Long) bump.get("run_time_ns") > 0);
            assertTrue((Long) bump.get("instructions") > 5);
            assertEquals("OK", j.save()); // the library is in the checkpoint from here
        }
        restart();
        try (Jedis j = admin()) {
            assertEquals(List.of("bump"), List.copyOf(list(j).keySet()));
            assertEquals(0L, list(j).get("bump").get("run_count"), "counts start again with the server");
            assertEquals(8L, call(j, "BPF.RUN", "bump", 1, 1), "the procedure and its data are back");
            // Replaced after the checkpoint: the replacement is in the log only.
            assertEquals("ERR library counters already exists (BPF.LOAD counters REPLACE <object> replaces it)",
                    error(() -> call(j, "BPF.LOAD", "counters", counterTimesTen)));
            assertEquals("counters", call(j, "BPF.LOAD", "counters", "REPLACE", counterTimesTen));
            assertEquals(18L, call(j, "BPF.RUN", "bump", 1, 1));
        }
        restart();
        try (Jedis j = admin()) {
            assertEquals(28L, call(j, "BPF.RUN", "bump", 1, 1), "the replacement came back from the log");
            assertEquals("OK", call(j, "BPF.UNLOAD", "counters"));
            assertEquals("ERR no program named bump is loaded (loaded: )", error(() -> call(j, "BPF.RUN", "bump", 1, 1)));
            assertEquals("ERR no library named counters (loaded: )", error(() -> call(j, "BPF.UNLOAD", "counters")));
        }
        restart();
        try (Jedis j = admin()) {
            assertEquals(Map.of(), list(j), "unloading is kept too");
        }
    }

    @Test
    void aRejectedProgramIsNamedWithItsInstructionAndReasonAndNothingIsKept() throws Exception {
        try (Jedis j = admin()) {
            String why = error(() -> call(j, "BPF.LOAD", "peeker", forgedPointer));
            assertTrue(why.startsWith("ERR library peeker: program peek (bypass/txn) rejected: "), why);
            assertTrue(why.matches("(?s).*instruction \\d+.*"), why);
            assertTrue(why.contains("R2"), "names the register holding the forged address: " + why);
            System.out.println("BPF.LOAD of a forged pointer: " + why);
            assertEquals(Map.of(), list(j));
            String junk = error(() -> call(j, "BPF.LOAD", "junk", "not an ELF object"));
            assertTrue(junk.startsWith("ERR library junk: "), junk);
            assertEquals("ERR library names are 1 to 128 printable characters without spaces: 'two words'",
                    error(() -> call(j, "BPF.LOAD", "two words", counter)));
            assertEquals("ERR syntax error: BPF.LOAD <library> [REPLACE] <object bytes>", error(() -> call(j, "BPF.LOAD", "x", "FORCE", counter)));
            call(j, "BPF.LOAD", "first", counter);
            assertEquals("ERR library second: program bump already exists in library first", error(() -> call(j, "BPF.LOAD", "second", counter)));
        }
        restart();
        try (Jedis j = admin()) {
            assertEquals(List.of("bump"), List.copyOf(list(j).keySet()), "only the accepted library was kept");
            assertEquals("first", list(j).get("bump").get("library"));
        }
    }

    @Test
    void onlyAllowedUsersLoadPrograms() throws Exception {
        try (Jedis app = jedis("app", APP_PW); Jedis admin = admin()) {
            assertEquals("NOPERM User app has no permissions to run the 'bpf.load' command", error(() -> call(app, "BPF.LOAD", "counters", counter)));
            assertEquals(Map.of(), list(admin));
            call(admin, "BPF.LOAD", "counters", counter);
            assertEquals(3L, call(app, "BPF.RUN", "bump", 9, 3), "app may run what the admin loaded");
            assertEquals("NOPERM User app has no permissions to run the 'bpf.unload' command", error(() -> call(app, "BPF.UNLOAD", "counters")));
        }
    }

    /** Clients running a procedure while it is replaced again and again see no error: runs finish on the old program. */
    @Test
    void replacingWhileClientsRunIt() throws Exception {
        try (Jedis j = admin()) {
            call(j, "BPF.LOAD", "counters", counter);
        }
        int clients = 3;
        var pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<java.util.concurrent.Future<Long>> runs = new ArrayList<>();
        try {
            for (int t = 0; t < clients; t++) {
                int key = 100 + t;
                runs.add(pool.submit(() -> {
                    long n = 0, last = 0;
                    try (Jedis app = jedis("app", APP_PW)) {
                        while (!stop.get() || n < 20) {
                            long v = (Long) call(app, "BPF.RUN", "bump", key, 1);
                            assertTrue(v > last, "the counter grows under either program: " + v + " after " + last);
                            last = v;
                            n++;
                        }
                    }
                    return n;
                }));
            }
            try (Jedis j = admin()) {
                for (int i = 0; i < 6; i++) call(j, "BPF.LOAD", "counters", "REPLACE", i % 2 == 0 ? counterTimesTen : counter);
            }
        } finally {
            stop.set(true);
            pool.shutdown();
        }
        for (var f : runs) assertTrue(f.get(120, TimeUnit.SECONDS) >= 20);
        try (Jedis j = admin()) {
            assertEquals(1, list(j).size());
        }
    }

    /**
     * The table decides: a second server over the same store (as a replica's, whose log brings the first one's
     * changes) runs what the first loaded, the replacement once it is replaced, nothing once it is unloaded.
     */
    @Test
    void anotherServerOverTheSameDataFollowsTheTable() throws Exception {
        try (ProgramRuntime otherRuntime = ProgramRuntime.builder().verifier(new StandardVerifier()).helpers(StoredProcedures.helpers()).build();
             RespServer other = RespServer.start(store, new StoredProcedures(store, otherRuntime), 0);
             Jedis j = admin();
             Jedis o = new Jedis(HostAndPort.from("127.0.0.1:" + other.port()), DefaultJedisClientConfig.builder().socketTimeoutMillis(60_000).build())) {
            assertEquals(Map.of(), list(o));
            call(j, "BPF.LOAD", "counters", counter);
            assertEquals(List.of("bump"), List.copyOf(list(o).keySet()));
            assertEquals(1L, call(o, "BPF.RUN", "bump", 5, 1));
            call(j, "BPF.LOAD", "counters", "REPLACE", counterTimesTen);
            assertEquals(11L, call(o, "BPF.RUN", "bump", 5, 1), "the replacement, not the version loaded before");
            call(j, "BPF.UNLOAD", "counters");
            assertEquals("ERR no program named bump is loaded (loaded: )", error(() -> call(o, "BPF.RUN", "bump", 5, 1)));
            call(j, "BPF.LOAD", "again", counter);
            call(j, "BPF.UNLOAD", "again");
            assertEquals(Map.of(), list(o));
        }
    }

    /** A library in the store that no longer loads is reported, and the server starts without it. */
    @Test
    void aKeptLibraryThatNoLongerLoadsIsReported() throws Exception {
        stop();
        store = Store.open(StoreOptions.durable(dir));
        store.run(dev.bypass.txnstore.Isolation.SERIALIZABLE, tx -> tx.put(store.systemTable("bpf.libraries"), "broken".getBytes(StandardCharsets.UTF_8),
                "garbage".getBytes(StandardCharsets.UTF_8)));
        runtime = ProgramRuntime.builder().verifier(new StandardVerifier()).helpers(StoredProcedures.helpers()).build();
        StoredProcedures procedures = new StoredProcedures(store, runtime);
        assertEquals(1, procedures.restoreWarnings().size());
        assertTrue(procedures.restoreWarnings().getFirst().startsWith("library broken kept in the store was not loaded: "), procedures.restoreWarnings().toString());
        assertEquals(List.of(), procedures.names());
        server = RespServer.start(store, procedures, 0);
    }

    /** redis-cli sends the object from its standard input ({@code -x}), as an operator would. */
    @Test
    void redisCliLoadsAnObjectFile() throws Exception {
        Path object = build.resolve("counter_for_cli.o");
        Files.write(object, counter);
        Process p = new ProcessBuilder("redis-cli", "--no-auth-warning", "-a", ADMIN_PW, "-p", String.valueOf(server.port()), "-x", "BPF.LOAD", "counters")
                .redirectInput(object.toFile()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals("counters", new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
        try (Jedis j = admin()) {
            assertEquals(4L, call(j, "BPF.RUN", "bump", 2, 4));
        }
    }
}
