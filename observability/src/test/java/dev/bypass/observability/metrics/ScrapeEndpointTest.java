package dev.bypass.observability.metrics;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.observability.agent.AgentSession;
import dev.bypass.observability.agent.BypassAgent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's scrape endpoint: loopback unless the configuration names an address, GET /metrics only. */
class ScrapeEndpointTest {
    @TempDir Path dir;
    final HttpClient http = HttpClient.newHttpClient();

    @AfterEach void detach() { BypassAgent.detach(); }

    HttpResponse<String> send(String method, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test void readOnlyOnLoopbackByDefault() throws Exception {
        AgentSession s = BypassAgent.attachSelf(Files.writeString(dir.resolve("m.conf"), "object c bundled:counter\nmetrics 0\n"));
        assertTrue(s.metrics().address().getAddress().isLoopbackAddress(), s.metrics().address().toString());
        String base = "http://127.0.0.1:" + s.metrics().port();
        HttpResponse<String> get = send("GET", base + "/metrics");
        assertEquals(200, get.statusCode());
        assertTrue(get.body().contains("bypass_map_entries{map=\"counts\",object=\"c\"}"), get.body());
        assertEquals(200, send("GET", base + "/metrics?name[]=x").statusCode(), "query parameters of scrapers are ignored");
        HttpResponse<String> head = send("HEAD", base + "/metrics");
        assertEquals(200, head.statusCode());
        for (String method : new String[] {"POST", "PUT", "DELETE", "PATCH"}) {
            HttpResponse<String> r = send(method, base + "/metrics");
            assertEquals(405, r.statusCode(), method);
            assertEquals("GET, HEAD", r.headers().firstValue("Allow").orElse(""));
            assertTrue(r.body().contains("read-only"), r.body());
        }
        for (String path : new String[] {"/", "/metricsx", "/metrics/x", "/maps/c/counts"}) {
            HttpResponse<String> r = send("GET", base + path);
            assertEquals(404, r.statusCode(), path);
            assertTrue(r.body().contains("no such path"), r.body());
        }
    }

    @Test void anotherAddressOnlyWhenNamed() throws Exception {
        AgentSession s = BypassAgent.attachSelf(Files.writeString(dir.resolve("m.conf"), "object c bundled:counter\nmetrics 0 0.0.0.0\n"));
        assertTrue(s.metrics().address().getAddress().isAnyLocalAddress(), s.metrics().address().toString());
        assertEquals(200, send("GET", "http://127.0.0.1:" + s.metrics().port() + "/metrics").statusCode());
    }
}
