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
        List<String> args = new java.util.ArrayList<>(List.of("--dir", data.toString()));
        args.addAll(List.of(extra));
        return serve(new ProcessBuilder().redirectError(ProcessBuilder.Redirect.INHERIT), args);
    }

    /** {@code bypass store serve --port 0 ARGS} in a JVM of its own. */
    static Process serve(ProcessBuilder pb, List<String> args) throws Exception {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new java.util.ArrayList<>(List.of(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "store", "serve", "--port", "0"));
        cmd.addAll(args);
        return pb.command(cmd).start();
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
                assertEquals("data: " + data.toAbsolutePath(), r.readLine());
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
            List<String> listed = cli(port, "BPF.LIST").lines().toList();
            assertEquals(List.of("bank_total", "open_account", "transfer"), java.util.stream.IntStream.range(0, listed.size())
                    .filter(i -> i > 0 && listed.get(i - 1).equals("name")).mapToObj(listed::get).toList());
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
    void withoutDirItSaysWhereItsDataGoes() throws Exception {
        Process p = serve(new ProcessBuilder().directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT), List.of());
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
            assertTrue(r.readLine().startsWith("ready redis://"));
            assertEquals("data: " + dir.toRealPath().resolve("bypass-data")
                    + " (the default, bypass-data in the working directory; --dir chooses another)", r.readLine());
            assertTrue(Files.isDirectory(dir.resolve("bypass-data")));
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    /** Recovery's warnings (here: a torn log tail cut) are log events, at the level chosen by flag or environment. */
    @Test
    void recoveryWarningsAreLogEventsUnderTheChosenLevel() throws Exception {
        Path data = dir.resolve("data"), errors = dir.resolve("stderr.txt");
        for (String level : new String[] {null, "info", "error"}) {
            if (level != null) {
                Path wal;
                try (var files = Files.list(data)) {
                    wal = files.filter(f -> f.getFileName().toString().startsWith("wal-")).sorted().toList().getLast();
                }
                Files.write(wal, new byte[] {(byte) 0xff, 1, 2, 3, 4}, java.nio.file.StandardOpenOption.APPEND);
            }
            ProcessBuilder pb = new ProcessBuilder().redirectError(errors.toFile());
            if ("error".equals(level)) pb.environment().put("BYPASS_LOG_LEVEL", "error");
            Process p = serve(pb, "info".equals(level) ? List.of("--dir", data.toString(), "--log-level", "info") : List.of("--dir", data.toString()));
            try {
                String line = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
                assertNotNull(line, () -> "no ready line");
                if (level == null) assertEquals("OK", cli(Integer.parseInt(line.substring(line.lastIndexOf(':') + 1)), "SET", "k", "v"));
            } finally {
                p.destroy();
                p.waitFor();
            }
            List<String> logged = Files.readAllLines(errors);
            if ("info".equals(level)) {
                assertEquals(1, logged.size(), logged.toString());
                assertTrue(logged.get(0).matches(LoggingTest.LINE.replace(String.valueOf(ProcessHandle.current().pid()), "\\d+")
                        + "WARN store: recovery: log \\S+wal-\\d+\\.log: cut a torn tail of 5 bytes at offset \\d+ .*"), logged.get(0));
            } else {
                assertEquals(List.of(), logged, "level " + level);
            }
        }
    }

    /** The ready line's port; fails naming what the process said instead. */
    static int readyPort(Process p, String scheme) throws Exception {
        String line = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
        assertNotNull(line, () -> "no ready line");
        assertTrue(line.matches("ready " + scheme + "://127\\.0\\.0\\.1:\\d+"), line);
        return Integer.parseInt(line.substring(line.lastIndexOf(':') + 1));
    }

    /**
     * An operator's session: a password for the default user, an application user that may run but not load
     * programs, a program loaded by redis-cli from its file, still there after the process restarts.
     */
    @Test
    void usersAndLoadedProgramsAcrossARestart() throws Exception {
        Path obj = dir.resolve("bank.o");
        try (var in = StoreServeTest.class.getResourceAsStream("/dev/bypass/txnstore/bpf/bank.o")) {
            Files.write(obj, in.readAllBytes());
        }
        Path data = dir.resolve("data");
        List<String> admin = List.of("--no-auth-warning", "-a", "root-pw"), app = List.of("--no-auth-warning", "--user", "app", "--pass", "app-pw");
        for (int round = 0; round < 2; round++) {
            Process p = serve(data, "--requirepass", "root-pw", "--user", "app on >app-pw ~* +@all -@dangerous +bpf.run");
            try {
                int port = readyPort(p, "redis");
                assertEquals("NOAUTH Authentication required.", cli(port, "BPF.LIST"));
                if (round == 0) {
                    assertEquals("NOPERM User app has no permissions to run the 'bpf.load' command", cliFrom(port, obj, app, "-x", "BPF.LOAD", "bank"));
                    assertEquals("bank", cliFrom(port, obj, admin, "-x", "BPF.LOAD", "bank"));
                    assertEquals("0", cliWith(port, app, "BPF.RUN", "open_account", "1", "100"));
                } else {
                    assertEquals("100", cliWith(port, app, "BPF.RUN", "bank_total"), "the library came back from the store");
                    assertTrue(cliWith(port, admin, "BPF.LIST").contains("origin\nstore"));
                }
                assertEquals("NOPERM User app has no permissions to run the 'flushdb' command", cliWith(port, app, "FLUSHDB"));
            } finally {
                p.destroy();
                p.waitFor();
            }
        }
    }

    static String cliWith(int port, List<String> options, String... args) throws Exception { return cliFrom(port, null, options, args); }

    /** redis-cli with options, its standard input from {@code input} when not null. */
    static String cliFrom(int port, Path input, List<String> options, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("redis-cli", "-p", String.valueOf(port)));
        cmd.addAll(options);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (input != null) pb.redirectInput(input.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return out;
    }

    @Test
    void tlsFromCertificateFiles() throws Exception {
        Process gen = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.crt", "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1").directory(dir.toFile()).redirectErrorStream(true).start();
        String log = new String(gen.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, gen.waitFor(), log);
        Process p = serve(dir.resolve("data"), "--tls-cert", dir.resolve("server.crt").toString(), "--tls-key", dir.resolve("server.key").toString());
        try {
            int port = readyPort(p, "rediss");
            List<String> tls = List.of("--tls", "--cacert", dir.resolve("server.crt").toString());
            assertEquals("OK", cliWith(port, tls, "SET", "k", "secret"));
            assertEquals("secret", cliWith(port, tls, "GET", "k"));
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    @Test
    void badAccessOptionsAreOneLineErrors() {
        for (String[] bad : new String[][] {
                {"error: TLS needs both --tls-cert and --tls-key\n", "--tls-cert", "x.crt"},
                {"error: --tls-ca-cert needs --tls-cert and --tls-key\n", "--tls-ca-cert", "ca.crt"},
                {"error: --protected-mode must be yes or no, not maybe\n", "--protected-mode", "maybe"},
                {"error: TLS file " + dir.resolve("none.crt") + " does not exist or cannot be read\n", "--tls-cert", dir.resolve("none.crt").toString(), "--tls-key", "k"},
                {"error: user directive line 1: Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL\n", "--user", "app on +nosuch"}}) {
            List<String> args = new java.util.ArrayList<>(List.of("store", "serve", "--in-memory", "--port", "0"));
            args.addAll(List.of(bad).subList(1, bad.length));
            CliTest.Result r = CliTest.run("", args.toArray(String[]::new));
            assertEquals(2, r.code(), r.err());
            assertEquals(bad[0], r.err());
        }
    }

    @Test
    void badOptionsAreOneLineErrors() {
        CliTest.Result r = CliTest.run("", "store", "serve", "--sync", "sometimes", "--dir", dir.toString());
        assertEquals(2, r.code());
        assertEquals("error: --sync must be always, interval or never, not sometimes\n", r.err());
    }
}
