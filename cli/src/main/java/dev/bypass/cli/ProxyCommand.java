package dev.bypass.cli;

import dev.bypass.programs.Verifiers;
import dev.bypass.proxy.demo.MetricsEndpoint;
import dev.bypass.proxy.hooks.ProgramQueryHook;
import dev.bypass.proxy.server.ProxyConfig;
import dev.bypass.proxy.server.ProxyConfigFile;
import dev.bypass.proxy.server.ProxyServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.*;

@Command(name = "proxy", description = {"Runs the PostgreSQL pooling proxy from a PgBouncer-style configuration file.",
        "The file has [databases] and [bypass] sections (see the README); the bundled query_guard program runs at the query hook.",
        "The admin console is the virtual database 'bypass' (SHOW POOLS, RELOAD, PAUSE, RESUME).",
        "Prints the listening address as its first line."})
final class ProxyCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "configuration file") Path config;

    @Option(names = "--metrics-port", description = "serve Prometheus metrics on this port (0 picks one)") Integer metricsPort;

    @Option(names = "--check", description = "validate the configuration and exit") boolean check;

    @Spec Model.CommandSpec spec;

    @Override public Integer call() throws Exception {
        ProxyConfig cfg;
        try {
            cfg = ProxyConfigFile.read(config);
        } catch (ProxyConfigFile.ConfigException e) {
            throw new CliException(e.getMessage(), 2);
        }
        var out = spec.commandLine().getOut();
        if (check) {
            out.println(config + ": ok (" + cfg.poolMode().name().toLowerCase(java.util.Locale.ROOT) + " pooling to "
                    + cfg.backendHost() + ":" + cfg.backendPort() + ", " + cfg.users().size() + " users)");
            return 0;
        }
        int mport = metricsPort == null ? 0 : metricsPort;
        MetricsEndpoint metrics = Listening.on("127.0.0.1", mport, "--metrics-port", () -> new MetricsEndpoint(mport));
        ProgramQueryHook hook = new ProgramQueryHook(Verifiers.standard());
        hook.bindTo(metrics.registry());
        ProxyServer proxy;
        try {
            proxy = Listening.on(cfg.listenHost(), cfg.port(), "listen_port in " + config,
                    () -> new ProxyServer(cfg, hook, metrics.registry()).configFile(config.toAbsolutePath()).start());
        } catch (IllegalArgumentException e) {
            metrics.close();
            hook.close();
            throw new CliException(e.getMessage(), 2);
        } catch (Exception e) {
            metrics.close();
            hook.close();
            throw e;
        }
        out.println("postgres://" + cfg.listenHost() + ":" + proxy.port());
        if (metricsPort != null) out.println("metrics: http://127.0.0.1:" + metrics.port() + "/metrics");
        out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.close();
            hook.close();
            metrics.close();
            stop.countDown();
        }, "bypass-proxy-shutdown"));
        stop.await();
        return 0;
    }
}
