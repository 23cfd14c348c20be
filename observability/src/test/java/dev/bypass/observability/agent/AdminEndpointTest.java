package dev.bypass.observability.agent;

import static org.junit.jupiter.api.Assertions.*;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's admin endpoint over HTTP: map entries put, read back decoded through BTF, deleted; bad requests get 400. */
class AdminEndpointTest {
    @TempDir Path dir;
    final HttpClient http = HttpClient.newHttpClient();

    @AfterEach void detach() { BypassAgent.detach(); }

    HttpResponse<String> send(String method, String url, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test void mapEntriesThroughTheAdminEndpoint() throws Exception {
        Path conf = Files.writeString(dir.resolve("admin.conf"), "object acl bundled:acl_filter\nadmin 0\n");
        AgentSession s = BypassAgent.attachSelf(conf);
        String base = "http://127.0.0.1:" + s.adminPort() + "/maps/acl/by_devino";
        // key: struct devino {device = 7, inode = 42}; value: u32 file slot 3
        String key = "0700000000000000" + "2a00000000000000";
        HttpResponse<String> put = send("PUT", base + "/" + key, "03000000");
        assertEquals(200, put.statusCode(), put.body());
        HttpResponse<String> get = send("GET", base, null);
        assertEquals(200, get.statusCode());
        assertTrue(get.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        String json = get.body();
        assertTrue(json.contains("\"name\":\"by_devino\"") && json.contains("\"type\":\"hash\""), json);
        assertTrue(json.contains("\"key\":\"" + key + "\""), json);
        assertTrue(json.contains("\"device\":7") && json.contains("\"inode\":42"), "key decoded through BTF: " + json);
        assertTrue(json.contains("\"value\":\"03000000\",\"value_int\":3"), json);

        HttpResponse<String> shortKey = send("PUT", base + "/0700", "03000000");
        assertEquals(400, shortKey.statusCode());
        assertTrue(shortKey.body().contains("key of 2 bytes; map by_devino has 16"), shortKey.body());
        HttpResponse<String> notHex = send("PUT", base + "/" + key, "zz");
        assertEquals(400, notHex.statusCode());
        assertTrue(notHex.body().contains("value is not hex"), notHex.body());
        HttpResponse<String> noMap = send("GET", "http://127.0.0.1:" + s.adminPort() + "/maps/acl/nope", null);
        assertEquals(400, noMap.statusCode());
        assertTrue(noMap.body().contains("has no map nope"), noMap.body());

        assertEquals(200, send("DELETE", base + "/" + key, null).statusCode());
        assertFalse(send("GET", base, null).body().contains(key), "deleted");
        HttpResponse<String> again = send("DELETE", base + "/" + key, null);
        assertEquals(400, again.statusCode());
        assertTrue(again.body().contains("ENOENT"), again.body());
    }
}
