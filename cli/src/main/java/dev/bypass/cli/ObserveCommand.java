package dev.bypass.cli;

import dev.bypass.observability.metrics.MapMeterBinder;
import dev.bypass.observability.metrics.ScrapeEndpoint;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.*;

@Command(name = "observe", description = {"Serves the maps of the objects kept by bypass prog load as a Prometheus scrape endpoint.",
        "GET /metrics gives counters per key, log2 histograms and map fill for the objects of the state directory.",
        "Every scrape reads the maps afresh, so runs and updates by other bypass commands show up.",
        "Prints the endpoint URL as its first line."})
final class ObserveCommand implements Callable<Integer> {
    @Mixin StateOptions state;

    @Option(names = "--port", defaultValue = "9464", description = "port (default: ${DEFAULT-VALUE}; 0 picks a free one)")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--prefix", defaultValue = "bypass", description = "meter name prefix (default: ${DEFAULT-VALUE})")
    String prefix;

    @Option(names = "--once", description = "print one scrape to standard output and exit instead of serving")
    boolean once;

    @Option(names = "--seconds", description = "stop serving after this many seconds (default: until interrupted)")
    Integer seconds;

    @Spec Model.CommandSpec spec;

    /** One scrape: the state is opened (and locked) only while it is read. */
    String scrape() throws java.io.IOException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (StateStore s = state.open()) {
            for (StateStore.Entry e : s.entries())
                new MapMeterBinder(e.object(), prefix, 1000, io.micrometer.core.instrument.Tags.empty()).bindTo(registry);
            return registry.scrape();
        } finally {
            registry.close();
        }
    }

    @Override public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        if (once) {
            out.print(scrape());
            out.flush();
            return 0;
        }
        scrape(); // fail now, not at the first scrape, when the state cannot be read
        var server = Listening.on(host, port, "--port", () -> ScrapeEndpoint.serve(host, port, this::scrape));
        out.println("http://" + host + ":" + server.getAddress().getPort() + "/metrics");
        out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(0);
            stop.countDown();
        }));
        if (seconds != null) stop.await(seconds, java.util.concurrent.TimeUnit.SECONDS);
        else stop.await();
        server.stop(0);
        return 0;
    }
}
