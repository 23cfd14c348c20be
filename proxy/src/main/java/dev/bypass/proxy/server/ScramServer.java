package dev.bypass.proxy.server;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The server side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it, with tls-server-end-point channel
 * binding over TLS: one exchange per client login. The verifier is a stored SCRAM secret (auth_file, auth_query), or
 * is derived once per user from a plain-text password (random salt, 4096 iterations) and kept, as a server keeps its
 * stored verifier. A successful exchange yields the client's ClientKey, with which the proxy can log in to a server
 * that holds the same secret.
 */
final class ScramServer {
    static final String MECHANISM = "SCRAM-SHA-256", MECHANISM_PLUS = "SCRAM-SHA-256-PLUS";
    static final String BINDING = "tls-server-end-point";
    static final int ITERATIONS = 4096;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a server stores per user: salt, iterations, StoredKey and ServerKey. */
    record Verifier(byte[] salt, int iterations, byte[] storedKey, byte[] serverKey) {
        static Verifier of(String password) {
            byte[] salt = new byte[16];
            RANDOM.nextBytes(salt);
            byte[] salted = hi(password, salt, ITERATIONS);
            return new Verifier(salt, ITERATIONS, sha256(hmac(salted, "Client Key")), hmac(salted, "Server Key"));
        }
    }

    private static final Map<String, Verifier> VERIFIERS = new ConcurrentHashMap<>();

    private final Verifier verifier;
    /** tls-server-end-point data of this connection's certificate, or null without TLS. */
    private final byte[] bindingData;
    private String clientFirstBare, serverFirst, nonce, gs2Header;
    private boolean plus;

    ScramServer(String user, String password) { this(user, password == null ? null : new dev.bypass.proxy.config.Secret.Plain(password), null); }

    /**
     * A login for a user with this secret (null when the user is unknown, or an MD5 hash, which cannot serve SCRAM:
     * the exchange then fails at the end); {@code bindingData} (RFC 5929 tls-server-end-point of the server
     * certificate) when the client talks TLS.
     */
    ScramServer(String user, dev.bypass.proxy.config.Secret secret, byte[] bindingData) {
        this.bindingData = bindingData;
        // An unknown user still gets a well-formed exchange, so the reply does not reveal which users exist.
        this.verifier = switch (secret) {
            case dev.bypass.proxy.config.Secret.Plain p -> VERIFIERS.computeIfAbsent(user + '\0' + p.password(), k -> Verifier.of(p.password()));
            case dev.bypass.proxy.config.Secret.Scram sc -> new Verifier(sc.salt(), sc.iterations(), sc.storedKey(), sc.serverKey());
            case null, default -> Verifier.of(randomNonce());
        };
        this.known = secret instanceof dev.bypass.proxy.config.Secret.Plain || secret instanceof dev.bypass.proxy.config.Secret.Scram;
    }

    private final boolean known;
    private byte[] clientKey;

    /** After a successful exchange: the client's ClientKey (RFC 5802), which logs in wherever this secret is stored. */
    byte[] clientKey() { return clientKey; }

    /** True once the client's first message was handled (the next message is the client's final one). */
    boolean started() { return clientFirstBare != null; }

    /** The mechanisms to offer: with TLS, the channel-bound one first. */
    java.util.List<String> mechanisms() {
        return bindingData != null ? java.util.List.of(MECHANISM_PLUS, MECHANISM) : java.util.List.of(MECHANISM);
    }

    /**
     * Handles client-first-message for the chosen mechanism; returns server-first-message. Throws
     * IllegalArgumentException when malformed or when the channel-binding flags do not fit what was offered.
     */
    String serverFirst(String mechanism, String clientFirst) {
        plus = mechanism.equals(MECHANISM_PLUS);
        if (plus && bindingData == null) throw new IllegalArgumentException(MECHANISM_PLUS + " was not offered (no TLS)");
        String expectedHeader = "p=" + BINDING + ",,";
        if (plus) {
            if (!clientFirst.startsWith(expectedHeader))
                throw new IllegalArgumentException("SCRAM-SHA-256-PLUS needs channel binding type " + BINDING);
            gs2Header = expectedHeader;
        } else if (clientFirst.startsWith("n,,")) {
            gs2Header = "n,,";
        } else if (clientFirst.startsWith("y,,")) {
            // the client could bind but believes the server cannot: with TLS we offered binding, so this is a downgrade
            if (bindingData != null) throw new IllegalArgumentException("channel binding was offered but the client says it was not (possible downgrade)");
            gs2Header = "y,,";
        } else {
            throw new IllegalArgumentException(clientFirst.startsWith("p=") ? "channel binding needs " + MECHANISM_PLUS : "malformed SCRAM client-first-message");
        }
        clientFirstBare = clientFirst.substring(gs2Header.length());
        String clientNonce = attribute(clientFirstBare, 'r');
        if (clientNonce == null || clientNonce.isEmpty()) throw new IllegalArgumentException("SCRAM client-first-message without a nonce");
        nonce = clientNonce + randomNonce();
        serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(verifier.salt()) + ",i=" + verifier.iterations();
        return serverFirst;
    }

    /** Handles client-final-message; returns server-final-message, or null when the proof is wrong. */
    String serverFinal(String clientFinal) throws GeneralSecurityException {
        int p = clientFinal.lastIndexOf(",p=");
        if (p < 0) throw new IllegalArgumentException("SCRAM client-final-message without a proof");
        String withoutProof = clientFinal.substring(0, p);
        if (!nonce.equals(attribute(withoutProof, 'r'))) throw new IllegalArgumentException("SCRAM nonce mismatch");
        String cbind = attribute(withoutProof, 'c');
        byte[] header = gs2Header.getBytes(StandardCharsets.UTF_8);
        byte[] expected = header;
        if (plus) {
            expected = java.util.Arrays.copyOf(header, header.length + bindingData.length);
            System.arraycopy(bindingData, 0, expected, header.length, bindingData.length);
        }
        if (cbind == null || !MessageDigest.isEqual(Base64.getDecoder().decode(cbind), expected))
            throw new IllegalArgumentException(plus ? "channel binding data does not match this connection's certificate" : "unexpected SCRAM channel binding data");
        byte[] proof = Base64.getDecoder().decode(clientFinal.substring(p + 3));
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] signature = hmac(verifier.storedKey(), authMessage);
        if (proof.length != signature.length) return null;
        byte[] clientKey = new byte[proof.length];
        for (int i = 0; i < proof.length; i++) clientKey[i] = (byte) (proof[i] ^ signature[i]);
        if (!known || !MessageDigest.isEqual(sha256(clientKey), verifier.storedKey())) return null;
        this.clientKey = clientKey;
        return "v=" + Base64.getEncoder().encodeToString(hmac(verifier.serverKey(), authMessage));
    }

    private static String attribute(String message, char name) {
        for (String part : message.split(","))
            if (part.length() >= 2 && part.charAt(0) == name && part.charAt(1) == '=') return part.substring(2);
        return null;
    }

    private static String randomNonce() {
        byte[] b = new byte[18];
        RANDOM.nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    /** RFC 5929 tls-server-end-point data of a certificate (the same hashing the proxy uses towards servers). */
    static byte[] endPoint(java.security.cert.X509Certificate cert) { return dev.bypass.proxy.pool.ServerConnection.endPoint(cert); }

    static byte[] hi(String password, byte[] salt, int iterations) {
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256)).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK lacks PBKDF2WithHmacSHA256", e);
        }
    }

    static byte[] hmac(byte[] key, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK lacks HmacSHA256", e);
        }
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK lacks SHA-256", e);
        }
    }
}
