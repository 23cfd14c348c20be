package dev.bypass.proxy.server;

import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.config.Secret;
import dev.bypass.proxy.pool.Md5;
import dev.bypass.proxy.wire.Authentication;
import dev.bypass.proxy.wire.PasswordMessage;
import dev.bypass.proxy.wire.PgFrame;
import dev.bypass.proxy.wire.ProtocolException;
import dev.bypass.proxy.wire.SaslInitialResponse;
import dev.bypass.proxy.wire.SaslResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.function.Consumer;

/**
 * One client's password exchange, as PostgreSQL runs it: cleartext, MD5 with a random salt, or SCRAM-SHA-256 (with
 * channel binding over TLS), checked against what is known of the user's password ({@link Secret}: the password, its
 * MD5 hash, or a SCRAM secret). An unknown user goes through the same exchange and fails at its end, so replies do
 * not reveal which users exist. A SCRAM exchange (or a cleartext password checked against a SCRAM secret) yields the
 * client's ClientKey, with which the proxy can log in to a server holding the same secret.
 */
final class Authenticator {
    enum Method { PLAIN, MD5, SCRAM }

    /** How the exchange ended: {@link #OK} (with the ClientKey when one was learnt), or a failure to send as FATAL. */
    sealed interface Outcome {}

    record Ok(ProxyConfig.ClientAuth method, byte[] clientKey) implements Outcome {}

    record Failed(String sqlState, String message) implements Outcome {}

    /** The exchange goes on: wait for the client's next message. */
    record More() implements Outcome {}

    static final Outcome MORE = new More();

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String user;
    private final Secret secret;
    private final Method method;
    private final byte[] tlsBinding;
    private byte[] md5Salt;
    private ScramServer scram;

    /** {@code secret} null: the user is unknown (the exchange fails at its end). */
    Authenticator(String user, Secret secret, Method method, byte[] tlsBinding) {
        this.user = user;
        this.secret = secret;
        this.method = method;
        this.tlsBinding = tlsBinding;
    }

    /** The authentication request that opens the exchange. */
    ByteBuf request(ByteBufAllocator alloc) {
        return switch (method) {
            case PLAIN -> new Authentication(Authentication.CLEARTEXT, new byte[0]).encode(alloc);
            case MD5 -> {
                md5Salt = new byte[4];
                RANDOM.nextBytes(md5Salt);
                yield new Authentication(Authentication.MD5, md5Salt).encode(alloc);
            }
            case SCRAM -> {
                scram = new ScramServer(user, secret, tlsBinding);
                byte[] mechanisms = (String.join("\0", scram.mechanisms()) + "\0\0").getBytes(StandardCharsets.UTF_8);
                yield new Authentication(Authentication.SASL, mechanisms).encode(alloc);
            }
        };
    }

    /** The client's next message of the exchange; {@code send} writes what the proxy answers on the way. */
    Outcome step(PgFrame frame, ByteBufAllocator alloc, Consumer<ByteBuf> send) {
        if (frame.type() != PasswordMessage.TYPE) throw new ProtocolException("expected a password message, got '" + (char) frame.type() + "'");
        if (method == Method.SCRAM) return scramStep(frame, alloc, send);
        String given = PasswordMessage.decode(frame.body()).password();
        byte[] clientKey = null;
        boolean ok;
        if (method == Method.MD5) {
            ok = switch (secret) {
                case Secret.Plain p -> MessageDigest.isEqual(bytes(given), bytes(Md5.hash(user, p.password(), md5Salt)));
                case Secret.Md5 m -> MessageDigest.isEqual(bytes(given), bytes(Md5.hashOfStored(m.hash(), md5Salt)));
                case null, default -> false;
            };
        } else {
            ok = switch (secret) {
                case Secret.Plain p -> MessageDigest.isEqual(bytes(given), bytes(p.password()));
                case Secret.Md5 m -> MessageDigest.isEqual(bytes(Md5.stored(user, given)), bytes(m.hash()));
                case Secret.Scram s -> {
                    byte[] salted = ScramServer.hi(given, s.salt(), s.iterations());
                    byte[] key = ScramServer.hmac(salted, "Client Key");
                    boolean match = MessageDigest.isEqual(ScramServer.sha256(key), s.storedKey());
                    if (match) clientKey = key;
                    yield match;
                }
                case null -> false;
            };
        }
        if (!ok) return passwordFailed();
        return new Ok(method == Method.MD5 ? ProxyConfig.ClientAuth.MD5 : ProxyConfig.ClientAuth.CLEARTEXT, clientKey);
    }

    private Outcome scramStep(PgFrame frame, ByteBufAllocator alloc, Consumer<ByteBuf> send) {
        try {
            if (!scram.started()) {
                SaslInitialResponse first = SaslInitialResponse.decode(frame.body());
                if (!scram.mechanisms().contains(first.mechanism()))
                    return new Failed("28000", "SASL authentication mechanism " + first.mechanism() + " is not supported (offered: "
                            + String.join(", ", scram.mechanisms()) + ")");
                String serverFirst = scram.serverFirst(first.mechanism(), first.text());
                send.accept(new Authentication(Authentication.SASL_CONTINUE, serverFirst.getBytes(StandardCharsets.UTF_8)).encode(alloc));
                return MORE;
            }
            String serverFinal = scram.serverFinal(SaslResponse.decode(frame.body()).text());
            if (serverFinal == null) return passwordFailed();
            send.accept(new Authentication(Authentication.SASL_FINAL, serverFinal.getBytes(StandardCharsets.UTF_8)).encode(alloc));
            return new Ok(ProxyConfig.ClientAuth.SCRAM_SHA_256, scram.clientKey());
        } catch (IllegalArgumentException e) {
            return new Failed("08P01", "malformed SCRAM message: " + e.getMessage());
        } catch (java.security.GeneralSecurityException e) {
            return new Failed("XX000", "SCRAM failed: " + e.getMessage());
        }
    }

    private Failed passwordFailed() {
        return new Failed("28P01", "password authentication failed for user \"" + user + "\"");
    }

    private static byte[] bytes(String s) { return s.getBytes(StandardCharsets.UTF_8); }
}
