package dev.bypass.observability.agent;

import dev.bypass.vm.maps.BpfMap;
import dev.bypass.programs.LoadedObject;
import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.observability.RecordingLogs;
import dev.bypass.observability.acl.AclAdmin;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's admin endpoint: map entries and ACL records read and changed with the bearer token; refused (401,
 * nothing changed, the protected file stays protected) without it; a seeded batch of malformed requests gets a 4xx
 * with a reason each and changes nothing.
 */
class AdminEndpointTest {
    @TempDir Path dir;

    @org.junit.jupiter.api.BeforeAll static void recordLogs() { RecordingLogs.start(); }
    final HttpClient http = HttpClient.newHttpClient();

    @AfterEach void detach() { BypassAgent.detach(); }

    HttpResponse<String> send(String method, String url, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (token != null) b.header("Authorization", "Bearer " + token);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String token(AgentSession s) throws IOException { return AdminToken.read(s.adminTokenFile()); }

    @Test void mapEntriesThroughTheAdminEndpoint() throws Exception {
        Path conf = Files.writeString(dir.resolve("admin.conf"), "object acl bundled:acl_filter\nadmin 0\n");
        AgentSession s = BypassAgent.attachSelf(conf);
        String token = token(s);
        String base = "http://127.0.0.1:" + s.adminPort() + "/maps/acl/by_devino";
        // key: struct devino {device = 7, inode = 42}; value: u32 file slot 3
        String key = "0700000000000000" + "2a00000000000000";
        HttpResponse<String> put = send("PUT", base + "/" + key, "03000000", token);
        assertEquals(200, put.statusCode(), put.body());
        HttpResponse<String> get = send("GET", base, null, token);
        assertEquals(200, get.statusCode());
        assertTrue(get.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        String json = get.body();
        assertTrue(json.contains("\"name\":\"by_devino\"") && json.contains("\"type\":\"hash\""), json);
        assertTrue(json.contains("\"key\":\"" + key + "\""), json);
        assertTrue(json.contains("\"device\":7") && json.contains("\"inode\":42"), "key decoded through BTF: " + json);
        assertTrue(json.contains("\"value\":\"03000000\",\"value_int\":3"), json);

        HttpResponse<String> shortKey = send("PUT", base + "/0700", "03000000", token);
        assertEquals(400, shortKey.statusCode());
        assertTrue(shortKey.body().contains("key of 2 bytes; map by_devino has 16"), shortKey.body());
        HttpResponse<String> notHex = send("PUT", base + "/" + key, "zz", token);
        assertEquals(400, notHex.statusCode());
        assertTrue(notHex.body().contains("value is not hex"), notHex.body());
        HttpResponse<String> noMap = send("GET", "http://127.0.0.1:" + s.adminPort() + "/maps/acl/nope", null, token);
        assertEquals(404, noMap.statusCode());
        assertTrue(noMap.body().contains("has no map nope"), noMap.body());

        assertEquals(200, send("DELETE", base + "/" + key, null, token).statusCode());
        assertFalse(send("GET", base, null, token).body().contains(key), "deleted");
        HttpResponse<String> again = send("DELETE", base + "/" + key, null, token);
        assertEquals(404, again.statusCode());
        assertTrue(again.body().contains("ENOENT"), again.body());
    }

    @Test void tokenFileReadableByItsOwnerOnlyAndGoneAtDetach() throws Exception {
        Path conf = Files.writeString(dir.resolve("admin.conf"), "object acl bundled:acl_filter\nadmin 0\n");
        AgentSession s = BypassAgent.attachSelf(conf);
        Path file = s.adminTokenFile();
        assertEquals(AdminToken.defaultFile(s.adminPort()), file, "the default place, found by the port");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertTrue(token(s).matches("[0-9a-f]{64}"), "32 random bytes as hex");
        assertTrue(s.summary().stream().anyMatch(l -> l.contains(file.toString())), "printed at attach: " + s.summary());
        BypassAgent.detach();
        assertFalse(Files.exists(file), "removed with the endpoint");

        // a file named in the configuration
        Path named = dir.resolve("admin.token");
        AgentSession t = BypassAgent.attachSelf(Files.writeString(dir.resolve("named.conf"),
                "object acl bundled:acl_filter\nadmin 0 127.0.0.1 token=" + named + "\n"));
        assertEquals(named, t.adminTokenFile());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(named)));
        assertEquals(200, send("GET", "http://127.0.0.1:" + t.adminPort() + "/acl/acl/decisions", null, AdminToken.read(named)).statusCode());
    }

    /** An application that protects a file: acl_filter at file opening as user 1000, the admin endpoint on. */
    AgentSession protectedApp(Path secret) throws Exception {
        Path conf = Files.writeString(dir.resolve("acl.conf"), "object acl bundled:acl_filter\nfile-open acl:check_open user=1000\nadmin 0\n");
        AgentSession s = BypassAgent.attachSelf(conf);
        new AclAdmin(s.object("acl")).protect(secret, 0, 0, List.of());
        assertThrows(AccessDeniedException.class, () -> Files.readString(secret));
        return s;
    }

    @Test void changesWithoutTheTokenAreRefusedAndChangeNothing() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "payroll");
        AgentSession s = protectedApp(secret);
        String base = "http://127.0.0.1:" + s.adminPort();
        String grant = base + "/acl/acl/grant?file=" + secret + "&user=1000&rights=r";
        Map<String, String> before = snapshot(s.object("acl"));
        String slot0 = base + "/maps/acl/by_name/" + "00".repeat(32);
        for (String token : new String[] {null, "0".repeat(64), token(s).substring(1) + "0", ""}) {
            HttpResponse<String> g = send("POST", grant, null, token);
            assertEquals(401, g.statusCode(), g.body());
            assertTrue(g.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), g.headers().toString());
            assertTrue(g.body().startsWith("error: "), g.body());
            HttpResponse<String> m = send("PUT", slot0, "00000000", token);
            assertEquals(401, m.statusCode(), m.body());
            assertEquals(401, send("GET", base + "/maps/acl/files", null, token).statusCode(), "reading needs the token too");
        }
        List<RecordingLogs.Entry> refusals = RecordingLogs.from("dev.bypass.observability.agent.admin").stream()
                .filter(e -> e.level() == java.util.logging.Level.WARNING && e.message().contains("401")).toList();
        assertTrue(refusals.size() >= 12 && refusals.stream().anyMatch(e -> e.message().contains("refused POST /acl/acl/grant")
                && e.message().contains("wrong token")), "refusals are logged: " + refusals);
        HttpResponse<String> basic = http.send(HttpRequest.newBuilder(URI.create(grant)).header("Authorization", "Basic dXNlcjpwdw==")
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, basic.statusCode());
        assertEquals(before, snapshot(s.object("acl")), "no map changed");
        assertThrows(AccessDeniedException.class, () -> Files.readString(secret), "still protected");

        // with the token, as bypass acl sends it
        AclClient client = new AclClient("127.0.0.1:" + s.adminPort(), s.adminTokenFile(), "acl");
        assertEquals("ok", client.grant(secret.toString(), 1000, "r"));
        assertEquals("payroll", Files.readString(secret), "granted");
        assertTrue(client.show(secret.toString()).contains("user 1000 r--"), client.show(secret.toString()));
        assertEquals("ok", client.revoke(secret.toString(), 1000));
        assertThrows(AccessDeniedException.class, () -> Files.readString(secret), "revoked");
        HttpResponse<String> m = send("PUT", slot0, "00000000", token(s));
        assertEquals(200, m.statusCode(), "a map update with the token: " + m.body());
        assertEquals(0, s.errors(), String.valueOf(s.lastError()));
        // every change is logged with what it changed
        List<String> changes = RecordingLogs.from("dev.bypass.observability.agent.admin").stream()
                .filter(e -> e.level() == java.util.logging.Level.INFO).map(RecordingLogs.Entry::message).toList();
        assertTrue(changes.stream().anyMatch(l -> l.startsWith("acl acl: grant " + secret) && l.endsWith(
                "secret.txt: owner 0, default --- -> secret.txt: owner 0, default ---, user 1000 r--")), String.join("\n", changes));
        assertTrue(changes.stream().anyMatch(l -> l.startsWith("acl acl: revoke " + secret) && l.endsWith(
                "user 1000 r-- -> secret.txt: owner 0, default ---")), String.join("\n", changes));
        assertTrue(changes.stream().anyMatch(l -> l.startsWith("map acl/by_name key " + "00".repeat(32)) && l.contains("set to 00000000")),
                String.join("\n", changes));
    }

    /** Every key and value of the object's File/ACL maps, in hex (the decision counters move with every open). */
    static Map<String, String> snapshot(LoadedObject o) {
        Map<String, String> out = new TreeMap<>();
        for (String name : List.of("files", "by_devino", "by_name")) {
            BpfMap m = o.map(name);
            for (byte[] k : m.keys()) out.put(name + "/" + HexFormat.of().formatHex(k), HexFormat.of().formatHex(m.lookup(k)));
        }
        return out;
    }

    record Answer(int status, String body) {}

    /** Sends raw bytes and reads the answer until the server closes the connection. */
    static Answer raw(int port, byte[] request) throws IOException {
        try (Socket so = new Socket("127.0.0.1", port)) {
            so.setSoTimeout(20_000);
            so.getOutputStream().write(request);
            so.getOutputStream().flush();
            so.shutdownOutput();
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            InputStream in = so.getInputStream();
            in.transferTo(b);
            String text = b.toString(StandardCharsets.ISO_8859_1);
            if (!text.startsWith("HTTP/1.")) return new Answer(-1, text);
            int body = text.indexOf("\r\n\r\n");
            return new Answer(Integer.parseInt(text.substring(9, 12)), body < 0 ? "" : text.substring(body + 4).strip());
        }
    }

    @Test void malformedRequestsGetA4xxWithTheReasonAndChangeNothing() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "payroll");
        Path open = Files.writeString(dir.resolve("open.txt"), "anyone");
        AgentSession s = protectedApp(secret);
        int port = s.adminPort();
        String token = token(s);
        Map<String, String> before = snapshot(s.object("acl"));
        long seed = Long.getLong("bypass.test.seed", 20261207L);
        Random r = new Random(seed);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < 80; i++) {
            String[] req = malformed(r, token, secret);
            Answer a;
            try {
                a = raw(port, req[1].getBytes(StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                failures.add(req[0] + ": " + e);
                continue;
            }
            if (a.status() < 400 || a.status() > 499 || a.body().isBlank())
                failures.add(req[0] + " -> " + a.status() + " " + a.body() + "\n    request: " + req[1].substring(0, Math.min(200, req[1].length())));
        }
        assertTrue(failures.isEmpty(), "seed " + seed + " (rerun with -Dbypass.test.seed=" + seed + "):\n" + String.join("\n", failures));
        assertEquals(before, snapshot(s.object("acl")), "seed " + seed + ": no map changed");
        // the application is unaffected: its opens are still decided, the endpoint still answers
        assertThrows(AccessDeniedException.class, () -> Files.readString(secret));
        assertEquals("anyone", Files.readString(open));
        assertEquals(200, send("GET", "http://127.0.0.1:" + port + "/acl/acl/decisions", null, token).statusCode());
        assertEquals(0, s.errors(), String.valueOf(s.lastError()));
    }

    /** A malformed or refused request of a randomly chosen kind: {what, the request's bytes}. */
    static String[] malformed(Random r, String token, Path file) {
        String auth = "Authorization: Bearer " + token + "\r\n";
        String key = "00".repeat(32);
        String close = "Connection: close\r\n";
        int kind = r.nextInt(16);
        return switch (kind) {
            case 0 -> new String[] {"garbage request line", word(r, "!#$%&*+-.^_|~abcXYZ019", 1 + r.nextInt(40)) + "\r\n\r\n"};
            case 1 -> new String[] {"header without a colon", "GET /maps/acl/files HTTP/1.1\r\n" + auth + "X-" + word(r, "abc", 5) + " value\r\n\r\n"};
            case 2 -> new String[] {"bad Content-Length", "PUT /maps/acl/by_name/" + key + " HTTP/1.1\r\n" + auth + "Content-Length: "
                    + List.of("abc", "-5", "1x", "99999999999999999999").get(r.nextInt(4)) + "\r\n\r\n00000000"};
            case 3 -> new String[] {"no token", "POST /acl/acl/grant?file=" + file + "&user=1000&rights=rwx HTTP/1.1\r\n" + close + "\r\n"};
            case 4 -> new String[] {"wrong token", "PUT /maps/acl/by_name/" + key + " HTTP/1.1\r\nAuthorization: Bearer "
                    + word(r, "0123456789abcdef", 64) + "\r\nContent-Length: 8\r\n" + close + "\r\n01000000"};
            case 5 -> new String[] {"unknown path", "GET /" + word(r, "abcxyz/", 1 + r.nextInt(20)) + " HTTP/1.1\r\n" + auth + close + "\r\n"};
            case 6 -> new String[] {"wrong method", List.of("PATCH /maps/acl/by_name/" + key, "GET /acl/acl/grant?file=x&user=1&rights=r",
                    "POST /maps/acl/files", "DELETE /acl/acl/show?file=x").get(r.nextInt(4)) + " HTTP/1.1\r\n" + auth + close + "\r\n"};
            case 7 -> new String[] {"key not hex", "DELETE /maps/acl/by_name/" + word(r, "0123456789ghijk", 64) + "x HTTP/1.1\r\n" + auth + close + "\r\n"};
            case 8 -> {
                String body = word(r, "0123456789abcdefxyz ", 1 + r.nextInt(20)) + "g";
                yield new String[] {"value not hex", "PUT /maps/acl/by_name/" + key + " HTTP/1.1\r\n" + auth + "Content-Length: " + body.length()
                        + "\r\n" + close + "\r\n" + body};
            }
            case 9 -> new String[] {"key of the wrong size", "PUT /maps/acl/by_name/" + "00".repeat(r.nextInt(31)) + " HTTP/1.1\r\n" + auth
                    + "Content-Length: 8\r\n" + close + "\r\n01000000"};
            case 10 -> {
                int n = AdminEndpoint.MAX_BODY + 1 + r.nextInt(10_000);
                yield new String[] {"oversized body", "PUT /maps/acl/by_name/" + key + " HTTP/1.1\r\n" + auth + "Content-Length: " + n + "\r\n"
                        + close + "\r\n" + "0".repeat(n)};
            }
            case 11 -> {
                String chunk = "0".repeat(AdminEndpoint.MAX_BODY / 2);
                String chunks = (Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n").repeat(3) + "0\r\n\r\n";
                yield new String[] {"oversized chunked body", "PUT /maps/acl/by_name/" + key + " HTTP/1.1\r\n" + auth
                        + "Transfer-Encoding: chunked\r\n" + close + "\r\n" + chunks};
            }
            case 12 -> new String[] {"bad parameter", "POST /acl/acl/grant?" + List.of("file=" + file + "&user=abc&rights=r",
                    "file=" + file + "&user=1000&rights=q", "user=1000&rights=r", "file=" + file + "&user=1000", "file=%zz&user=1&rights=r",
                    "file=" + file + "&user=1&user=2&rights=r", "novalue").get(r.nextInt(7)) + " HTTP/1.1\r\n" + auth + close + "\r\n"};
            case 13 -> new String[] {"bad escape in the path", "GET /maps/%" + word(r, "zgq", 2) + "/files HTTP/1.1\r\n" + auth + close + "\r\n"};
            case 14 -> new String[] {"unknown object or map", "GET /maps/" + List.of("nope/files", "acl/nope", "acl/files/00/extra").get(r.nextInt(3))
                    + " HTTP/1.1\r\n" + auth + close + "\r\n"};
            default -> new String[] {"binary junk", new String(bytes(r, 1 + r.nextInt(200)), StandardCharsets.ISO_8859_1) + "\r\n\r\n"};
        };
    }

    static String word(Random r, String alphabet, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        return sb.toString();
    }

    /** Random bytes with no space, CR or LF (so they form one malformed request line). */
    static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            int c;
            do c = r.nextInt(256); while (c == ' ' || c == '\r' || c == '\n');
            b[i] = (byte) c;
        }
        return b;
    }
}
