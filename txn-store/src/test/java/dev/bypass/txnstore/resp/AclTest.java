package dev.bypass.txnstore.resp;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.StoreOptions;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Users, passwords and permissions (Redis 6-style ACL) through redis-cli, Jedis (AUTH and HELLO 3 AUTH) and raw
 * sockets, against a server whose default user has a password and that has a restricted application user.
 */
class AclTest extends ServerFixture {
    static final String ADMIN_PW = "admin-secret", APP_PW = "app-secret", READER_PW = "reader-secret";

    @Override RespAccess access() {
        return RespAccess.defaults().withRequirepass(ADMIN_PW).withUsers(List.of("user app on >" + APP_PW + " ~* &* +@all -@dangerous",
                "user reader on >" + READER_PW + " ~public:* -@all +@read +@connection"));
    }

    /** Sums its arguments: lets a test see whether BPF.RUN got through. */
    @Override Procedures procedures() {
        return new Procedures() {
            @Override public long run(String name, long[] args) {
                long s = 0;
                for (long a : args) s += a;
                return s;
            }

            @Override public List<String> names() { return List.of("sum"); }
        };
    }

    /** redis-cli's output (error replies included, as it prints them when not on a terminal). */
    String cli(List<String> auth, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "--no-auth-warning", "-p", String.valueOf(server.port())));
        cmd.addAll(auth);
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return out;
    }

    static final List<String> ANONYMOUS = List.of(), ADMIN = List.of("-a", ADMIN_PW), APP = List.of("--user", "app", "--pass", APP_PW);

    Jedis jedis(String user, String password, RedisProtocol protocol) {
        var config = DefaultJedisClientConfig.builder().socketTimeoutMillis(30_000).protocol(protocol);
        if (user != null) config.user(user);
        if (password != null) config.password(password);
        return new Jedis(HostAndPort.from("127.0.0.1:" + server.port()), config.build());
    }

    static String error(Runnable r) {
        JedisDataException e = assertThrows(JedisDataException.class, r::run);
        return e.getMessage();
    }

    @Test
    void withoutAuthRedisCliGetsNoauthAndNothingChanges() throws Exception {
        assertEquals("NOAUTH Authentication required.", cli(ANONYMOUS, "SET", "k", "v"));
        assertEquals("NOAUTH Authentication required.", cli(ANONYMOUS, "BPF.RUN", "sum", "1"));
        assertEquals("", cli(ADMIN, "GET", "k"), "the refused SET wrote nothing");
        assertEquals("WRONGPASS invalid username-password pair or user is disabled.", cli(ANONYMOUS, "AUTH", "nope"));
        assertEquals("WRONGPASS invalid username-password pair or user is disabled.", cli(ANONYMOUS, "AUTH", "app", ADMIN_PW));
        assertEquals("WRONGPASS invalid username-password pair or user is disabled.", cli(ANONYMOUS, "AUTH", "nobody", "x"));
        assertEquals("PONG", cli(ADMIN, "PING"));
        assertEquals("PONG", cli(APP, "PING"));
        assertEquals("app", cli(APP, "ACL", "WHOAMI"));
        assertEquals("default", cli(ADMIN, "ACL", "WHOAMI"));
        String info = cli(ADMIN, "INFO", "stats");
        assertTrue(info.contains("acl_access_denied_auth:3"), info);
    }

    @Test
    void helloAuthenticatesOrExplainsWhyNot() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            assertEquals("-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option"
                    + " can be used to authenticate the client and select the RESP protocol version at the same time", exchange(s, "HELLO", "3"));
            assertEquals("-WRONGPASS invalid username-password pair or user is disabled.", exchange(s, "HELLO", "3", "AUTH", "app", "wrong"));
            assertEquals("-NOAUTH Authentication required.", exchange(s, "GET", "k"));
            assertTrue(exchange(s, "HELLO", "3", "AUTH", "app", APP_PW).startsWith("%7"), "a RESP3 map");
        }
        for (RedisProtocol protocol : RedisProtocol.values())
            try (Jedis j = jedis("app", APP_PW, protocol)) {
                assertEquals("app", j.aclWhoAmI(), protocol.name());
                assertEquals("OK", j.set("k", protocol.name()));
            }
        try (Jedis j = jedis(null, ADMIN_PW, RedisProtocol.RESP3)) {
            assertEquals("default", j.aclWhoAmI());
        }
        JedisDataException e = assertThrows(JedisDataException.class, () -> {
            try (Jedis j = jedis("app", "wrong", RedisProtocol.RESP3)) {
                j.ping();
            }
        });
        assertTrue(e.getMessage().contains("WRONGPASS"), e.getMessage());
    }

    /** Lettuce authenticates in its RESP3 handshake (HELLO 3 AUTH user pass); refused credentials fail the connect. */
    @Test
    void lettuceAuthenticatesInItsHandshake() {
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(
                io.lettuce.core.RedisURI.builder().withHost("127.0.0.1").withPort(server.port()).withAuthentication("app", APP_PW).build());
        try (var conn = client.connect()) {
            var r = conn.sync();
            assertEquals("app", r.aclWhoami());
            assertEquals("OK", r.set("lettuce", "1"));
            var e = assertThrows(io.lettuce.core.RedisCommandExecutionException.class, r::flushdb);
            assertEquals("NOPERM User app has no permissions to run the 'flushdb' command", e.getMessage());
            assertTrue(r.clientInfo().contains("user=app"), r.clientInfo());
        } finally {
            client.shutdown();
        }
        io.lettuce.core.RedisClient wrong = io.lettuce.core.RedisClient.create(
                io.lettuce.core.RedisURI.builder().withHost("127.0.0.1").withPort(server.port()).withAuthentication("app", "wrong").build());
        try {
            var e = assertThrows(io.lettuce.core.RedisConnectionException.class, wrong::connect);
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            assertTrue(root.getMessage().contains("WRONGPASS"), root.toString());
        } finally {
            wrong.shutdown();
        }
    }

    /** One command on a raw connection; returns the first line of the reply, having read the whole reply. */
    static String exchange(Socket s, String... args) throws Exception {
        OutputStream out = s.getOutputStream();
        StringBuilder sb = new StringBuilder("*" + args.length + "\r\n");
        for (String a : args) sb.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        InputStream in = s.getInputStream();
        String first = line(in);
        skip(in, first);
        return first;
    }

    private static String line(InputStream in) throws Exception {
        StringBuilder line = new StringBuilder();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) throw new java.io.EOFException("closed after " + line);
            if (b != '\r') line.append((char) b);
        }
        return line.toString();
    }

    /** Reads the rest of a reply whose first line is {@code head}. */
    private static void skip(InputStream in, String head) throws Exception {
        char type = head.charAt(0);
        if (type == '$' || type == '=') {
            long n = Long.parseLong(head.substring(1));
            if (n >= 0) in.readNBytes((int) n + 2);
            return;
        }
        if (type != '*' && type != '%' && type != '~') return;
        long n = Long.parseLong(head.substring(1)) * (type == '%' ? 2 : 1);
        for (long i = 0; i < n; i++) skip(in, line(in));
    }

    @Test
    void aUserWithoutTheRightCannotFlushSaveOrRunPrograms() throws Exception {
        try (Jedis admin = jedis(null, ADMIN_PW, RedisProtocol.RESP2); Jedis app = jedis("app", APP_PW, RedisProtocol.RESP2)) {
            assertEquals("OK", app.set("k", "v"));
            assertEquals("NOPERM User app has no permissions to run the 'flushdb' command", error(app::flushDB));
            assertEquals("NOPERM User app has no permissions to run the 'flushall' command", error(app::flushAll));
            assertEquals("NOPERM User app has no permissions to run the 'save' command", error(app::save));
            assertEquals("NOPERM User app has no permissions to run the 'bgsave' command", error(app::bgsave));
            assertEquals("NOPERM User app has no permissions to run the 'bpf.run' command", error(() -> app.sendCommand(() -> bytes("BPF.RUN"), "sum", "1", "2")));
            assertEquals("NOPERM User app has no permissions to run the 'bpf.load' command",
                    error(() -> app.sendCommand(() -> bytes("BPF.LOAD"), "lib", "x")));
            assertEquals("NOPERM User app has no permissions to run the 'config|set' command", error(() -> app.configSet("maxmemory", "1")));
            assertEquals("NOPERM User app has no permissions to run the 'acl|setuser' command", error(() -> app.aclSetUser("app", "+@all")));
            assertEquals("v", app.get("k"), "FLUSHDB changed nothing");
            assertEquals(1, admin.dbSize());

            // A rule granted now applies to the next command of the connection already open.
            assertEquals("OK", admin.aclSetUser("app", "+bpf.run"));
            assertEquals(3L, app.sendCommand(() -> bytes("BPF.RUN"), "sum", "1", "2"));
            assertEquals("NOPERM User app has no permissions to run the 'flushdb' command", error(app::flushDB));
            assertEquals("OK", admin.aclSetUser("app", "-bpf.run"));
            assertEquals("NOPERM User app has no permissions to run the 'bpf.run' command", error(() -> app.sendCommand(() -> bytes("BPF.RUN"), "sum", "1")));

            assertEquals("OK", admin.flushDB());
            assertNull(app.get("k"));
            assertEquals(3L, admin.sendCommand(() -> bytes("BPF.RUN"), "sum", "1", "2"));
            assertTrue(admin.info("stats").contains("acl_access_denied_cmd:10"), admin.info("stats"));
        }
    }

    static byte[] bytes(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    @Test
    void keyPatternsLimitWhichKeysAUserReaches() {
        try (Jedis admin = jedis(null, ADMIN_PW, RedisProtocol.RESP2); Jedis reader = jedis("reader", READER_PW, RedisProtocol.RESP2)) {
            admin.set("public:a", "1");
            admin.set("secret", "2");
            assertEquals("1", reader.get("public:a"));
            assertEquals("NOPERM No permissions to access a key", error(() -> reader.get("secret")));
            assertEquals("NOPERM No permissions to access a key", error(() -> reader.mget("public:a", "secret")));
            assertEquals("NOPERM User reader has no permissions to run the 'set' command", error(() -> reader.set("public:a", "x")));
            assertEquals("OK", admin.aclSetUser("reader", "+mset"));
            assertEquals("NOPERM No permissions to access a key", error(() -> reader.mset("public:b", "1", "other", "2")));
            assertNull(admin.get("public:b"), "nothing of a refused MSET is written");
            assertEquals("OK", reader.mset("public:b", "1", "public:c", "2"));
            assertEquals("NOPERM User reader has no permissions to run the 'del' command", error(() -> reader.del("public:a")));
            assertEquals(List.of("public:a"), List.copyOf(reader.keys("public:a*")), "KEYS is a read command, as in Redis");
        }
    }

    @Test
    void aDeniedCommandInMultiAbortsTheTransaction() {
        try (Jedis app = jedis("app", APP_PW, RedisProtocol.RESP2)) {
            app.sendCommand(() -> bytes("MULTI"));
            assertEquals("QUEUED", new String((byte[]) app.sendCommand(() -> bytes("SET"), "t", "1"), StandardCharsets.UTF_8));
            assertEquals("NOPERM User app has no permissions to run the 'flushdb' command", error(() -> app.sendCommand(() -> bytes("FLUSHDB"))));
            assertEquals("EXECABORT Transaction discarded because of previous errors.", error(() -> app.sendCommand(() -> bytes("EXEC"))));
            assertNull(app.get("t"));
        }
    }

    @Test
    void aclCommandsManageUsers() throws Exception {
        try (Jedis admin = jedis(null, ADMIN_PW, RedisProtocol.RESP2)) {
            assertEquals(List.of("app", "default", "reader"), admin.aclUsers());
            String hash = java.util.HexFormat.of().formatHex(Acl.sha256(bytes(APP_PW)));
            assertTrue(admin.aclList().contains("user app on #" + hash + " ~* &* +@all -@dangerous"), admin.aclList().toString());
            assertEquals("OK", admin.aclSetUser("ops", "on", ">ops-pw", "~cache:*", "resetchannels", "+get", "+config|get", "-@all", "+@read"));
            assertTrue(admin.aclList().contains("user ops on #" + java.util.HexFormat.of().formatHex(Acl.sha256(bytes("ops-pw")))
                    + " ~cache:* resetchannels -@all +@read"), admin.aclList().toString());
            assertEquals("ERR Error in ACL SETUSER modifier 'frobnicate': Syntax error", error(() -> admin.aclSetUser("ops", "frobnicate")));
            assertEquals("ERR Error in ACL SETUSER modifier '+nosuchcommand': Unknown command or category name in ACL",
                    error(() -> admin.aclSetUser("ops", "+nosuchcommand")));
            assertEquals("ERR Error in ACL SETUSER modifier '+config|nosuch': Unknown subcommand 'nosuch' of 'config'",
                    error(() -> admin.aclSetUser("ops", "+config|nosuch")));
            assertEquals("ERR Error in ACL SETUSER modifier '#abc': The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters",
                    error(() -> admin.aclSetUser("ops", "+get", "#abc")));
            assertEquals("ERR Error in ACL SETUSER modifier '(+get)': selectors are not supported", error(() -> admin.aclSetUser("ops", "(+get)")));
            assertEquals("ERR Error in ACL SETUSER modifier '<nope': The password you are trying to remove from the user does not exist",
                    error(() -> admin.aclSetUser("ops", "<nope")));
            assertTrue(admin.aclGetUser("ops").getCommands().startsWith("-@all +@read"), "a failed SETUSER changes nothing");
            assertEquals("OK", new String((byte[]) admin.sendCommand(() -> bytes("ACL"), "DRYRUN", "ops", "GET", "cache:1"), StandardCharsets.UTF_8));
            assertEquals("User ops has no permissions to run the 'set' command",
                    new String((byte[]) admin.sendCommand(() -> bytes("ACL"), "DRYRUN", "ops", "SET", "cache:1", "x"), StandardCharsets.UTF_8));

            List<String> categories = admin.aclCat();
            assertEquals(Acl.CATEGORIES, categories);
            List<String> dangerous = admin.aclCat("dangerous");
            for (String c : List.of("flushdb", "flushall", "save", "bgsave", "keys", "bpf.run", "bpf.load", "bpf.unload", "config|set", "acl|setuser", "client|kill"))
                assertTrue(dangerous.contains(c), c + " in " + dangerous);
            for (String c : List.of("get", "bpf.list", "acl|whoami", "client|id", "hello", "auth")) assertFalse(dangerous.contains(c), c);
            assertEquals("ERR Unknown category 'nope'", error(() -> admin.aclCat("nope")));

            // Deleting a user disconnects its clients; the default user cannot be deleted.
            admin.set("cache:1", "c");
            try (Jedis ops = jedis("ops", "ops-pw", RedisProtocol.RESP2)) {
                assertEquals("c", ops.get("cache:1"));
                assertEquals(1L, admin.aclDelUser("ops", "nobody"));
                assertThrows(JedisConnectionException.class, () -> ops.get("cache:1"));
            }
            assertEquals("ERR The 'default' user cannot be removed", error(() -> admin.aclDelUser("default")));
            assertEquals("ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command"
                    + " and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.",
                    error(admin::aclSave));

            // A user that is off cannot log in; a user with nopass takes any password.
            admin.aclSetUser("guest", "on", "nopass", "~*", "+ping");
            assertEquals("PONG", cli(List.of("--user", "guest", "--pass", "anything"), "PING"));
            assertEquals("NOPERM User guest has no permissions to run the 'get' command", cli(List.of("--user", "guest", "--pass", "x"), "GET", "k"));
            admin.aclSetUser("guest", "off");
            assertTrue(cli(List.of("--user", "guest", "--pass", "x"), "PING").contains("WRONGPASS"));
        }
    }

    @Test
    void requirepassCanBeChangedWhileServing() throws Exception {
        try (Jedis admin = jedis(null, ADMIN_PW, RedisProtocol.RESP2)) {
            assertEquals("OK", admin.configSet("requirepass", "new-secret"));
            assertEquals("PONG", admin.ping(), "connections stay authenticated");
        }
        assertTrue(cli(ADMIN, "PING").contains("WRONGPASS"));
        assertEquals("PONG", cli(List.of("-a", "new-secret"), "PING"));
        assertEquals("OK", cli(List.of("-a", "new-secret"), "CONFIG", "SET", "requirepass", ""));
        assertEquals("PONG", cli(ANONYMOUS, "PING"));
        assertTrue(cli(ANONYMOUS, "AUTH", "x").startsWith("ERR AUTH <password> called without any password configured for the default user."));
    }

    @Test
    void anAclFileIsReadAtStartReloadedAndSaved() throws Exception {
        Path file = dir.resolve("users.acl");
        Files.writeString(file, "# users of the test\nuser default on >root-pw ~* &* +@all\nuser app on >pw1 ~* +@all -@dangerous\n");
        try (Store s2 = Store.open(StoreOptions.inMemory());
             RespServer srv = RespServer.start(s2, Procedures.NONE, 0, 1, RespConfig.defaults(), RespAccess.defaults().withAclFile(file))) {
            HostAndPort at = HostAndPort.from("127.0.0.1:" + srv.port());
            try (Jedis admin = new Jedis(at, DefaultJedisClientConfig.builder().password("root-pw").socketTimeoutMillis(30_000).build());
                 Jedis app = new Jedis(at, DefaultJedisClientConfig.builder().user("app").password("pw1").socketTimeoutMillis(30_000).build())) {
                assertEquals("app", app.aclWhoAmI());
                assertEquals("OK", admin.aclSetUser("extra", "on", ">e"));
                assertEquals("OK", admin.aclSave());
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
                List<String> saved = Files.readAllLines(file);
                assertEquals(3, saved.size(), saved.toString());
                assertTrue(saved.get(1).startsWith("user default on #"), saved.toString());

                // An edited file with an error is refused as a whole, naming the line.
                Files.writeString(file, "user default on >root-pw ~* &* +@all\nuser app on >pw1 +nosuch\n");
                assertEquals("ERR ACL file " + file + " line 2: Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL",
                        error(admin::aclLoad));
                assertEquals("app", app.aclWhoAmI(), "nothing changed");

                // Reloading drops users the file no longer has, and closes their connections.
                Files.writeString(file, "user default on >root-pw ~* &* +@all\nuser extra on >e ~* +@all\n");
                assertEquals("OK", admin.aclLoad());
                assertEquals(List.of("default", "extra"), admin.aclUsers());
                assertThrows(JedisConnectionException.class, app::aclWhoAmI);
            }
        }
        Files.writeString(file, "user app on >pw1\nuser app on >pw2\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RespServer.start(store, Procedures.NONE, 0, 1, RespConfig.defaults(), RespAccess.defaults().withAclFile(file)));
        assertEquals("ACL file " + file + " line 2: user 'app' is defined twice", e.getMessage());
    }

    /**
     * Seeded random rule sequences: the {@code ACL LIST} line of the resulting user, applied to a new user, gives a
     * user that decides every command and key the same way.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void aclListLinesReadBackToTheSameUser(long seed) {
        Acl acl = server.acl();
        CommandTable table = Commands.table();
        List<CommandSpec> commands = new ArrayList<>(table.all());
        Random r = new Random(seed);
        String[] words = {"on", "off", "nopass", "resetpass", "allkeys", "resetkeys", "allchannels", "resetchannels", "allcommands", "nocommands", "reset"};
        List<String> rules = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            switch (r.nextInt(7)) {
                case 0 -> rules.add(words[r.nextInt(words.length)]);
                case 1 -> rules.add((r.nextBoolean() ? "+@" : "-@") + Acl.CATEGORIES.get(r.nextInt(Acl.CATEGORIES.size())));
                case 2 -> rules.add((r.nextBoolean() ? "+" : "-") + commands.get(r.nextInt(commands.size())).lowerName());
                case 3 -> rules.add((r.nextBoolean() ? "+" : "-") + List.of("config|get", "client|id", "acl|whoami", "acl|setuser").get(r.nextInt(4)));
                case 4 -> rules.add(">pw" + r.nextInt(3));
                case 5 -> rules.add("resetkeys");
                default -> {
                    rules.add("resetkeys"); // a pattern after allkeys is refused, as in Redis
                    rules.add("~k" + r.nextInt(3) + "*");
                }
            }
        }
        String name = "u" + seed;
        Acl.User u;
        try {
            u = acl.setUser(name, rules);
        } catch (IllegalArgumentException e) {
            fail("seed " + seed + ": rules " + rules + ": " + e.getMessage());
            return;
        }
        String line = Acl.describe(u);
        String[] f = line.split(" ");
        Acl.User back = acl.setUser(name + "copy", List.of(f).subList(2, f.length));
        assertEquals(line.replaceFirst("^user " + name + " ", ""), Acl.describe(back).replaceFirst("^user " + name + "copy ", ""), "seed " + seed + ": " + rules);
        byte[][] keys = {bytes("k0x"), bytes("k1"), bytes("zz")};
        for (CommandSpec s : commands)
            for (byte[] key : keys) {
                byte[][] args = {bytes(s.name()), key, key, key, key};
                int argc = Math.max(2, Math.min(5, Math.abs(s.arity())));
                if (!s.arityOk(argc)) continue;
                assertEquals(acl.denied(u, s, args, argc) == null, acl.denied(back, s, args, argc) == null,
                        "seed " + seed + ": " + rules + " on " + s.lowerName());
            }
    }
}
