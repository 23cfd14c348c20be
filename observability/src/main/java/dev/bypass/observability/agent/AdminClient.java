package dev.bypass.observability.agent;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A client of an agent's administration endpoint: finds the endpoint's bearer token (the file named, or the default
 * file of the endpoint's port, {@link AdminToken#defaultFile}) and sends it with every request. Refusals become
 * {@link IOException}s carrying the endpoint's reason.
 */
public final class AdminClient {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String address;
    private final String token;

    /** {@code agent} is HOST:PORT of the endpoint; {@code tokenFile} null for the default file of that port. */
    public AdminClient(String agent, Path tokenFile) throws IOException {
        if (!agent.matches("[^:/\\s]+:\\d{1,5}")) throw new IllegalArgumentException("agent address must be HOST:PORT, got " + agent);
        this.address = agent;
        int port = Integer.parseInt(agent.substring(agent.lastIndexOf(':') + 1));
        this.token = AdminToken.read(tokenFile != null ? tokenFile : AdminToken.defaultFile(port));
    }

    public String get(String path) throws IOException { return send("GET", path, null); }

    public String put(String path, String body) throws IOException { return send("PUT", path, body); }

    public String post(String path) throws IOException { return send("POST", path, ""); }

    public String delete(String path) throws IOException { return send("DELETE", path, null); }

    /** Sends a request to {@code path} (with its query, already encoded); returns the answer's body. */
    private String send(String method, String path, String body) throws IOException {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + address + path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            throw new IOException("no agent admin endpoint at " + address + " (does its configuration have an admin line?)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        String answer = r.body().strip();
        if (r.statusCode() != 200)
            throw new IOException("the agent at " + address + " refused " + method + " " + path.replaceFirst("\\?.*", "") + " ("
                    + r.statusCode() + "): " + answer.replaceFirst("^error: ", ""));
        return answer;
    }
}
