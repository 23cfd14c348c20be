package dev.bypass.proxy.server;

import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.config.Settings;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * TLS contexts from the client_tls_* and server_tls_* settings: protocols (tlsv1.0 .. tlsv1.3, all, secure, legacy),
 * ciphers (default, secure, fast, normal: the JDK's defaults; all; or OpenSSL cipher names, converted to the JDK's),
 * client certificates (verify-ca and verify-full ask for one chaining to client_tls_ca_file), server verification
 * and the proxy's own certificate towards PostgreSQL.
 */
final class TlsContexts {
    private TlsContexts() {}

    /** The context for clients, or null when client_tls_sslmode is disable. */
    static SslContext client(ProxyConfig c) {
        ProxyConfig.ClientTls tls = c.clientTls();
        if (tls == null) return null;
        for (Path f : List.of(tls.certFile(), tls.keyFile()))
            if (!Files.isReadable(f)) throw new IllegalArgumentException("client TLS: cannot read " + f);
        try {
            SslContextBuilder b = SslContextBuilder.forServer(tls.certFile().toFile(), tls.keyFile().toFile())
                    .protocols(protocols(c.get(Settings.CLIENT_TLS_PROTOCOLS), "client_tls_protocols"));
            ciphers(b, c.get(Settings.CLIENT_TLS_CIPHERS), c.get(Settings.CLIENT_TLS_DHEPARAMS), "client_tls_ciphers");
            Settings.SslMode mode = c.get(Settings.CLIENT_TLS_SSLMODE);
            String ca = c.get(Settings.CLIENT_TLS_CA_FILE);
            if (mode == Settings.SslMode.VERIFY_CA || mode == Settings.SslMode.VERIFY_FULL) {
                b.trustManager(Path.of(ca).toFile()).clientAuth(ClientAuth.REQUIRE);
            } else if (!ca.isEmpty()) {
                b.trustManager(Path.of(ca).toFile()).clientAuth(ClientAuth.OPTIONAL); // for auth_type = cert / hba cert rules
            }
            return b.build();
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("client TLS: cannot use certificate " + tls.certFile() + " with key " + tls.keyFile()
                    + " (PEM certificate and unencrypted PKCS#8 PEM key expected): " + e.getMessage(), e);
        }
    }

    /** The context towards PostgreSQL, or null when server_tls_sslmode is disable. */
    static SslContext server(ProxyConfig c) {
        ProxyConfig.ServerTls tls = c.serverTls();
        if (tls == null) return null;
        try {
            SslContextBuilder b = SslContextBuilder.forClient().protocols(protocols(c.get(Settings.SERVER_TLS_PROTOCOLS), "server_tls_protocols"));
            ciphers(b, c.get(Settings.SERVER_TLS_CIPHERS), "auto", "server_tls_ciphers");
            if (tls.caFile() != null) {
                if (!Files.isReadable(tls.caFile())) throw new IllegalArgumentException("server TLS: cannot read " + tls.caFile());
                b.trustManager(tls.caFile().toFile());
                // verify-ca checks the chain only; verify-full also the host name (Netty checks it by default)
                b.endpointIdentificationAlgorithm(tls.verifyHost() ? "HTTPS" : null);
            } else {
                // prefer, require: encrypted, the server's certificate is not checked (PgBouncer's meaning)
                b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
            }
            String cert = c.get(Settings.SERVER_TLS_CERT_FILE), key = c.get(Settings.SERVER_TLS_KEY_FILE);
            if (!cert.isEmpty() && !key.isEmpty()) b.keyManager(Path.of(cert).toFile(), Path.of(key).toFile());
            return b.build();
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("server TLS: " + e.getMessage(), e);
        }
    }

    /**
     * A TLS handler for a client connection, with client_tls_ecdhcurve applied: auto (the JDK's groups), none (no
     * elliptic-curve key exchange), or one curve (OpenSSL's names accepted: prime256v1, secp384r1, ...).
     */
    static io.netty.handler.ssl.SslHandler handler(SslContext context, ProxyConfig c, io.netty.buffer.ByteBufAllocator alloc) {
        io.netty.handler.ssl.SslHandler h = context.newHandler(alloc);
        String curve = c.get(Settings.CLIENT_TLS_ECDHCURVE).strip().toLowerCase(Locale.ROOT);
        if (!curve.equals("auto")) {
            javax.net.ssl.SSLParameters p = h.engine().getSSLParameters();
            if (curve.equals("none")) {
                p.setNamedGroups(new String[] {"ffdhe2048", "ffdhe3072", "ffdhe4096"});
                p.setCipherSuites(java.util.Arrays.stream(p.getCipherSuites()).filter(s -> !s.contains("_ECDHE_")).toArray(String[]::new));
            } else {
                p.setNamedGroups(new String[] {switch (curve) {
                    case "prime256v1" -> "secp256r1";
                    default -> curve;
                }});
            }
            h.engine().setSSLParameters(p);
        }
        return h;
    }

    /** tls-server-end-point channel-binding data of the client-facing certificate (SCRAM-SHA-256-PLUS), or null. */
    static byte[] binding(ProxyConfig c) {
        ProxyConfig.ClientTls tls = c.clientTls();
        if (tls == null) return null;
        try (var in = Files.newInputStream(tls.certFile())) {
            var cert = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
            return ScramServer.endPoint(cert);
        } catch (IOException | java.security.cert.CertificateException e) {
            throw new IllegalArgumentException("client TLS: cannot read certificate " + tls.certFile() + ": " + e.getMessage(), e);
        }
    }

    /** PgBouncer's protocol list: comma-separated tlsv1.0 .. tlsv1.3, or all, secure, legacy. */
    static String[] protocols(String value, String key) {
        List<String> out = new ArrayList<>();
        for (String p : value.toLowerCase(Locale.ROOT).split("[,\\s]+")) {
            switch (p) {
                case "" -> { }
                case "all", "legacy" -> out.addAll(List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"));
                case "secure" -> out.addAll(List.of("TLSv1.2", "TLSv1.3"));
                case "tlsv1.0" -> out.add("TLSv1");
                case "tlsv1.1" -> out.add("TLSv1.1");
                case "tlsv1.2" -> out.add("TLSv1.2");
                case "tlsv1.3" -> out.add("TLSv1.3");
                default -> throw new IllegalArgumentException(key + ": unknown protocol " + p + " (tlsv1.0, tlsv1.1, tlsv1.2, tlsv1.3, all, secure, legacy)");
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException(key + ": no protocol");
        return out.stream().distinct().toArray(String[]::new);
    }

    /** Cipher suites: the JDK's defaults for default/secure/fast/normal, every supported one for all, else named ones. */
    private static void ciphers(SslContextBuilder b, String value, String dheParams, String key) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        List<String> names = new ArrayList<>();
        if (List.of("default", "secure", "fast", "normal").contains(v)) {
            if (!dheParams.equalsIgnoreCase("none")) return;
            names.addAll(jdkDefaults());
        } else if (v.equals("all")) {
            names.addAll(supported());
        } else {
            for (String name : value.split(":")) {
                if (name.isBlank()) continue;
                String jdk = io.netty.handler.ssl.CipherSuiteConverter.toJava(name.strip(), "TLS");
                if (jdk == null && name.startsWith("TLS_")) jdk = name.strip();
                if (jdk == null) throw new IllegalArgumentException(key + ": cannot use cipher " + name
                        + " (give OpenSSL cipher names, not expressions such as HIGH:!aNULL; or default / all)");
                names.add(jdk);
            }
        }
        if (dheParams.equalsIgnoreCase("none")) names.removeIf(n -> n.contains("_DHE_"));
        b.ciphers(names);
    }

    private static List<String> jdkDefaults() {
        try {
            return List.of(javax.net.ssl.SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> supported() {
        try {
            return List.of(javax.net.ssl.SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
