package dev.bypass.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.Verifiers;
import dev.bypass.proxy.hooks.ProgramHooks;
import dev.bypass.proxy.hooks.ProxyAbi;
import dev.bypass.proxy.hooks.QueryText;
import dev.bypass.proxy.config.ProxyConfigFile;
import dev.bypass.proxy.server.ProxyServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy's programs from the command line: {@code bypass gen header proxy}, {@code bypass proxy --check} verifying
 * the [programs] section, and {@code bypass prog}/{@code bypass map} with --proxy talking to a running proxy's admin
 * console (the example objects of the proxy module, as committed).
 */
class ProxyProgramsCommandTest {
    static final Path EXAMPLES = Path.of("../proxy/examples").toAbsolutePath().normalize();

    @TempDir Path dir;

    @Test void genHeaderPrintsTheProxyAbi() {
        CliTest.Result r = CliTest.run("", "gen", "header", "proxy");
        assertEquals(0, r.code(), r.err());
        assertEquals(ProxyAbi.header(), r.out());
        CliTest.Result other = CliTest.run("", "gen", "header", "kernel");
        assertEquals(2, other.code());
        assertTrue(other.err().contains("unknown host 'kernel' (known: proxy)"), other.err());
    }

    Path config(String programs) throws Exception {
        Files.writeString(dir.resolve("users.txt"), "\"postgres\" \"\"\n");
        Path ini = dir.resolve("proxy.ini");
        Files.writeString(ini, """
                [databases]
                * = host=127.0.0.1 port=1

                [pgbouncer]
                listen_addr = 127.0.0.1
                listen_port = 0
                unix_socket_dir =
                auth_type = trust
                auth_file = users.txt
                admin_users = postgres

                [programs]
                %s
                """.formatted(programs));
        return ini;
    }

    @Test void proxyCheckVerifiesThePrograms() throws Exception {
        Path good = config("query = " + EXAMPLES.resolve("policies.o") + ":deny_ddl");
        CliTest.Result ok = CliTest.run("", "proxy", "--config", good.toString(), "--check");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("1 program(s) verified"), ok.out());
        Path bad = config("query = " + EXAMPLES.resolve("unchecked_text.o"));
        CliTest.Result refused = CliTest.run("", "proxy", "--config", bad.toString(), "--check");
        assertEquals(2, refused.code(), refused.out());
        for (String part : new String[] {"[programs] query", "unchecked_text.o", "program unchecked_text", "OUT_OF_BOUNDS at instruction 1"})
            assertTrue(refused.err().contains(part), part + ": " + refused.err());
    }

    @Test void progAndMapTalkToARunningProxy() throws Exception {
        Path ini = config("query = " + EXAMPLES.resolve("policies.o") + ":deny_ddl");
        try (ProgramHooks hooks = new ProgramHooks(Verifiers.standard());
             ProxyServer proxy = new ProxyServer(ProxyConfigFile.read(ini), hooks, new SimpleMeterRegistry()).start()) {
            String at = "127.0.0.1:" + proxy.port();
            CliTest.Result progs = CliTest.run("", "prog", "list", "--proxy", at, "--proxy-user", "postgres");
            assertEquals(0, progs.code(), progs.err());
            assertTrue(progs.out().contains("run_cnt") && progs.out().contains("deny_ddl") && progs.out().contains("bypass/query"), progs.out());
            CliTest.Result maps = CliTest.run("", "map", "list", "--proxy", at, "--proxy-user", "postgres");
            assertTrue(maps.out().contains("ddl_roles") && maps.out().contains("banned_word"), maps.out());
            CliTest.Result update = CliTest.run("", "map", "update", "ddl_roles", "hash:bob", "1", "--proxy", at, "--proxy-user", "postgres");
            assertEquals(0, update.code(), update.err());
            String bob = HexFormat.of().formatHex(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(QueryText.fnv1a("bob")).array());
            CliTest.Result dump = CliTest.run("", "map", "dump", "ddl_roles", "--proxy", at, "--proxy-user", "postgres");
            assertTrue(dump.out().contains(bob + "  0100000000000000"), dump.out());
            CliTest.Result wrong = CliTest.run("", "map", "update", "ddl_roles", "1", "2", "--proxy", at, "--proxy-user", "postgres");
            assertEquals(0, wrong.code(), "an integer key of the map's size: " + wrong.err());
            CliTest.Result missing = CliTest.run("", "map", "dump", "nope", "--proxy", at, "--proxy-user", "postgres");
            assertEquals(1, missing.code());
            assertTrue(missing.err().contains("no map named nope"), missing.err());
        }
    }
}
