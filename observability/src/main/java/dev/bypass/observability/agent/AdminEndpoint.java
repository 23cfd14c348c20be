package dev.bypass.observability.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.bypass.observability.metrics.DaemonStart;
import dev.bypass.observability.acl.AclAdmin;
import dev.bypass.programs.BtfJson;
import dev.bypass.programs.MapJson;
import dev.bypass.programs.LoadedObject;
import dev.bypass.vm.maps.BpfMap;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The agent's administration endpoint ({@code admin PORT} in the configuration), what {@code bypass acl} talks to
 * (maps take plain HTTP clients such as curl). Plain HTTP on loopback by default; every answer is one line of text or JSON.
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
 */
final class AdminEndpoint implements AutoCloseable {
    private final AgentSession session;
    private final HttpServer http;
    private final Map<String, AclAdmin> acls = new HashMap<>();

    AdminEndpoint(AgentSession session, String host, int port) throws IOException {
        this.session = session;
        try {
            http = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (java.net.BindException e) {
            throw new IOException("cannot serve the admin endpoint on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        http.createContext("/maps/", ex -> answer(ex, () -> maps(ex)));
        http.createContext("/acl/", ex -> answer(ex, () -> acl(ex)));
        DaemonStart.start(http);
    }

    int port() { return http.getAddress().getPort(); }

    @Override public void close() { http.stop(0); }

    private interface Handler { String handle() throws Exception; }

    /** Errors a client caused answer 400 with the reason; the agent and the application carry on. */
    private static void answer(HttpExchange ex, Handler h) throws IOException {
        int status = 200;
        String body;
        try {
            body = h.handle();
        } catch (IllegalArgumentException | IllegalStateException e) {
            status = 400;
            body = "error: " + e.getMessage();
        } catch (Exception e) {
            status = 500;
            body = "error: " + e;
        }
        byte[] b = (body + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", body.startsWith("{") || body.startsWith("[") ? "application/json" : "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    private static List<String> path(HttpExchange ex, String prefix) {
        String p = ex.getRequestURI().getPath().substring(prefix.length());
        List<String> parts = new ArrayList<>();
        for (String s : p.split("/")) if (!s.isEmpty()) parts.add(URLDecoder.decode(s, StandardCharsets.UTF_8));
        return parts;
    }

    private static Map<String, String> query(HttpExchange ex) {
        Map<String, String> q = new HashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw == null) return q;
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) q.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return q;
    }

    private LoadedObject object(String name) {
        LoadedObject o = session.objects().get(name);
        if (o == null) throw new IllegalArgumentException("no object " + name + " (objects: " + String.join(", ", session.objects().keySet()) + ")");
        return o;
    }

    private String maps(HttpExchange ex) {
        List<String> p = path(ex, "/maps/");
        if (p.size() < 2 || p.size() > 3) throw new IllegalArgumentException("expected /maps/OBJECT/MAP[/KEYHEX]");
        LoadedObject o = object(p.get(0));
        BpfMap m;
        try {
            m = o.map(p.get(1));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("object " + p.get(0) + " has no map " + p.get(1));
        }
        String method = ex.getRequestMethod();
        if (p.size() == 2) {
            if (!method.equals("GET")) throw new IllegalArgumentException(method + " needs a key: /maps/OBJECT/MAP/KEYHEX");
            return MapJson.toJson(m, BtfJson.of(o, m));
        }
        byte[] key = hex(p.get(2), "key");
        if (key.length != m.spec().keySize()) throw new IllegalArgumentException("key of " + key.length + " bytes; map " + m.name() + " has " + m.spec().keySize());
        int rc;
        switch (method) {
            case "PUT", "POST" -> {
                byte[] value;
                try {
                    value = hex(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).strip(), "value");
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot read the request body: " + e.getMessage());
                }
                if (value.length != m.spec().valueSize())
                    throw new IllegalArgumentException("value of " + value.length + " bytes; map " + m.name() + " has " + m.spec().valueSize());
                rc = m.update(key, value, BpfMap.ANY);
            }
            case "DELETE" -> rc = m.delete(key);
            default -> throw new IllegalArgumentException("method " + method + " (expected GET, PUT or DELETE)");
        }
        if (rc != 0) throw new IllegalStateException(method + " on map " + m.name() + " failed: " + dev.bypass.vm.maps.Errno.name(rc));
        return "ok";
    }

    private String acl(HttpExchange ex) throws IOException {
        List<String> p = path(ex, "/acl/");
        if (p.size() != 2) throw new IllegalArgumentException("expected /acl/OBJECT/ACTION");
        AclAdmin admin;
        synchronized (acls) {
            LoadedObject o = object(p.get(0));
            admin = acls.get(p.get(0));
            if (admin == null) {
                try {
                    admin = new AclAdmin(o);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("object " + p.get(0) + " is not an acl_filter object (needs maps files, by_devino, by_name, decisions)");
                }
                acls.put(p.get(0), admin);
            }
        }
        Map<String, String> q = query(ex);
        String action = p.get(1);
        if (action.equals("decisions")) {
            long[] d = admin.decisions();
            return "{\"allowed\":" + d[0] + ",\"denied\":" + d[1] + ",\"no_rule\":" + d[2] + "}";
        }
        Path file = Path.of(need(q, "file"));
        switch (action) {
            case "protect" -> admin.protect(file, uid(need(q, "owner")), AclAdmin.rights(q.getOrDefault("default", "0")), List.of());
            case "grant" -> admin.grant(file, uid(need(q, "user")), AclAdmin.rights(need(q, "rights")));
            case "revoke" -> admin.revoke(file, uid(need(q, "user")));
            case "show" -> {
                AclAdmin.FileRecord r = admin.record(file);
                if (r == null) return "no rule for " + file.getFileName();
                StringBuilder sb = new StringBuilder(r.name() + ": owner " + Integer.toUnsignedString(r.owner()) + ", default " + AclAdmin.rightsText(r.defaultAccess()));
                for (AclAdmin.Entry e : r.acl()) sb.append(", user ").append(Integer.toUnsignedString(e.user())).append(' ').append(AclAdmin.rightsText(e.rights()));
                return sb.toString();
            }
            default -> throw new IllegalArgumentException("unknown action " + action + " (protect, grant, revoke, show, decisions)");
        }
        return "ok";
    }

    private static String need(Map<String, String> q, String name) {
        String v = q.get(name);
        if (v == null || v.isEmpty()) throw new IllegalArgumentException("missing parameter " + name);
        return v;
    }

    private static int uid(String s) {
        try {
            return Integer.parseUnsignedInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("user ids are numbers: " + s);
        }
    }

    private static byte[] hex(String s, String what) {
        try {
            return HexFormat.of().parseHex(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not hex: " + s);
        }
    }
}
