package dev.bypass.observability.metrics;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Prometheus scrape endpoint ({@code GET /metrics}, text format 0.0.4) for the maps of loaded objects: each scrape
 * first refreshes the bound {@link MapMeterBinder}s (new keys, histogram deltas), then renders the registry.
 * Read-only: any other method gets 405 and any other path 404. Hosts bind it to loopback unless told otherwise.
 */
public final class ScrapeEndpoint implements AutoCloseable {
    private final PrometheusMeterRegistry registry;
    private final List<MapMeterBinder> binders = new CopyOnWriteArrayList<>();
    private final HttpServer http;

    public ScrapeEndpoint(String host, int port) throws IOException { this(host, port, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)); }

    public ScrapeEndpoint(String host, int port, PrometheusMeterRegistry registry) throws IOException {
        this.registry = registry;
        this.http = serve(host, port, this::scrape);
    }

    /**
     * Serves {@code GET /metrics} (text format 0.0.4) from {@code scrape} on threads that do not keep the JVM alive;
     * a failing scrape answers 500 with its reason, another method 405, another path 404. For hosts that assemble
     * the text themselves.
     */
    public static HttpServer serve(String host, int port, java.util.concurrent.Callable<String> scrape) throws IOException {
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (java.net.BindException e) {
            throw new IOException("cannot serve metrics on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        http.createContext("/", ex -> {
            byte[] body;
            int status = 200;
            String method = ex.getRequestMethod();
            if (!"/metrics".equals(ex.getRequestURI().getPath())) {
                status = 404;
                body = ("no such path " + ex.getRequestURI().getRawPath() + " (the metrics are at /metrics)\n").getBytes(StandardCharsets.UTF_8);
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                status = 405;
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                body = ("method " + method + ": the metrics endpoint is read-only (GET)\n").getBytes(StandardCharsets.UTF_8);
            } else {
                try {
                    body = scrape.call().getBytes(StandardCharsets.UTF_8);
                } catch (Exception e) {
                    status = 500;
                    body = ("scrape failed: " + (e.getMessage() != null ? e.getMessage() : e) + "\n").getBytes(StandardCharsets.UTF_8);
                }
            }
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            boolean head = method.equals("HEAD");
            ex.sendResponseHeaders(status, head ? -1 : body.length);
            try (OutputStream out = ex.getResponseBody()) {
                if (!head) out.write(body);
            }
        });
        DaemonStart.start(http);
        return http;
    }

    /** Binds a binder to this endpoint's registry; it is refreshed before every scrape. */
    public void bind(MapMeterBinder binder) {
        binder.bindTo(registry);
        binders.add(binder);
    }

    /** The scrape text, as {@code GET /metrics} returns it. */
    public String scrape() {
        for (MapMeterBinder b : binders) b.refresh();
        return registry.scrape();
    }

    public PrometheusMeterRegistry registry() { return registry; }

    public int port() { return http.getAddress().getPort(); }

    /** The address it listens on. */
    public InetSocketAddress address() { return http.getAddress(); }

    @Override public void close() { http.stop(0); }
}
