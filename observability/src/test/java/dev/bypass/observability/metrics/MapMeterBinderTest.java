package dev.bypass.observability.metrics;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.BundledPrograms;
import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.LoadedProgram;
import dev.bypass.programs.ProgramRuntime;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Maps of real programs exposed as Micrometer meters, checked by parsing the Prometheus scrape. */
class MapMeterBinderTest {
    private static byte[] u64(long v) { return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array(); }

    @Test void counterMapsBecomeCountersTaggedByKeyAndHistogramsBecomeSummaries() throws Exception {
        try (ProgramRuntime rt = ProgramRuntime.builder().types(BundledPrograms.types()).build();
             ScrapeEndpoint endpoint = new ScrapeEndpoint("127.0.0.1", 0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
            LoadedObject counter = rt.load("counter", BundledPrograms.object("counter"));
            LoadedObject hist = rt.load("latency_hist", BundledPrograms.object("latency_hist"));
            endpoint.bind(new MapMeterBinder(counter));
            endpoint.bind(new MapMeterBinder(hist));
            LoadedProgram count = counter.program("count_event"), record = hist.program("record_latency");
            Random rnd = new Random(7);
            long[] perKey = new long[5];
            long[] buckets = new long[64];
            for (int i = 0; i < 500; i++) {
                int k = rnd.nextInt(5);
                perKey[k]++;
                count.run(u64(k));
                long ns = 1L << rnd.nextInt(20) | rnd.nextInt(3);
                buckets[63 - Long.numberOfLeadingZeros(ns)]++;
                record.run(u64(ns));
            }
            // over HTTP, as Prometheus would scrape it, then more events and a second scrape
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            PrometheusText p = PrometheusText.parse(r.body());
            for (int k = 0; k < 5; k++) assertEquals(perKey[k], p.value("bypass_counter_counts_total", Map.of("key", Integer.toString(k))), "key " + k);
            assertEquals("counter", p.types().getOrDefault("bypass_counter_counts", p.types().get("bypass_counter_counts_total")), p.types().toString());
            assertEquals(5, p.value("bypass_map_entries", Map.of("object", "counter", "map", "counts")));
            assertEquals(500, p.value("bypass_latency_hist_hist_count", Map.of()));
            long cumulative = 0;
            for (int b = 0; b < 21; b++) {
                cumulative += buckets[b];
                String le = String.format("%.1f", (double) ((1L << (b + 1)) - 1));
                assertEquals(cumulative, p.value("bypass_latency_hist_hist_bucket", Map.of("le", le)), "le " + le);
            }
            for (int i = 0; i < 50; i++) {
                count.run(u64(9));
                record.run(u64(3));
            }
            PrometheusText again = PrometheusText.parse(endpoint.scrape());
            assertEquals(50, again.value("bypass_counter_counts_total", Map.of("key", "9")), "a key that appeared after binding");
            assertEquals(550, again.value("bypass_latency_hist_hist_count", Map.of()));
        }
    }
}
