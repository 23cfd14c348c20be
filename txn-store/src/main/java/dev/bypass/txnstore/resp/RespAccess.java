package dev.bypass.txnstore.resp;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Who may reach the server and as whom, named as Redis's directives are.
 *
 * @param bind the address to listen on; loopback by default, so only local processes can connect
 * @param protectedMode Redis's protected mode (default on): while the default user takes no password, clients that
 *        do not come from a loopback address get Redis's {@code -DENIED} message and are disconnected
 * @param requirepass the default user's password (null: none, the default user needs no AUTH); not with an ACL file
 * @param aclFile users, one {@code user NAME rules...} line each, as {@code ACL LIST} prints them; read at start and
 *        by {@code ACL LOAD}, written by {@code ACL SAVE} (null: none)
 * @param users more users, lines of the same form, applied after the file (Redis's {@code user} directive)
 * @param tls when set, the port speaks TLS only ({@link #tlsContext})
 */
public record RespAccess(String bind, boolean protectedMode, String requirepass, Path aclFile, List<String> users, SslContext tls) {
    public static final String LOOPBACK = "127.0.0.1";

    public RespAccess {
        if (bind == null || bind.isBlank()) throw new IllegalArgumentException("bind address must not be empty");
        users = List.copyOf(users);
        // ACL LOAD would give the default user the file's definition and drop the password: one place decides it.
        if (requirepass != null && aclFile != null)
            throw new IllegalArgumentException("requirepass and an ACL file do not go together: give the default user's password in the ACL file"
                    + " (user default on >PASSWORD ~* &* +@all)");
    }

    public static RespAccess defaults() { return new RespAccess(LOOPBACK, true, null, null, List.of(), null); }

    public RespAccess withBind(String address) { return new RespAccess(address, protectedMode, requirepass, aclFile, users, tls); }

    public RespAccess withProtectedMode(boolean on) { return new RespAccess(bind, on, requirepass, aclFile, users, tls); }

    public RespAccess withRequirepass(String password) { return new RespAccess(bind, protectedMode, password, aclFile, users, tls); }

    public RespAccess withAclFile(Path file) { return new RespAccess(bind, protectedMode, requirepass, file, users, tls); }

    public RespAccess withUsers(List<String> lines) { return new RespAccess(bind, protectedMode, requirepass, aclFile, lines, tls); }

    public RespAccess withTls(SslContext context) { return new RespAccess(bind, protectedMode, requirepass, aclFile, users, context); }

    /**
     * A server TLS context from PEM files: the certificate chain, its PKCS#8 private key, and optionally the CA
     * certificates that client certificates must chain to.
     *
     * @param clientAuth Redis's {@code tls-auth-clients}: {@code REQUIRE} (yes), {@code OPTIONAL} or {@code NONE} (no);
     *        without {@code caCert} clients are not asked for certificates
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static SslContext tlsContext(Path cert, Path key, Path caCert, ClientAuth clientAuth) {
        for (Path p : caCert == null ? List.of(cert, key) : List.of(cert, key, caCert))
            if (!Files.isReadable(p)) throw new IllegalArgumentException("TLS file " + p + " does not exist or cannot be read");
        SslContextBuilder b;
        try {
            b = SslContextBuilder.forServer(cert.toFile(), key.toFile());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("TLS certificate " + cert + " or key " + key + " cannot be used (the key must be an unencrypted PKCS#8 PEM"
                    + " 'BEGIN PRIVATE KEY' file; openssl pkcs8 -topk8 -nocrypt converts others): " + rootMessage(e));
        }
        if (caCert != null) b.trustManager(caCert.toFile()).clientAuth(clientAuth);
        try {
            return b.build();
        } catch (Exception e) {
            throw new IllegalArgumentException("TLS files " + cert + ", " + key + (caCert == null ? "" : ", " + caCert) + " cannot be used: " + rootMessage(e));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getMessage() + ")";
    }
}
