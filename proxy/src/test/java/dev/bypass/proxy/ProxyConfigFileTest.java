package dev.bypass.proxy;

import dev.bypass.postgres.EmbeddedPostgres;
import dev.bypass.proxy.hooks.ProgramQueryHook;
import dev.bypass.vm.verification.ProgramVerifier;
import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.config.ProxyConfigFile;
import dev.bypass.proxy.server.ProxyServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProxyConfigFileTest {
    @TempDir Path dir;

    @Test void aPgbouncerStyleFileBecomesTheConfig() throws Exception {
        Files.writeString(dir.resolve("users.txt"), "\"app\" \"pa\"\"ss\"\n; comment\n\"other\" \"x\"\n");
        ProxyConfig c = ProxyConfigFile.parse("""
                [databases]
                * = host=10.0.0.5 port=5433
                [bypass]
                listen_addr = 0.0.0.0
                listen_port = 7432
                ; a comment on a line of its own
                pool_mode = session
                default_pool_size = 7
                max_client_conn = 99
                query_wait_timeout = 12
                auth_type = scram-sha-256
                auth_file = users.txt
                """, "p.ini", dir);
        assertEquals("0.0.0.0", c.listenHost());
        assertEquals(7432, c.port());
        assertEquals(java.util.List.of("10.0.0.5"), c.database("anything").hosts());
        assertEquals(5433, c.database("anything").port());
        assertEquals("anything", c.database("anything").dbname());
        assertEquals(dev.bypass.proxy.config.Settings.PoolMode.SESSION, c.poolMode());
        assertEquals(7, c.poolSize());
        assertEquals(99, c.maxClients());
        assertEquals(Duration.ofSeconds(12), c.acquireTimeout());
        assertEquals(dev.bypass.proxy.config.Settings.AuthType.SCRAM_SHA_256, c.authType());
        assertEquals(new dev.bypass.proxy.config.Secret.Plain("pa\"ss"), c.secret("app"));
        assertEquals(2, c.secrets().size());
        assertNull(c.clientTls());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "[databases]\\n* = host=h\\n[bypass]\\nlisten_prot = 1|p.ini:4: listen_prot: unknown setting (did you mean listen_port?)",
            "[databases]\\n* = host=h\\n[bypass]\\nlisten_port = 70000|p.ini:4: listen_port: must be between 0 and 65535, is 70000",
            "[databases]\\n* = host=h\\n[bypass]\\npool_mode = sessions|p.ini:4: pool_mode: expected one of session, transaction, statement, got 'sessions'",
            "[databases]\\n* = host=h\\n[bypass]\\npool_mode = session ; comment|p.ini:4: pool_mode: expected one of session, transaction, statement, got 'session ; comment' (a comment must be on a line of its own",
            "[databases]\\n* = host=h\\n[bypass]\\nauth_type = md5|p.ini:4: auth_type: auth_type = md5 needs auth_file",
            "[databases]\\n* = host=h\\n[bypass]\\ndefault_pool_size = many|p.ini:4: default_pool_size: expected an integer, got 'many'",
            "[databases]\\na = host=h port=1 frobnicate=2|p.ini:2: a: unrecognized connection parameter frobnicate",
            "[databases]\\n* = host=h\\n[bypass]\\nclient_tls_sslmode = require|p.ini:4: client_tls_cert_file: needed for client_tls_sslmode = require",
            "[databases]\\n* = host=h\\n[bypass]\\nauth_type = md5\\nauth_file = missing.txt|p.ini:5: auth_file: cannot read",
            "[dbs]\\n* = host=h|p.ini:1: unknown section [dbs]",
            "[databases]\\n* = host=h\\n[bypass]\\nuser = postgres|p.ini:4: user: a JVM cannot switch to another Unix user",
            "[databases]\\n* = host=h\\n[bypass]\\nauth_type = pam|p.ini:4: auth_type: auth_type = pam is not available",
    })
    void errorsNameTheLineAndTheKey(String text, String message) {
        var e = assertThrows(ProxyConfigFile.ConfigException.class, () -> ProxyConfigFile.parse(text.replace("\\n", "\n"), "p.ini", dir));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    /** The README's key table has a row for every key, with the default and reload columns the code has. */
    @Test void theReadmeTableListsEveryKeyWithItsDefault() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        for (dev.bypass.proxy.config.Setting<?> s : dev.bypass.proxy.config.Settings.all()) {
            String d = s.defaultText() == null ? "not set" : s.defaultText().isEmpty() ? "empty" : "`" + s.defaultText() + "`";
            String row = "| `" + s.name() + "` | " + d + " | " + (s.reloadable() ? "yes" : "no") + " | ";
            assertTrue(readme.contains(row), "README.md lacks the row " + row);
        }
    }

    @Test void reloadChangesPasswordsLiveAndNamesWhatNeedsARestart() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.start(); ProgramQueryHook hook = new ProgramQueryHook(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY)) {
            Path users = Files.writeString(dir.resolve("users.txt"), "\"postgres\" \"one\"\n");
            Path ini = dir.resolve("proxy.ini");
            String base = "[databases]\n* = host=127.0.0.1 port=" + pg.port() + "\n[bypass]\nlisten_addr = 127.0.0.1\nlisten_port = 0\nunix_socket_dir =\n"
                    + "auth_type = md5\nauth_file = users.txt\nadmin_users = postgres\nignore_startup_parameters = extra_float_digits\n";
            Files.writeString(ini, base);
            try (ProxyServer proxy = new ProxyServer(ProxyConfigFile.read(ini), hook, new SimpleMeterRegistry()).configFile(ini).start()) {
                String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres&password=";
                DriverManager.getConnection(url + "one").close();
                Files.writeString(users, "\"postgres\" \"two\"\n");
                Files.writeString(ini, base + "listen_backlog = 64\n");
                try (Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/bypass?user=postgres&password=one&preferQueryMode=simple");
                     Statement s = admin.createStatement()) {
                    s.execute("RELOAD");
                    SQLWarning w = s.getWarnings();
                    assertNotNull(w, "a notice names the setting that needs a restart");
                    assertTrue(w.getMessage().contains("listen_backlog"), w.getMessage());
                }
                assertThrows(SQLException.class, () -> DriverManager.getConnection(url + "one").close(), "the old password no longer works");
                DriverManager.getConnection(url + "two").close();
                Files.writeString(ini, "[bypass]\n");
                try (Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/bypass?user=postgres&password=two&preferQueryMode=simple");
                     Statement s = admin.createStatement()) {
                    SQLException e = assertThrows(SQLException.class, () -> s.execute("RELOAD"));
                    assertTrue(e.getMessage().contains("needs auth_file"), e.getMessage());
                }
                DriverManager.getConnection(url + "two").close(); // a bad file leaves the running settings alone
            }
        }
    }
}
