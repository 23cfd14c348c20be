package dev.bypass.observability.agent;

import static java.lang.System.Logger.Level.ERROR;
import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.bypass.observability.acl.AclAdmin;
import dev.bypass.observability.metrics.DaemonStart;
import dev.bypass.programs.BtfJson;
import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.MapJson;
import dev.bypass.vm.maps.BpfMap;
import dev.bypass.vm.maps.Errno;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The agent's administration endpoint ({@code admin PORT [HOST] [token=FILE]} in the configuration), what
 * {@code bypass acl} and {@code bypass map --agent} talk to. HTTP on loopback unless the configuration names another
 * address; every request must carry {@code Authorization: Bearer TOKEN}, the token the agent wrote at start to a
 * file only the application's user can read ({@link AdminToken}). Every answer is one line of text or JSON.
 *
 * <pre>
 * GET    /maps/OBJECT/MAP                 the map as JSON ({@link MapJson}: hex, integers, BTF-decoded keys and values)
 * PUT    /maps/OBJECT/MAP/KEYHEX          body: value as hex; updates (or inserts) the entry
 * DELETE /maps/OBJECT/MAP/KEYHEX
 * POST   /acl/OBJECT/protect?file=F&amp;owner=U&amp;default=RIGHTS
 * POST   /acl/OBJECT/grant?file=F&amp;user=U&amp;rights=RIGHTS      rights: letters r, w, x or a number
 * POST   /acl/OBJECT/revoke?file=F&amp;user=U
 * GET    /acl/OBJECT/show?file=F          GET /acl/OBJECT/decisions
 * </pre>
 *
 * A request without the token gets 401 and changes nothing; a request the endpoint cannot take gets a 4xx naming the
 * reason (400 malformed, 404 no such object, map, key or path, 405 wrong method, 409 the map refused, 413 body
 * over {@value #MAX_BODY} bytes) and changes nothing. Each change is logged (the JDK's {@code System.Logger}, as
 * everything the agent logs, logger {@code dev.bypass.observability.agent.admin}) with what it changed, and each refused request with why. Requests
 * are served by {@value #THREADS} daemon threads, so a flood of them cannot take more from the application.
 */
final class AdminEndpoint implements AutoCloseable {
    static final int MAX_BODY = 64 * 1024, THREADS = 2;
    /** Of a body over the limit, this much more is read and dropped so the client gets the 413 (not a reset). */
    private static final int DRAIN_LIMIT = 1 << 20;
    private static final String LOGGER = "dev.bypass.observability.agent.admin";

    /** A request the endpoint refuses: the status and the reason sent back. */
    private static final class Refusal extends Exception {
        final int status;

        Refusal(int status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }
    }

    private final AgentSession session;
    private final HttpServer http;
    private final ExecutorService threads;
    private final AdminToken token;
    private final Map<String, AclAdmin> acls = new HashMap<>();

    AdminEndpoint(AgentSession session, AgentConfig.Admin config) throws IOException {
        this.session = session;
        try {
            http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 16);
        } catch (java.net.BindException e) {
            throw new IOException("cannot serve the admin endpoint on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        try {
            Path file = config.tokenFile() != null ? config.tokenFile() : AdminToken.defaultFile(port());
            token = AdminToken.create(file, config.tokenFile() == null);
        } catch (IOException | RuntimeException e) {
            http.stop(0);
            throw e;
        }
        InetAddress bound = http.getAddress().getAddress();
        if (!bound.isLoopbackAddress())
            log(WARNING, "admin endpoint on " + http.getAddress() + ": reachable from other machines, and the token travels in clear text", null);
        http.createContext("/", this::serve);
        threads = Executors.newFixedThreadPool(THREADS, r -> Thread.ofPlatform().daemon().name("bypass-admin").unstarted(r));
        DaemonStart.start(http, threads);
    }

    int port() { return http.getAddress().getPort(); }

    /** The address clients use, as {@code HOST:PORT}. */
    String address() { return http.getAddress().getHostString() + ":" + port(); }

    Path tokenFile() { return token.file(); }

    @Override public void close() {
        http.stop(0);
        threads.shutdownNow();
        token.delete();
    }

    private void serve(HttpExchange ex) throws IOException {
        int status = 200;
        String body;
        try (ex) {
            try {
                body = route(ex);
            } catch (Refusal r) {
                status = r.status;
                body = "error: " + r.getMessage();
                if (status == 401) ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"bypass-agent\"");
                log(WARNING, "refused " + ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath() + " from " + ex.getRemoteAddress() + ": " + status + " " + r.getMessage(), null);
            } catch (RuntimeException e) {
                status = 500;
                body = "error: " + e;
                log(ERROR, "admin request " + ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath() + " failed", e);
            }
            byte[] b = (body + "\n").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", body.startsWith("{") || body.startsWith("[") ? "application/json" : "text/plain; charset=utf-8");
            ex.sendResponseHeaders(status, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        }
    }

    private String route(HttpExchange ex) throws Refusal, IOException {
        authenticate(ex);
        if (!ex.getProtocol().equals("HTTP/1.1") && !ex.getProtocol().equals("HTTP/1.0"))
            throw new Refusal(400, "unsupported protocol " + ex.getProtocol());
        String path = ex.getRequestURI().getRawPath();
        if (path == null) throw new Refusal(400, "no path in " + ex.getRequestURI());
        List<String> parts = new ArrayList<>();
        for (String s : path.split("/", -1)) parts.add(decode(s));
        // "/maps/..." splits into "", "maps", ...
        if (parts.size() < 2 || !parts.get(0).isEmpty()) throw new Refusal(404, "no such path " + path);
        List<String> rest = parts.subList(2, parts.size());
        return switch (parts.get(1)) {
            case "maps" -> maps(ex, rest);
            case "acl" -> acl(ex, rest);
            default -> throw new Refusal(404, "no such path " + path + " (expected /maps/OBJECT/MAP[/KEYHEX] or /acl/OBJECT/ACTION)");
        };
    }

    private void authenticate(HttpExchange ex) throws Refusal {
        List<String> values = ex.getRequestHeaders().get("Authorization");
        if (values == null || values.isEmpty()) throw new Refusal(401, "authentication required: send Authorization: Bearer TOKEN (the token is in the file the agent printed at start)");
        if (values.size() > 1) throw new Refusal(401, "more than one Authorization header");
        String v = values.get(0);
        if (!v.regionMatches(true, 0, "Bearer ", 0, 7)) throw new Refusal(401, "expected Authorization: Bearer TOKEN");
        if (!token.matches(v.substring(7).strip())) throw new Refusal(401, "wrong token");
    }

    private static String decode(String s) throws Refusal {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new Refusal(400, "bad escape in " + s + ": " + e.getMessage());
        }
    }

    private static Map<String, String> query(HttpExchange ex) throws Refusal {
        Map<String, String> q = new HashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw == null || raw.isEmpty()) return q;
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new Refusal(400, "bad query parameter " + kv + " (expected NAME=VALUE)");
            if (q.put(decode(kv.substring(0, eq)), decode(kv.substring(eq + 1))) != null)
                throw new Refusal(400, "parameter " + kv.substring(0, eq) + " given twice");
        }
        return q;
    }

    private static void method(HttpExchange ex, String... allowed) throws Refusal {
        for (String m : allowed) if (m.equals(ex.getRequestMethod())) return;
        ex.getResponseHeaders().set("Allow", String.join(", ", allowed));
        throw new Refusal(405, "method " + ex.getRequestMethod() + " (expected " + String.join(" or ", allowed) + ")");
    }

    /** The request body, at most {@link #MAX_BODY} bytes. */
    private static byte[] body(HttpExchange ex) throws Refusal {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                throw new Refusal(400, "bad Content-Length " + length);
            }
            if (n > MAX_BODY) {
                drain(ex);
                throw new Refusal(413, "body of " + n + " bytes; at most " + MAX_BODY);
            }
        }
        try {
            byte[] b = ex.getRequestBody().readNBytes(MAX_BODY + 1);
            if (b.length > MAX_BODY) {
                drain(ex);
                throw new Refusal(413, "body over " + MAX_BODY + " bytes");
            }
            return b;
        } catch (IOException e) {
            throw new Refusal(400, "cannot read the request body: " + e.getMessage());
        }
    }

    /** Reads and drops what is left of a refused body, up to {@link #DRAIN_LIMIT}; beyond it the connection closes. */
    private static void drain(HttpExchange ex) {
        try (InputStream in = ex.getRequestBody()) {
            long left = DRAIN_LIMIT;
            while (left > 0) {
                long n = in.skip(left);
                if (n <= 0 && in.read() < 0) break;
                left -= Math.max(n, 1);
            }
        } catch (IOException e) {
            // the client went away or sent a broken body: the answer may not reach it, nothing else to do
        }
    }

    private LoadedObject object(String name) throws Refusal {
        LoadedObject o = session.objects().get(name);
        if (o == null) throw new Refusal(404, "no object " + name + " (objects: " + String.join(", ", session.objects().keySet()) + ")");
        return o;
    }

    private String maps(HttpExchange ex, List<String> p) throws Refusal {
        if (p.size() < 2 || p.size() > 3 || p.stream().anyMatch(String::isEmpty)) throw new Refusal(404, "expected /maps/OBJECT/MAP[/KEYHEX]");
        LoadedObject o = object(p.get(0));
        BpfMap m = o.maps().stream().filter(x -> x.name().equals(p.get(1))).findFirst()
                .orElseThrow(() -> new Refusal(404, "object " + p.get(0) + " has no map " + p.get(1)));
        if (p.size() == 2) {
            method(ex, "GET");
            return MapJson.toJson(m, BtfJson.of(o, m));
        }
        method(ex, "PUT", "POST", "DELETE");
        byte[] key = hex(p.get(2), "key");
        if (key.length != m.spec().keySize()) throw new Refusal(400, "key of " + key.length + " bytes; map " + m.name() + " has " + m.spec().keySize());
        BtfJson types = BtfJson.of(o, m);
        byte[] before = m.lookup(key);
        String what = "map " + o.name() + "/" + m.name() + " key " + describe(key, types == null ? null : types.key(key));
        if (ex.getRequestMethod().equals("DELETE")) {
            int rc = m.delete(key);
            if (rc == -Errno.ENOENT) throw new Refusal(404, "map " + m.name() + " has no key " + p.get(2) + " (ENOENT)");
            if (rc != 0) throw new Refusal(409, "DELETE on map " + m.name() + " failed: " + Errno.name(rc));
            log(INFO, what + " deleted (was " + value(before, types) + ") by " + ex.getRemoteAddress(), null);
            return "ok";
        }
        byte[] value = hex(new String(body(ex), StandardCharsets.UTF_8).strip(), "value");
        if (value.length != m.spec().valueSize())
            throw new Refusal(400, "value of " + value.length + " bytes; map " + m.name() + " has " + m.spec().valueSize());
        int rc = m.update(key, value, BpfMap.ANY);
        if (rc != 0) throw new Refusal(409, ex.getRequestMethod() + " on map " + m.name() + " failed: " + Errno.name(rc));
        log(INFO, what + " set to " + value(value, types) + " (was " + (before == null ? "absent" : value(before, types)) + ") by " + ex.getRemoteAddress(), null);
        return "ok";
    }

    /** Looked up at the event, as {@link AgentSession#log} does. */
    private static void log(System.Logger.Level level, String message, Throwable error) {
        System.getLogger(LOGGER).log(level, message, error);
    }

    private static String value(byte[] v, BtfJson types) {
        return v == null ? "absent" : describe(v, types == null || v.length == 0 ? null : types.value(v));
    }

    private static String describe(byte[] bytes, String decoded) {
        String hex = HexFormat.of().formatHex(bytes);
        return decoded == null ? hex : hex + " " + decoded;
    }

    private String acl(HttpExchange ex, List<String> p) throws Refusal, IOException {
        if (p.size() != 2 || p.get(0).isEmpty()) throw new Refusal(404, "expected /acl/OBJECT/ACTION");
        String action = p.get(1);
        switch (action) {
            case "protect", "grant", "revoke" -> method(ex, "POST");
            case "show", "decisions" -> method(ex, "GET");
            default -> throw new Refusal(404, "unknown action " + action + " (protect, grant, revoke, show, decisions)");
        }
        AclAdmin admin = aclAdmin(p.get(0));
        Map<String, String> q = query(ex);
        if (action.equals("decisions")) {
            long[] d = admin.decisions();
            return "{\"allowed\":" + d[0] + ",\"denied\":" + d[1] + ",\"no_rule\":" + d[2] + "}";
        }
        Path file;
        try {
            file = Path.of(need(q, "file"));
        } catch (java.nio.file.InvalidPathException e) {
            throw new Refusal(400, "bad file name: " + e.getMessage());
        }
        if (file.getFileName() == null) throw new Refusal(400, "file " + file + " has no name");
        AclAdmin.FileRecord before = admin.record(file);
        try {
            switch (action) {
                case "protect" -> admin.protect(file, uid(need(q, "owner")), rights(q.getOrDefault("default", "0")), List.of());
                case "grant" -> admin.grant(file, uid(need(q, "user")), rights(need(q, "rights")));
                case "revoke" -> admin.revoke(file, uid(need(q, "user")));
                default -> {
                    return before == null ? "no rule for " + file.getFileName() : describe(before);
                }
            }
        } catch (IllegalArgumentException e) {
            throw new Refusal(400, e.getMessage());
        } catch (IllegalStateException e) {
            throw new Refusal(409, e.getMessage());
        }
        AclAdmin.FileRecord after = admin.record(file);
        log(INFO, "acl " + p.get(0) + ": " + action + " " + file + " by " + ex.getRemoteAddress() + ": "
                + (before == null ? "no rule" : describe(before)) + " -> " + (after == null ? "no rule" : describe(after)), null);
        return "ok";
    }

    private AclAdmin aclAdmin(String object) throws Refusal {
        synchronized (acls) {
            AclAdmin admin = acls.get(object);
            if (admin == null) {
                LoadedObject o = object(object);
                try {
                    admin = new AclAdmin(o);
                } catch (RuntimeException e) {
                    throw new Refusal(404, "object " + object + " is not an acl_filter object (needs maps files, by_devino, by_name, decisions)");
                }
                acls.put(object, admin);
            }
            return admin;
        }
    }

    private static String describe(AclAdmin.FileRecord r) {
        StringBuilder sb = new StringBuilder(r.name() + ": owner " + Integer.toUnsignedString(r.owner()) + ", default " + AclAdmin.rightsText(r.defaultAccess()));
        for (AclAdmin.Entry e : r.acl()) sb.append(", user ").append(Integer.toUnsignedString(e.user())).append(' ').append(AclAdmin.rightsText(e.rights()));
        return sb.toString();
    }

    private static String need(Map<String, String> q, String name) throws Refusal {
        String v = q.get(name);
        if (v == null || v.isEmpty()) throw new Refusal(400, "missing parameter " + name);
        return v;
    }

    private static int uid(String s) throws Refusal {
        try {
            return Integer.parseUnsignedInt(s);
        } catch (NumberFormatException e) {
            throw new Refusal(400, "user ids are numbers: " + s);
        }
    }

    private static int rights(String s) throws Refusal {
        try {
            return AclAdmin.rights(s);
        } catch (IllegalArgumentException e) {
            throw new Refusal(400, e.getMessage());
        }
    }

    private static byte[] hex(String s, String what) throws Refusal {
        try {
            return HexFormat.of().parseHex(s);
        } catch (IllegalArgumentException e) {
            throw new Refusal(400, what + " is not hex: " + (s.length() > 64 ? s.substring(0, 64) + "..." : s));
        }
    }
}
