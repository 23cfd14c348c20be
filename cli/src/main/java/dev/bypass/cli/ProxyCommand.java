package dev.bypass.cli;

import dev.bypass.programs.Verifiers;
import dev.bypass.observability.metrics.ScrapeEndpoint;
import dev.bypass.proxy.hooks.ProgramHooks;
import dev.bypass.proxy.hooks.ProgramQueryHook;
import dev.bypass.proxy.hooks.QueryHook;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.config.ProxyConfigFile;
import dev.bypass.proxy.server.ProxyServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.*;

@Command(name = "proxy", description = {"Runs the PostgreSQL pooling proxy from a PgBouncer 1.24 configuration file (pgbouncer.ini).",
        "Sections [databases], [pgbouncer] (or [bypass]), [users] and [peers], with every key of PgBouncer 1.24 (see the README).",
        "A [programs] section attaches programs to the hooks (query = guard.o, route = router.o:pick; see bypass gen header proxy).",
        "Without one the bundled query_guard object runs. The admin console is the virtual database pgbouncer (also bypass).",
        "Prints the listening address as its first line. SIGHUP reloads the configuration, SIGUSR1 pauses, SIGUSR2 resumes (with _JAVA_SR_SIGNUM set to another signal: the JVM suspends threads with SIGUSR2; else RESUME through the console)."})
final class ProxyCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "configuration file") Path config;

    @Option(names = "--metrics-port", description = "serve Prometheus metrics on this port (0 picks one)") Integer metricsPort;

    @Option(names = "--check", description = "validate the configuration (keys, values, files, TLS certificates) and exit") boolean check;

    @Spec Model.CommandSpec spec;

    @Override public Integer call() throws Exception {
        ProxyConfig cfg;
        try {
            cfg = ProxyConfigFile.read(config);
            if (check) {
                ProxyServer.validate(cfg);
                if (cfg.programs() != null)
                    try (ProgramHooks programs = new ProgramHooks(Verifiers.standard())) {
                        programs.apply(cfg.programs()); // loads and verifies every program the section names
                    }
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), 2);
        }
        var out = spec.commandLine().getOut();
        if (check) {
            out.println(config + ": ok (" + ProxyServer.summary(cfg) + (cfg.programs() == null ? "" : "; " + cfg.programs().size() + " program(s) verified") + ")");
            return 0;
        }
        int mport = metricsPort == null ? 0 : metricsPort;
        ScrapeEndpoint metrics = Listening.on("127.0.0.1", mport, "--metrics-port", () -> new ScrapeEndpoint("127.0.0.1", mport));
        // with a [programs] section, operators' programs run at the hooks; without one, the bundled query_guard object
        AutoCloseable hook;
        if (cfg.programs() != null) {
            ProgramHooks programs = new ProgramHooks(Verifiers.standard());
            programs.bindTo(metrics.registry());
            hook = programs;
        } else {
            ProgramQueryHook bundled = new ProgramQueryHook(Verifiers.standard());
            bundled.bindTo(metrics.registry());
            hook = bundled;
        }
        ProxyServer proxy;
        try {
            proxy = Listening.on(cfg.listenHost(), cfg.port(), "listen_port in " + config,
                    () -> new ProxyServer(cfg, (QueryHook) hook, metrics.registry()).configFile(config.toAbsolutePath()).start());
        } catch (IllegalArgumentException e) {
            metrics.close();
            hook.close();
            throw new CliException(e.getMessage(), 2);
        } catch (Exception e) {
            metrics.close();
            hook.close();
            throw e;
        }
        out.println(proxy.port() > 0 ? "postgres://" + cfg.listenHost() + ":" + proxy.port() : "unix socket " + proxy.unixSocket());
        if (metricsPort != null) out.println("metrics: http://127.0.0.1:" + metrics.port() + "/metrics");
        out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        proxy.requestShutdown(stop::countDown); // the console's SHUTDOWN
        Signals.on("HUP", proxy::reloadQuietly);
        Signals.on("USR1", proxy::pauseAll);
        // HotSpot suspends threads with SIGUSR2 (JFR's sampler sends it to each thread it samples) and passes every
        // one to a handler registered here too: RESUME would run hundreds of times a second, undoing any PAUSE. So
        // SIGUSR2 means RESUME only when the JVM was told to use another signal (_JAVA_SR_SIGNUM); else the console's.
        if (Signals.usr2Free()) Signals.on("USR2", proxy::resumeAll);
        Thread hookThread = new Thread(stop::countDown, "bypass-proxy-shutdown");
        Runtime.getRuntime().addShutdownHook(hookThread);
        stop.await();
        proxy.close();
        hook.close();
        metrics.close();
        return 0;
    }

    /** Unix signals through the JDK's sun.misc.Signal where it is available; without it they are not handled. */
    static final class Signals {
        private Signals() {}

        /** Whether SIGUSR2 is not the JVM's thread-suspend signal (12, its default on Linux). */
        static boolean usr2Free() {
            String signal = System.getenv("_JAVA_SR_SIGNUM");
            return signal != null && !signal.isBlank() && !signal.strip().equals("12");
        }

        static void on(String name, Runnable action) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> action.run());
            } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError unavailable) {
                // a platform without the signal: the console's commands do the same
            }
        }
    }
}
