package dev.bypass.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.postgres.EmbeddedPostgres;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class ProxyQueryHookTest {
    @TempDir Path dir;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void theConfiguredProgramRefusesDeletesThroughTheProxy() throws Exception {
        Examples.build(dir, "delete_guard");
        // The example's configuration as committed, pointed at this test's PostgreSQL and at a free port.
        String config;
        try (InputStream in = ExampleObjects.class.getResourceAsStream("proxy.ini")) {
            config = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        try (InputStream in = ExampleObjects.class.getResourceAsStream("users.txt")) {
            Files.write(dir.resolve("users.txt"), in.readAllBytes());
        }
        try (EmbeddedPostgres pg = EmbeddedPostgres.start()) {
            String local = config.replace("port=5432", "port=" + pg.port()).replace("listen_port = 6432", "listen_port = 0");
            assertTrue(!local.equals(config) && local.contains("port=" + pg.port()) && local.contains("listen_port = 0"), local);
            Path ini = Files.writeString(dir.resolve("proxy.ini"), local);

            String out = Examples.run(dir, ProxyQueryHook::main, ini.toString());
            assertTrue(out.contains("query hook: program delete_guard (bypass/query"), out);
            assertTrue(out.contains("DELETE refused: 42501 "), out);
            assertTrue(out.contains("delete_guard"), "the error names the program: " + out);
            assertTrue(out.contains("rows still there: 2\n"), out);
            assertTrue(out.contains("program saw delete: 1\n"), out);
            assertTrue(out.contains("program saw ddl: 2\n"), "CREATE and DROP: " + out);
            assertTrue(out.contains("program saw insert: 1\n"), out);
            assertTrue(out.contains("program saw select: 1\n"), out);
            assertTrue(out.contains("program refused: 1\n"), out);
        }
    }
}
