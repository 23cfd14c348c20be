package dev.bypass.cli;

import dev.bypass.vm.verification.ProgramVerifier;
import dev.bypass.vm.verification.VerificationException;
import dev.bypass.programs.Verifiers;
import dev.bypass.cli.demo.ProxyDemo;
import dev.bypass.observability.metrics.ScrapeEndpoint;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import picocli.CommandLine.*;

@Command(name = "demo", description = {"The main job: an embedded PostgreSQL behind the pooling proxy, with a query program at its hook.",
        "Prints the proxy's URL as its first line once it accepts connections, then how to connect.",
        "Runs until interrupted (Ctrl-C) or for --seconds; with --workload and no --seconds it stops when the workload is done.",
        "Subcommands: telemetry (per-query telemetry of a JDBC application), acl (file access control)."},
        subcommands = {DemoCommand.Telemetry.class, DemoCommand.Acl.class})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "6432", description = "proxy port (default: ${DEFAULT-VALUE}; 0 picks a free one)")
    int port;

    @Option(names = "--metrics-port", defaultValue = "9187", description = "Prometheus endpoint port (default: ${DEFAULT-VALUE}; 0 picks a free one)")
    int metricsPort;

    @Option(names = "--seconds", description = "stop after this many seconds (default: run until interrupted)")
    Integer seconds;

    @Option(names = "--workload", description = "run a short sample workload through the proxy, print what the program counted, "
            + "then stop (unless --seconds is given)")
    boolean workload;

    @Spec Model.CommandSpec spec;

    @Override public Integer call() throws Exception {
        ProgramVerifier verifier;
        try {
            verifier = Verifiers.standard();
        } catch (VerificationException e) {
            // No static verifier in this build: say so plainly rather than pretend.
            spec.commandLine().getErr().println("warning: " + e.getMessage() + "; the demo runs its bundled program unverified");
            verifier = ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY;
        }
        if (seconds != null && seconds < 0) throw new CliException("--seconds must not be negative", 2);
        var out = spec.commandLine().getOut();
        // Both ports are checked before PostgreSQL's start-up, which takes seconds.
        ScrapeEndpoint metrics = Listening.on(HOST, metricsPort, "--metrics-port", () -> new ScrapeEndpoint(HOST, metricsPort));
        try {
            Listening.probe(HOST, port, "--port");
        } catch (Exception e) {
            metrics.close();
            throw e;
        }
        ProgramVerifier v = verifier;
        ProxyDemo demo = Listening.on(HOST, port, "--port", () -> ProxyDemo.start(port, metrics, v));
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            demo.close();
            stop.countDown();
        }, "bypass-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println(demo.url());
        demo.printGuide(out);
        boolean stopAfterWorkload = workload && seconds == null;
        out.println("stop:     " + (stopAfterWorkload ? "when the workload is done (--seconds N keeps the demo running for N seconds)"
                : seconds != null ? "after " + seconds + " s, or Ctrl-C" : "Ctrl-C"));
        out.flush();
        if (workload) runWorkload(demo, out);
        if (seconds != null || stopAfterWorkload) {
            if (seconds != null) Thread.sleep(seconds * 1000L);
            Runtime.getRuntime().removeShutdownHook(hook);
            demo.close();
            out.println("demo stopped" + (stopAfterWorkload ? ": the workload is done" : " after " + seconds + " s"));
            out.flush();
            return 0;
        }
        stop.await();
        return 0;
    }

    private static final String HOST = "127.0.0.1";

    private static void runWorkload(ProxyDemo demo, java.io.PrintWriter out) throws Exception {
        String base = "jdbc:postgresql://127.0.0.1:" + demo.proxyPort() + "/" + ProxyDemo.DATABASE;
        try (Connection c = DriverManager.getConnection(base + "?user=app"); Statement s = c.createStatement()) {
            for (int i = 1; i <= 200; i++) {
                s.executeQuery("SELECT balance FROM accounts WHERE id = " + i).close();
                if (i % 10 == 0) s.executeUpdate("UPDATE accounts SET balance = balance + 1 WHERE id = " + i);
            }
        }
        String denied;
        try (Connection c = DriverManager.getConnection(base + "?user=analyst"); Statement s = c.createStatement()) {
            s.executeQuery("SELECT count(*) FROM accounts").close();
            try {
                s.executeUpdate("DELETE FROM accounts");
                denied = "not denied";
            } catch (java.sql.SQLException e) {
                denied = e.getMessage();
            }
        }
        out.println("workload: 200 selects and 20 updates as app; analyst's DELETE -> " + denied);
        out.println("counted by query_guard per statement class: " + demo.hook().classCounts());
        for (var q : demo.hook().topQueries(3)) out.println("  " + q.count() + "  " + q.text());
        out.flush();
    }

    @Command(name = "telemetry", description = {"Query telemetry: statistics and training data of a JDBC application, read from maps.",
            "Starts an embedded PostgreSQL and a pgbench-like JDBC load with the agent's query_telemetry programs attached to "
                    + "pgjdbc; prints the top queries and their latency percentiles read from the maps, and writes per-query "
                    + "feature records (training data)."})
    static final class Telemetry implements Callable<Integer> {
        @Option(names = "--seconds", defaultValue = "10", description = "workload duration (default: ${DEFAULT-VALUE})") int seconds;

        @Option(names = "--clients", defaultValue = "4", description = "JDBC client threads (default: ${DEFAULT-VALUE})") int clients;

        @Option(names = "--out", paramLabel = "FILE", description = "training data file (default: a new "
                + "bypass-telemetry-DATE-TIME.jsonl or .csv in the temporary directory, ${sys:java.io.tmpdir})")
        java.nio.file.Path out;

        @Option(names = "--format", defaultValue = "jsonl", description = "jsonl or csv (default: ${DEFAULT-VALUE})") String format;

        @Option(names = "--metrics-port", description = "also serve the maps for Prometheus on this port (0 picks one)") Integer metricsPort;

        @Option(names = "--engine", defaultValue = "jit", description = "interpreter, jit or auto (default: ${DEFAULT-VALUE})") String engine;

        @Spec Model.CommandSpec spec;

        @Override public Integer call() throws Exception {
            if (!format.equals("jsonl") && !format.equals("csv")) throw new CliException("--format must be jsonl or csv", 2);
            if (seconds < 1 || clients < 1) throw new CliException("--seconds and --clients must be positive", 2);
            if (metricsPort != null) Listening.probe(HOST, metricsPort, "--metrics-port");
            Path features = out != null ? out : defaultOut(format);
            dev.bypass.cli.demo.TelemetryDemo.run(spec.commandLine().getOut(), seconds, clients, features, format, metricsPort, engine);
            return 0;
        }

        /** A new file in the temporary directory: the records never land in the working directory (a checkout). */
        static Path defaultOut(String format) {
            String time = java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            return Path.of(System.getProperty("java.io.tmpdir"), "bypass-telemetry-" + time + "." + format);
        }
    }

    @Command(name = "acl", description = {"Access control: the bundled acl_filter program deciding the file opens of an application.",
            "Attached to file opening (java.io and NIO) in an ordinary file-reading application; prints allowed and denied "
                    + "opens before and after a live ACL update."})
    static final class Acl implements Callable<Integer> {
        @Option(names = "--rounds", defaultValue = "50", description = "passes over the files per phase (default: ${DEFAULT-VALUE})") int rounds;

        @Spec Model.CommandSpec spec;

        @Override public Integer call() throws Exception {
            if (rounds < 1) throw new CliException("--rounds must be positive", 2);
            dev.bypass.cli.demo.AclDemo.run(spec.commandLine().getOut(), rounds);
            return 0;
        }
    }
}
