package dev.bypass.proxy;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.ProgramVerifier;
import dev.bypass.proxy.hooks.ProgramQueryHook;
import dev.bypass.proxy.pg.EmbeddedPostgres;
import dev.bypass.proxy.server.ProxyConfig;
import dev.bypass.proxy.server.ProxyConfigFile;
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
                pool_mode = session     ; trailing comment
                default_pool_size = 7
                max_client_conn = 99
                query_wait_timeout = 12
                auth_type = scram-sha-256
                auth_file = users.txt
                """, "p.ini", dir);
        assertEquals("0.0.0.0", c.listenHost());
        assertEquals(7432, c.port());
        assertEquals("10.0.0.5", c.backendHost());
        assertEquals(5433, c.backendPort());
        assertEquals(ProxyConfig.PoolMode.SESSION, c.poolMode());
        assertEquals(7, c.poolSize());
        assertEquals(99, c.maxClients());
        assertEquals(Duration.ofSeconds(12), c.acquireTimeout());
        assertEquals(ProxyConfig.ClientAuth.SCRAM_SHA_256, c.clientAuth());
        assertEquals("pa\"ss", c.users().get("app"));
        assertEquals(2, c.users().size());
        assertNull(c.clientTls());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "[bypass]\\nlisten_port = 6432|p.ini:2: no [databases] entry",
            "[databases]\\n* = host=h\\n[bypass]\\nlisten_prot = 1|p.ini:4: listen_prot: unknown setting",
            "[databases]\\n* = host=h\\n[bypass]\\nlisten_port = 70000|p.ini:4: listen_port: must be between 0 and 65535, is 70000",
            "[databases]\\n* = host=h\\n[bypass]\\npool_mode = statement|p.ini:4: pool_mode: expected session or transaction, got statement",
            "[databases]\\n* = host=h\\n[bypass]\\nauth_type = md5|p.ini:4: auth_type: md5 needs an auth_file",
            "[databases]\\n* = host=h\\n[bypass]\\ndefault_pool_size = many|p.ini:4: default_pool_size: expected a number, got many",
            "[databases]\\na = host=h port=1\\nb = host=g port=1|p.ini:3: b: all databases must be on one server",
            "[databases]\\n* = host=h\\n[bypass]\\nclient_tls_sslmode = require|p.ini:4: client_tls_cert_file: needed for client_tls_sslmode = require",
            "[databases]\\n* = host=h\\n[bypass]\\nauth_type = md5\\nauth_file = missing.txt|p.ini:5: auth_file: cannot read",
            "[dbs]\\n* = host=h|p.ini:1: unknown section [dbs]",
            "[databases]\\n* = host=h\\n[bypass]\\nmax_client_conn = 5\\nmax_client_conn = 6|p.ini:5: max_client_conn: set twice",
    })
    void errorsNameTheLineAndTheKey(String text, String message) {
        var e = assertThrows(ProxyConfigFile.ConfigException.class, () -> ProxyConfigFile.parse(text.replace("\\n", "\n"), "p.ini", dir));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    @Test void reloadChangesPasswordsLiveAndNamesWhatNeedsARestart() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.start(); ProgramQueryHook hook = new ProgramQueryHook(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY)) {
            Path users = Files.writeString(dir.resolve("users.txt"), "\"postgres\" \"one\"\n");
            Path ini = dir.resolve("proxy.ini");
            String base = "[databases]\n* = host=127.0.0.1 port=" + pg.port() + "\n[bypass]\nlisten_port = 0\nauth_type = md5\nauth_file = users.txt\n";
            Files.writeString(ini, base);
            try (ProxyServer proxy = new ProxyServer(ProxyConfigFile.read(ini), hook, new SimpleMeterRegistry()).configFile(ini).start()) {
                String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres?user=postgres&password=";
                DriverManager.getConnection(url + "one").close();
                Files.writeString(users, "\"postgres\" \"two\"\n");
                Files.writeString(ini, base + "default_pool_size = 3\n");
                try (Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/bypass?user=postgres&password=one&preferQueryMode=simple");
                     Statement s = admin.createStatement()) {
                    s.execute("RELOAD");
                    SQLWarning w = s.getWarnings();
                    assertNotNull(w, "a notice names the setting that needs a restart");
                    assertTrue(w.getMessage().contains("default_pool_size"), w.getMessage());
                }
                assertThrows(SQLException.class, () -> DriverManager.getConnection(url + "one").close(), "the old password no longer works");
                DriverManager.getConnection(url + "two").close();
                Files.writeString(ini, "[bypass]\n");
                try (Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/bypass?user=postgres&password=two&preferQueryMode=simple");
                     Statement s = admin.createStatement()) {
                    SQLException e = assertThrows(SQLException.class, () -> s.execute("RELOAD"));
                    assertTrue(e.getMessage().contains("no [databases] entry"), e.getMessage());
                }
                DriverManager.getConnection(url + "two").close(); // a bad file leaves the running settings alone
            }
        }
    }
}
