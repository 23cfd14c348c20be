package dev.bypass.observability.acl;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** Talks to an agent's administration endpoint ({@code admin PORT}) to change the File/ACL table of a running JVM. */
public final class AclClient {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String object;

    /** {@code agent} is HOST:PORT of the endpoint; {@code object} the acl_filter object's name in the agent's configuration. */
    public AclClient(String agent, String object) {
        if (!agent.matches("[^:/]+:\\d+")) throw new IllegalArgumentException("agent address must be HOST:PORT, got " + agent);
        this.base = "http://" + agent + "/acl/" + URLEncoder.encode(object, StandardCharsets.UTF_8) + "/";
        this.object = object;
    }

    public String protect(String file, int owner, String defaultRights) throws IOException {
        return call("POST", "protect", params("file", file, "owner", Integer.toUnsignedString(owner), "default", defaultRights));
    }

    public String grant(String file, int user, String rights) throws IOException {
        return call("POST", "grant", params("file", file, "user", Integer.toUnsignedString(user), "rights", rights));
    }

    public String revoke(String file, int user) throws IOException {
        return call("POST", "revoke", params("file", file, "user", Integer.toUnsignedString(user)));
    }

    public String show(String file) throws IOException { return call("GET", "show", params("file", file)); }

    public String decisions() throws IOException { return call("GET", "decisions", Map.of()); }

    private static Map<String, String> params(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    /** The endpoint's one-line answer; a refusal becomes an IOException with the endpoint's reason. */
    private String call(String method, String action, Map<String, String> params) throws IOException {
        String q = params.entrySet().stream().map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + action + (q.isEmpty() ? "" : "?" + q)))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<String> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            throw new IOException("no agent admin endpoint at " + base.substring(7, base.indexOf("/acl/")) + " (does its configuration have an admin line?)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        String body = r.body().strip();
        if (r.statusCode() != 200) throw new IOException("agent refused " + action + " on " + object + ": " + body.replaceFirst("^error: ", ""));
        return body;
    }
}
