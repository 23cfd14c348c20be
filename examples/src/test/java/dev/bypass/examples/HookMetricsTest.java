package dev.bypass.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HookMetricsTest {
    @TempDir Path dir;

    static String scrape(String url) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            return r.body();
        }
    }

    /** The value of the sample with exactly this name and these labels in a Prometheus text scrape. */
    static double sample(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertTrue(m.find(), series + " in:\n" + scrape);
        return Double.parseDouble(m.group(1));
    }

    @Test void theProgramsMapsReachPrometheus() throws Exception {
        Examples.build(dir, "request_stats");
        System.setProperty(ExampleObjects.DIRECTORY_PROPERTY, dir.toString());
        try (HookMetrics app = new HookMetrics(0)) {
            app.simulate(1000, 1);
            String text = scrape(app.url());
            // 1000 requests: every tenth a 404, every 25th of the others a 500 (20), the rest 200
            assertEquals(880, sample(text, "example_request_stats_requests_total{key=\"200\",service=\"checkout\"}"));
            assertEquals(100, sample(text, "example_request_stats_requests_total{key=\"404\",service=\"checkout\"}"));
            assertEquals(20, sample(text, "example_request_stats_requests_total{key=\"500\",service=\"checkout\"}"));
            assertEquals(1000, sample(text, "example_request_stats_latency_hist_count{service=\"checkout\"}"));
            // latencies are 50 us << 0..10: from bucket 5 ([32, 64) us) to bucket 15; none below 32 us
            assertEquals(0, sample(text, "example_request_stats_latency_hist_bucket{service=\"checkout\",le=\"31.0\"}"));

            // the hook keeps counting while it is scraped: new requests show in the next scrape
            app.served(new HookMetrics.Request(503, 1_000_000));
            assertEquals(1, sample(scrape(app.url()), "example_request_stats_requests_total{key=\"503\",service=\"checkout\"}"));
        } finally {
            System.clearProperty(ExampleObjects.DIRECTORY_PROPERTY);
        }
    }

    @Test void mainServesUntilItsInputEnds() throws Exception {
        Examples.build(dir, "request_stats");
        String out = Examples.run(dir, HookMetrics::main, "0");
        assertTrue(out.matches("(?s)served 1000 requests; metrics at http://127\\.0\\.0\\.1:\\d+/metrics\n.*"), out);
    }
}
