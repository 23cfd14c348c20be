package dev.bypass.examples;

import dev.bypass.observability.metrics.MapMeterBinder;
import dev.bypass.observability.metrics.ScrapeEndpoint;
import dev.bypass.programs.Hook;
import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.ProgramRuntime;
import dev.bypass.vm.verification.ProgramType;
import dev.bypass.programs.ProgramTypes;
import dev.bypass.programs.Verifiers;
import dev.bypass.vm.ctx.ContextField;
import dev.bypass.vm.ctx.ContextLayout;
import io.micrometer.core.instrument.Tags;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Attaches a program to a hook of a host application and exports its maps to Prometheus.
 *
 * <p>The host declares what its programs see: a program type (the section {@code example/request} and the layout of
 * {@code struct request_ctx}, which the verifier holds programs to: reading past it or writing a read-only field
 * is refused at load) and a hook of that type, which it fires after each request it serves. {@code request_stats.c}
 * counts the requests per status and their latency into two maps; a {@link MapMeterBinder} turns those maps into
 * meters (a counter per status, a distribution summary for the log2 histogram), and a {@link ScrapeEndpoint} serves
 * them at {@code /metrics} for Prometheus: {@code example_request_stats_requests_total{key="200"}},
 * {@code example_request_stats_latency_hist_bucket{le="..."}}. Programs can be attached and detached while the
 * host fires the hook; with none attached, firing costs one volatile read.
 *
 * <p>Usage: {@code HookMetrics [PORT]} (default 9400; 0 picks a free port). Serves a stream of simulated requests,
 * prints the scrape address, and stops at the end of standard input (Enter or Ctrl-D).
 */
public final class HookMetrics implements AutoCloseable {
    /** The context the host fills for each request: what {@code struct request_ctx} declares in the C source. */
    static final ProgramType REQUEST = new ProgramType("request", "example/request", ContextLayout.of("request_ctx", 16,
            ContextField.readOnly("status", 0, 4), ContextField.readOnly("reserved", 4, 4), ContextField.readOnly("latency_ns", 8, 8)));

    /** A request the host served. */
    record Request(int status, long latencyNanos) {}

    private final ProgramRuntime runtime;
    private final Hook<Request> requestDone;
    private final ScrapeEndpoint endpoint;

    /** Declares the hook, attaches {@code request_stats} to it and serves its maps on the port. */
    public HookMetrics(int port) throws IOException {
        runtime = ProgramRuntime.builder().verifier(Verifiers.standard()).types(new ProgramTypes().register(REQUEST)).build();
        // The codec turns the host's object into the context bytes programs read.
        requestDone = runtime.declareHook("request.done", REQUEST, r -> ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(0, r.status()).putLong(8, r.latencyNanos()).array());
        LoadedObject stats = runtime.load("request_stats", ExampleObjects.read("request_stats.o"));
        requestDone.attach(stats.program("record_request"));
        endpoint = new ScrapeEndpoint("127.0.0.1", port);
        endpoint.bind(new MapMeterBinder(stats, "example", 100, Tags.of("service", "checkout")));
    }

    /** What the host application does after serving a request: fire the hook (programs run on this thread). */
    public void served(Request request) { requestDone.fire(request); }

    /** Simulated traffic: mostly 200s, some 404s and 500s, latencies from 50 microseconds to 50 milliseconds. */
    public void simulate(int requests, long seed) {
        Random random = new Random(seed);
        for (int i = 0; i < requests; i++) {
            int status = i % 10 == 9 ? 404 : i % 25 == 24 ? 500 : 200;
            served(new Request(status, 50_000L << random.nextInt(11)));
        }
    }

    /** The scrape address, {@code http://127.0.0.1:PORT/metrics}. */
    public String url() { return "http://127.0.0.1:" + endpoint.port() + "/metrics"; }

    @Override public void close() {
        endpoint.close();
        runtime.close(); // detaches the program and frees its maps
    }

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 9400;
        try (HookMetrics app = new HookMetrics(port)) {
            app.simulate(1000, 1);
            System.out.println("served 1000 requests; metrics at " + app.url());
            System.out.println("press Enter to stop");
            System.in.read(); // a line, or the end of input
        }
    }
}
