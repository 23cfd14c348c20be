package dev.bypass.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bypass store serve} as a process: the ready line, redis-cli against it, data kept across restarts. */
class StoreServeTest {
    @TempDir Path dir;

    static Process serve(Path data, String... extra) throws Exception {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new java.util.ArrayList<>(List.of(javaBin, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "store", "serve", "--port", "0", "--dir", data.toString()));
        cmd.addAll(List.of(extra));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    static String cli(int port, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("redis-cli", "-p", String.valueOf(port)));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return out;
    }

    @Test
    void servesRedisClientsAndKeepsDataAcrossRestarts() throws Exception {
        Path data = dir.resolve("new/data");
        for (int round = 0; round < 2; round++) {
            Process p = serve(data);
            try {
                BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
                String line = r.readLine();
                assertNotNull(line, () -> "no ready line");
                assertTrue(line.matches("ready redis://127\\.0\\.0\\.1:\\d+"), line);
                int port = Integer.parseInt(line.substring(line.lastIndexOf(':') + 1));
                if (round == 0) {
                    assertEquals("OK", cli(port, "SET", "greeting", "hello"));
                    assertEquals("1", cli(port, "HSET", "h", "f", "v"));
                } else {
                    assertEquals("hello", cli(port, "GET", "greeting"));
                    assertEquals("v", cli(port, "HGET", "h", "f"));
                }
            } finally {
                p.destroy(); // SIGTERM: the shutdown hook closes the store
                p.waitFor();
            }
        }
        assertTrue(Files.isDirectory(data));
    }

    @Test
    void bpfRunExecutesABundledProgramAsATransaction() throws Exception {
        Path obj = dir.resolve("bank.o");
        try (var in = StoreServeTest.class.getResourceAsStream("/dev/bypass/txnstore/bpf/bank.o")) {
            Files.write(obj, in.readAllBytes());
        }
        Process p = serve(dir.resolve("bank"), "--program", obj.toString(), "--unverified");
        try {
            String line = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
            assertNotNull(line, () -> "no ready line");
            int port = Integer.parseInt(line.substring(line.lastIndexOf(':') + 1));
            assertEquals("bank_total\nopen_account\ntransfer", cli(port, "BPF.LIST"));
            assertEquals("0", cli(port, "BPF.RUN", "open_account", "1", "100"));
            assertEquals("0", cli(port, "BPF.RUN", "open_account", "2", "5"));
            assertEquals("1", cli(port, "BPF.RUN", "open_account", "2", "7"), "already open");
            assertEquals("0", cli(port, "BPF.RUN", "transfer", "1", "2", "30"));
            assertEquals("1", cli(port, "BPF.RUN", "transfer", "2", "1", "500"), "insufficient funds");
            assertEquals("105", cli(port, "BPF.RUN", "bank_total"));
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    @Test
    void badOptionsAreOneLineErrors() {
        CliTest.Result r = CliTest.run("", "store", "serve", "--sync", "sometimes", "--dir", dir.toString());
        assertEquals(2, r.code());
        assertEquals("error: --sync must be always, interval or never, not sometimes\n", r.err());
    }
}
