package dev.bypass.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The observability demos and the agent as users run them: {@code ./bypass demo telemetry} and
 * {@code ./bypass demo acl}, {@code -javaagent:bypass-agent.jar} at startup, and {@code ./bypass attach} to a
 * running JVM, each in its own process.
 */
class ObservabilityDemosTest {
    @TempDir Path dir;

    static String run(List<String> command, int timeoutSeconds) throws Exception { return run(command, timeoutSeconds, null); }

    static String run(List<String> command, int timeoutSeconds, Path state) throws Exception { return run(command, timeoutSeconds, state, 0); }

    static String run(List<String> command, int timeoutSeconds, Path state, int exitStatus) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(LauncherTest.ROOT.toFile()).redirectErrorStream(true);
        if (state != null) pb.environment().put("BYPASS_STATE", state.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = outputWithin(p, timeoutSeconds);
        assertEquals(exitStatus, p.exitValue(), out);
        return out;
    }

    /** The standard output of a process that must end by itself within the time given (else it is killed). */
    static String outputWithin(Process p, int timeoutSeconds) throws Exception {
        var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("did not finish within " + timeoutSeconds + " s: " + out.get(10, TimeUnit.SECONDS));
        }
        return out.get(30, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void telemetryDemoPrintsTopQueriesFromTheMapsAndWritesTrainingData() throws Exception {
        // no --out: the records go to a new file in the temporary directory, never into the checkout (the working directory)
        String out = run(List.of(LauncherTest.ROOT.resolve("bypass").toString(), "demo", "telemetry", "--seconds", "3", "--format", "csv"), 200);
        Matcher written = Pattern.compile("training data: (\\d+) records in (\\S+) \\(csv\\)").matcher(out);
        assertTrue(written.find(), out);
        Path features = Path.of(written.group(2));
        try {
            assertEquals(Path.of(System.getProperty("java.io.tmpdir")).toRealPath(), features.getParent().toRealPath(), out);
            assertFalse(features.startsWith(LauncherTest.ROOT), out);
            checkTelemetry(out, Files.readAllLines(features));
        } finally {
            Files.deleteIfExists(features);
        }
    }

    private static void checkTelemetry(String out, List<String> lines) {
        Matcher m = Pattern.compile("(\\d+) transactions .*the programs saw (\\d+) statements, (\\d+) distinct").matcher(out);
        assertTrue(m.find(), out);
        long tx = Long.parseLong(m.group(1)), statements = Long.parseLong(m.group(2));
        assertTrue(tx > 100, out);
        assertTrue(statements >= 6 * tx, "six statements per transaction at least: " + out);
        Matcher row = Pattern.compile("(?m)^(\\d+)\\s+(\\d+)\\s+([\\d.]+)\\s+([\\d.]+)\\s+([\\d.]+)\\s+([\\d.]+)\\s+(UPDATE accounts SET abalance = abalance \\+ \\? WHERE aid = \\?)$").matcher(out);
        assertTrue(row.find(), out);
        assertEquals(tx, Long.parseLong(row.group(1)), "one account update per transaction");
        assertEquals(tx, Long.parseLong(row.group(2)), "each updates one row");
        double p50 = Double.parseDouble(row.group(3)), p95 = Double.parseDouble(row.group(4)), p99 = Double.parseDouble(row.group(5));
        assertTrue(p50 > 0 && p50 <= p95 && p95 <= p99, out);
        assertTrue(out.contains("SELECT bid, sum(abalance) FROM accounts WHERE aid <= ? GROUP BY bid"), "literals normalised: " + out);
        assertEquals("fingerprint,latency_ns,rows,thread_id", lines.get(0));
        assertEquals(statements, lines.size() - 1, "one training record per statement");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aclDemoDeniesByTheTableAndFollowsTheLiveUpdate() throws Exception {
        String out = run(List.of(LauncherTest.ROOT.resolve("bypass").toString(), "demo", "acl", "--rounds", "10"), 100);
        // per round: readme, payroll, audit, notes read + notes append; audit.log is always denied
        // what the program decided during each phase adds up to what the application saw
        assertTrue(out.contains("before the update: 40 opens allowed, 10 denied (last: "), out);
        assertTrue(out.contains(" denied (last: "), out);
        assertTrue(out.contains("\n  acl_filter decided: 30 allowed by a rule, 10 without a rule (allowed), 10 denied\n"), out);
        assertTrue(out.contains("after the update:  30 opens allowed, 20 denied\n  acl_filter decided: 20 allowed by a rule, 10 without a rule (allowed), 20 denied\n"), out);
        assertTrue(Pattern.compile("payroll.csv: denied -> AccessDeniedException: \\S+payroll.csv: denied by bypass program check_open for user 1000").matcher(out).find(), out);
        Matcher m = Pattern.compile("decisions counted by the program: (\\d+) allowed, (\\d+) denied, (\\d+) without a rule = (\\d+) opens: "
                + "the application's 101 \\(70 allowed, 31 denied\\) and (\\d+) other opens of this JVM").matcher(out);
        assertTrue(m.find(), out);
        long allowed = Long.parseLong(m.group(1)), denied = Long.parseLong(m.group(2)), noRule = Long.parseLong(m.group(3));
        assertEquals(31, denied, "10 + 20 denied opens and the final check: " + out);
        assertEquals(allowed + denied + noRule, Long.parseLong(m.group(4)), out);
        assertEquals(allowed + denied + noRule, 101 + Long.parseLong(m.group(5)), out);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void observeServesTheKeptMapsInPrometheusFormat() throws Exception {
        String bypass = LauncherTest.ROOT.resolve("bypass").toString();
        Path state = dir.resolve("state");
        Path bpf = LauncherTest.ROOT.resolve("programs/src/main/resources/dev/bypass/programs/bpf");
        run(List.of(bypass, "prog", "load", bpf.resolve("counter.o").toString()), 60, state);
        run(List.of(bypass, "prog", "run", "counter/count_event", "--ctx", "0700000000000000", "--repeat", "5"), 60, state);
        run(List.of(bypass, "prog", "run", "counter/count_event", "--ctx", "2a00000000000000", "--repeat", "2"), 60, state);
        ProcessBuilder serve = new ProcessBuilder(bypass, "observe", "--port", "0", "--seconds", "60").directory(LauncherTest.ROOT.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        serve.environment().put("BYPASS_STATE", state.toString());
        Process p = serve.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String url = out.readLine();
            assertTrue(url != null && url.matches("http://127\\.0\\.0\\.1:\\d+/metrics"), url);
            String served = new String(java.net.URI.create(url).toURL().openStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(served.contains("bypass_counter_counts_total{key=\"7\"} 5.0"), served);
        } finally {
            p.destroy();
        }
        String scrape = run(List.of(bypass, "observe", "--once"), 60, state);
        assertTrue(scrape.contains("# TYPE bypass_counter_counts_total counter") || scrape.contains("# TYPE bypass_counter_counts counter"), scrape);
        assertTrue(scrape.contains("bypass_counter_counts_total{key=\"7\"} 5.0"), scrape);
        assertTrue(scrape.contains("bypass_counter_counts_total{key=\"42\"} 2.0"), scrape);
        assertTrue(scrape.contains("bypass_map_entries{map=\"counts\",object=\"counter\"} 2.0"), scrape);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aclCommandChangesTheTableOfAnotherJvmLive() throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path secret = Files.writeString(dir.resolve("secret.txt"), "12345");
        Path conf = Files.writeString(dir.resolve("acl.conf"), "object acl bundled:acl_filter\nfile-open acl:check_open user=1000\nadmin " + port + "\n");
        Path agent = LauncherTest.ROOT.resolve("observability/target/bypass-agent.jar");
        Path stderr = dir.resolve("app.stderr");
        Process app = new ProcessBuilder(java(), "-javaagent:" + agent + "=config=" + conf, "-cp", testClasses(), "dev.bypass.tests.apps.FileReaderApp")
                .redirectError(stderr.toFile()).start();
        try {
            java.util.function.Supplier<String> out = appLines(app);
            PrintWriter in = new PrintWriter(app.getOutputStream(), true);
            assertEquals("ready", out.get());
            in.println(secret);
            assertEquals("read 5 bytes", out.get(), "no rule yet");
            String bypass = LauncherTest.ROOT.resolve("bypass").toString(), at = "127.0.0.1:" + port;
            // the commands find the token the agent wrote for its port (readable by this user only) and send it
            assertEquals("ok", run(List.of(bypass, "acl", "protect", secret.toString(), "--owner", "0", "--agent", at), 60).strip());
            in.println(secret);
            assertEquals("denied: " + secret + ": denied by bypass program check_open for user 1000", out.get());
            // without the right token: refused, nothing changes
            Path wrong = Files.writeString(dir.resolve("wrong.token"), "0".repeat(64));
            String refused = run(List.of(bypass, "acl", "grant", secret.toString(), "--user", "1000", "--rights", "r", "--agent", at,
                    "--token-file", wrong.toString()), 60, null, 1);
            assertTrue(refused.contains("refused POST /acl/acl/grant (401): wrong token"), refused);
            String mapRefused = run(List.of(bypass, "map", "update", "acl/by_name", "00".repeat(32), "00000000", "--agent", at,
                    "--token-file", wrong.toString()), 60, null, 1);
            assertTrue(mapRefused.contains("(401): wrong token"), mapRefused);
            in.println(secret);
            assertEquals("denied: " + secret + ": denied by bypass program check_open for user 1000", out.get(), "still protected");
            assertTrue(run(List.of(bypass, "map", "dump", "acl/by_name", "--agent", at), 60).contains("\"name\":\"by_name\""));
            assertEquals("ok", run(List.of(bypass, "acl", "grant", secret.toString(), "--user", "1000", "--rights", "r", "--agent", at), 60).strip());
            assertEquals("secret.txt: owner 0, default ---, user 1000 r--", run(List.of(bypass, "acl", "show", secret.toString(), "--agent", at), 60).strip());
            in.println(secret);
            assertEquals("read 5 bytes", out.get(), "granted live");
            String decisions = run(List.of(bypass, "acl", "decisions", "--agent", at), 60).strip();
            assertTrue(decisions.matches("\\{\"allowed\":\\d+,\"denied\":2,\"no_rule\":\\d+}"), decisions);
            in.close();
            assertTrue(app.waitFor(30, TimeUnit.SECONDS));
            // The agent logs through the JDK's logger, so an application without a logging library of its own gets
            // the admin's audit trail on its stderr (java.util.logging's console default), and no SLF4J warning.
            String err = Files.readString(stderr);
            assertFalse(err.contains("SLF4J"), err);
            assertTrue(err.contains("INFO: acl acl: grant " + secret + " by "), err);
            assertTrue(err.contains("WARNING: refused POST /acl/acl/grant from "), err);
        } finally {
            app.destroyForcibly();
        }
    }

    private Path squaresConfig() throws Exception {
        Path obj = LauncherTest.ROOT.resolve("observability/src/test/resources/bpf/method_probe.o");
        return Files.writeString(dir.resolve("squares.conf"), "object t " + obj + "\n"
                + "entry dev.bypass.tests.apps.Squares#square t:on_enter deny=java.lang.IllegalStateException\n");
    }

    /**
     * The application's output lines, less what is not the application's: the JVM's one-time note that class data
     * sharing stops at the appended boot class path (the agent's bridge) and the agent's lines naming its endpoints.
     * Anything else, such as a logging library's warning, fails the comparison with the expected line.
     */
    private static java.util.function.Supplier<String> appLines(Process app) {
        BufferedReader raw = new BufferedReader(new InputStreamReader(app.getInputStream(), StandardCharsets.UTF_8));
        return () -> {
            try {
                for (String l; (l = raw.readLine()) != null; )
                    if (!l.startsWith("OpenJDK 64-Bit Server VM warning: Sharing") && !l.startsWith("bypass agent: ")) return l;
                return null;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
    }

    private static String java() { return ProcessHandle.current().info().command().orElse("java"); }

    private static String testClasses() { return LauncherTest.ROOT.resolve("tests/target/test-classes").toString(); }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void javaagentAtStartupDeniesThroughItsProgram() throws Exception {
        Path agent = LauncherTest.ROOT.resolve("observability/target/bypass-agent.jar");
        assertTrue(Files.isRegularFile(agent), "the build makes " + agent);
        Process p = new ProcessBuilder(java(), "-javaagent:" + agent + "=config=" + squaresConfig(), "-cp", testClasses(),
                "dev.bypass.tests.apps.Squares").redirectErrorStream(true).start();
        try (PrintWriter in = new PrintWriter(p.getOutputStream(), true)) {
            in.println("12");
            in.println("13");
            in.println("14");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertTrue(out.contains("\n144\n") && out.contains("\n196\n"), out);
        assertTrue(out.contains("java.lang.IllegalStateException: call to dev.bypass.tests.apps.Squares#square denied by a bypass program"), out);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void badAgentConfigurationStopsTheApplicationWithOneLine() throws Exception {
        Path agent = LauncherTest.ROOT.resolve("observability/target/bypass-agent.jar");
        Path conf = Files.writeString(dir.resolve("bad.conf"), "object t /nonexistent/x.o\nentry A#b t:c\n");
        Process p = new ProcessBuilder(java(), "-javaagent:" + agent + "=config=" + conf, "-cp", testClasses(),
                "dev.bypass.tests.apps.Squares").redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertEquals("bypass agent: object t: no file /nonexistent/x.o", out.strip());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void attachToARunningJvmAndDetach() throws Exception {
        Process app = new ProcessBuilder(java(), "-XX:+EnableDynamicAgentLoading", "-cp", testClasses(), "dev.bypass.tests.apps.Squares")
                .redirectErrorStream(true).start();
        try {
            java.util.function.Supplier<String> out0 = appLines(app);
            record Lines(java.util.function.Supplier<String> s) { String readLine() { return s.get(); } }
            Lines out = new Lines(out0);
            PrintWriter in = new PrintWriter(app.getOutputStream(), true);
            String ready = out.readLine();
            assertTrue(ready.startsWith("ready "), ready);
            String pid = ready.substring(6);
            in.println("13");
            assertEquals("169", out.readLine(), "before attach");
            String bypass = LauncherTest.ROOT.resolve("bypass").toString();
            assertTrue(run(List.of(bypass, "attach", pid, "--config", squaresConfig().toString()), 60).contains("attached to JVM " + pid));
            in.println("13");
            assertEquals("java.lang.IllegalStateException: call to dev.bypass.tests.apps.Squares#square denied by a bypass program", out.readLine());
            in.println("3");
            assertEquals("9", out.readLine());
            assertTrue(run(List.of(bypass, "attach", pid, "--detach"), 60).contains("detached"));
            in.println("13");
            assertEquals("169", out.readLine(), "after detach");
            in.close();
            assertTrue(app.waitFor(30, TimeUnit.SECONDS));
        } finally {
            app.destroyForcibly();
        }
    }
}
