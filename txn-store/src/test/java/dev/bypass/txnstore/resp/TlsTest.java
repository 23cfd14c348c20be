package dev.bypass.txnstore.resp;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.StoreOptions;
import io.netty.handler.ssl.ClientAuth;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RESP over TLS (Netty's SslHandler) with redis-cli {@code --tls}: certificates made by openssl for the test (a
 * CA, a server certificate for 127.0.0.1, a client certificate), with and without client certificates required.
 */
class TlsTest {
    @TempDir static Path certs;

    static void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(certs.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "openssl " + String.join(" ", args) + ": " + out);
    }

    @BeforeAll
    static void makeCertificates() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=bypass test CA");
        Files.writeString(certs.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        for (String who : List.of("server", "client")) {
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", who + ".key", "-out", who + ".csr", "-subj", "/CN=" + who);
            List<String> sign = new ArrayList<>(List.of("x509", "-req", "-in", who + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", who + ".crt", "-days", "2"));
            if (who.equals("server")) sign.addAll(List.of("-extfile", "server.ext"));
            openssl(sign.toArray(String[]::new));
        }
        // A certificate from another CA, which the server must not accept as a client's.
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "stranger.key", "-out", "stranger.crt", "-days", "2", "-subj", "/CN=stranger");
    }

    static Path cert(String name) { return certs.resolve(name); }

    /** redis-cli with the given options; its output, error replies and connection errors included. */
    static String cli(int port, List<String> options, String... args) throws Exception { return cliInput(port, null, options, args); }

    /** redis-cli with {@code stdin} as its input ({@code -x} takes the last argument from it). */
    static String cliInput(int port, String stdin, List<String> options, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(port)));
        cmd.addAll(options);
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "redis-cli " + cmd + " did not end");
        return out;
    }

    static List<String> tls(String... more) {
        List<String> o = new ArrayList<>(List.of("--tls", "--cacert", cert("ca.crt").toString()));
        o.addAll(List.of(more));
        return o;
    }

    @Test
    void redisCliRoundTripOverTls() throws Exception {
        RespAccess access = RespAccess.defaults().withTls(RespAccess.tlsContext(cert("server.crt"), cert("server.key"), null, ClientAuth.NONE));
        try (Store store = Store.open(StoreOptions.inMemory()); RespServer server = RespServer.start(store, Procedures.NONE, 0, 1, RespConfig.defaults(), access)) {
            int port = server.port();
            assertEquals("OK", cli(port, tls(), "SET", "greeting", "over tls"));
            assertEquals("over tls", cli(port, tls(), "GET", "greeting"));
            String big = "x".repeat(300_000); // many TLS records each way
            assertEquals("OK", cliInput(port, big, tls("-x"), "SET", "big"));
            assertEquals(big, cli(port, tls(), "GET", "big"));
            // A client that does not speak TLS gets no reply and is disconnected, it does not hang.
            String plain = cli(port, List.of(), "PING");
            assertFalse(plain.contains("PONG"), plain);
            // A client that does not trust the server's CA refuses it.
            String untrusted = cli(port, List.of("--tls", "--cacert", cert("stranger.crt").toString()), "PING");
            assertFalse(untrusted.contains("PONG"), untrusted);
            assertEquals("PONG", cli(port, tls(), "PING"), "the server goes on serving");
        }
    }

    @Test
    void clientCertificatesAreRequiredWhenACaIsGiven() throws Exception {
        RespAccess access = RespAccess.defaults().withRequirepass("pw")
                .withTls(RespAccess.tlsContext(cert("server.crt"), cert("server.key"), cert("ca.crt"), ClientAuth.REQUIRE));
        try (Store store = Store.open(StoreOptions.inMemory()); RespServer server = RespServer.start(store, Procedures.NONE, 0, 1, RespConfig.defaults(), access)) {
            int port = server.port();
            List<String> withCert = tls("--cert", cert("client.crt").toString(), "--key", cert("client.key").toString());
            assertEquals("NOAUTH Authentication required.", cli(port, withCert, "PING"), "TLS does not replace AUTH");
            List<String> authed = new ArrayList<>(withCert);
            authed.addAll(List.of("--no-auth-warning", "-a", "pw"));
            assertEquals("PONG", cli(port, authed, "PING"));
            String noCert = cli(port, tls("--no-auth-warning", "-a", "pw"), "PING");
            assertFalse(noCert.contains("PONG"), noCert);
            String strangerCert = cli(port, tls("--cert", cert("stranger.crt").toString(), "--key", cert("stranger.key").toString(), "--no-auth-warning", "-a", "pw"), "PING");
            assertFalse(strangerCert.contains("PONG"), strangerCert);
        }
    }

    @Test
    void unusableFilesAreNamed() throws Exception {
        Path missing = certs.resolve("nope.crt");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RespAccess.tlsContext(missing, cert("server.key"), null, ClientAuth.NONE));
        assertEquals("TLS file " + missing + " does not exist or cannot be read", e.getMessage());
        Path garbage = Files.writeString(certs.resolve("garbage.key"), "-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n");
        e = assertThrows(IllegalArgumentException.class, () -> RespAccess.tlsContext(cert("server.crt"), garbage, null, ClientAuth.NONE));
        assertTrue(e.getMessage().startsWith("TLS certificate " + cert("server.crt") + " or key " + garbage + " cannot be used"), e.getMessage());
    }
}
