package dev.bypass.cli;

import dev.bypass.programs.ProgramVerifier;
import dev.bypass.programs.VerificationException;
import dev.bypass.programs.Verifiers;
import dev.bypass.proxy.demo.Demo;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import picocli.CommandLine.*;

@Command(name = "demo", description = {"The main job: an embedded PostgreSQL, the pooling proxy in front of it and a",
        "query program at its hook. Prints the proxy's URL as its first line once it accepts connections.",
        "Subcommands: telemetry (per-query telemetry of a JDBC application), acl (file access control)."},
        subcommands = {DemoCommand.Telemetry.class, DemoCommand.Acl.class})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "6432", description = "proxy port (default: ${DEFAULT-VALUE}; 0 picks a free one)")
    int port;

    @Option(names = "--metrics-port", defaultValue = "9187", description = "Prometheus endpoint port (default: ${DEFAULT-VALUE}; 0 picks a free one)")
    int metricsPort;

    @Option(names = "--seconds", description = "stop after this many seconds (default: run until interrupted)")
    Integer seconds;

    @Option(names = "--workload", description = "run a short sample workload through the proxy and print what the program counted")
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
        var out = spec.commandLine().getOut();
        Demo demo = Demo.start(port, metricsPort, verifier);
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            demo.close();
            stop.countDown();
        }, "bypass-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println(demo.url());
        demo.printGuide(out);
        if (workload) runWorkload(demo, out);
        if (seconds != null) {
            Thread.sleep(seconds * 1000L);
            Runtime.getRuntime().removeShutdownHook(hook);
            demo.close();
            return 0;
        }
        stop.await();
        return 0;
    }

    private static void runWorkload(Demo demo, java.io.PrintWriter out) throws Exception {
        String base = "jdbc:postgresql://127.0.0.1:" + demo.proxyPort() + "/" + Demo.DATABASE;
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

    @Command(name = "telemetry", description = {"Query telemetry: an embedded PostgreSQL and a pgbench-like JDBC load, with the agent's",
            "query_telemetry programs attached to pgjdbc; prints the top queries and their latency percentiles",
            "read from the maps, and writes per-query feature records (training data)."})
    static final class Telemetry implements Callable<Integer> {
        @Option(names = "--seconds", defaultValue = "10", description = "workload duration (default: ${DEFAULT-VALUE})") int seconds;

        @Option(names = "--clients", defaultValue = "4", description = "JDBC client threads (default: ${DEFAULT-VALUE})") int clients;

        @Option(names = "--out", defaultValue = "bypass-telemetry.jsonl", description = "training data file (default: ${DEFAULT-VALUE})")
        java.nio.file.Path out;

        @Option(names = "--format", defaultValue = "jsonl", description = "jsonl or csv (default: ${DEFAULT-VALUE})") String format;

        @Option(names = "--metrics-port", description = "also serve the maps for Prometheus on this port (0 picks one)") Integer metricsPort;

        @Option(names = "--engine", defaultValue = "jit", description = "interpreter, jit or auto (default: ${DEFAULT-VALUE})") String engine;

        @Spec Model.CommandSpec spec;

        @Override public Integer call() throws Exception {
            if (!format.equals("jsonl") && !format.equals("csv")) throw new CliException("--format must be jsonl or csv", 2);
            if (seconds < 1 || clients < 1) throw new CliException("--seconds and --clients must be positive", 2);
            dev.bypass.cli.demo.TelemetryDemo.run(spec.commandLine().getOut(), seconds, clients, out, format, metricsPort, engine);
            return 0;
        }
    }

    @Command(name = "acl", description = {"Access control: the bundled acl_filter program attached to file opening in an",
            "ordinary file-reading application; prints allowed and denied opens before and after a live ACL update."})
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
