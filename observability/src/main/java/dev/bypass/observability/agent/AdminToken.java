package dev.bypass.observability.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * The bearer token of the agent's administration endpoint. At start the agent draws 32 random bytes and writes them
 * as hex to a file created with mode 0600, so only the application's user (and root) can read it; clients
 * ({@code bypass acl}, {@code bypass map --agent}, {@code curl -H "Authorization: Bearer $(cat FILE)"}) send it
 * with every request. The file lives in the user's private runtime directory by default ({@link #defaultFile}),
 * named after the endpoint's port, so a client that knows the address finds it; the agent removes it at detach.
 *
 * <p>Why a token rather than a Unix domain socket restricted by its mode: the two put the same boundary in the same
 * place (the application's user, as the JVM's Attach API does), but the token keeps the endpoint plain HTTP, which
 * the JDK's HTTP server and client, curl and scrapers speak (the JDK's HTTP server and client cannot use Unix domain
 * sockets), and a caller without it gets an answer saying why (401) instead of a bare connection refusal. Tokens
 * are compared in constant time (their SHA-256 digests, with {@link MessageDigest#isEqual}).
 */
public final class AdminToken {
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    private final Path file;
    private final byte[] digest;

    private AdminToken(Path file, String token) {
        this.file = file;
        this.digest = sha256(token);
    }

    /**
     * The directory for token files: {@code $XDG_RUNTIME_DIR/bypass} when that variable names a directory (a
     * per-user directory the system keeps private), else {@code bypass-USER} in the temporary directory.
     */
    public static Path defaultDirectory() {
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        if (runtime != null && !runtime.isBlank() && Files.isDirectory(Path.of(runtime))) return Path.of(runtime, "bypass");
        return Path.of(System.getProperty("java.io.tmpdir"), "bypass-" + System.getProperty("user.name"));
    }

    /** Where an endpoint on {@code port} keeps its token unless its configuration names a file. */
    public static Path defaultFile(int port) { return defaultDirectory().resolve("admin-" + port + ".token"); }

    /**
     * Generates a token and writes it to {@code file} (created anew, mode 0600). A file of the default place gets a
     * private directory (0700) made for it; an existing directory must belong to this user and be closed to others,
     * or the token stays unwritten and the agent does not start its endpoint.
     */
    static AdminToken create(Path file, boolean defaultPlace) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (defaultPlace) privateDirectory(dir);
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = HexFormat.of().formatHex(random);
        Files.deleteIfExists(file); // a stale file of an earlier run on this port
        try {
            Files.write(Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE)),
                    (token + "\n").getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot create the admin token file " + file + ": it appeared while it was being replaced");
        } catch (UnsupportedOperationException e) {
            throw new IOException("cannot create the admin token file " + file + " readable by its owner only (no POSIX permissions here)");
        }
        return new AdminToken(file, token);
    }

    private static void privateDirectory(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
            } catch (FileAlreadyExistsException e) {
                // made by another process meanwhile: checked below
            }
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS))
            throw new IOException("cannot keep the admin token in " + dir + ": not a directory (or a symbolic link)");
        int owner = ((Number) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS)).intValue();
        int me = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue();
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        if (owner != me || !OWNER_ONLY_DIR.containsAll(mode))
            throw new IOException("cannot keep the admin token in " + dir + ": it belongs to uid " + owner + " with mode "
                    + PosixFilePermissions.toString(mode) + " (expected uid " + me + ", rwx------); remove it or name a file with token=FILE");
    }

    /** Reads a token file as a client does; the message says where the token comes from when it is missing. */
    public static String read(Path file) throws IOException {
        if (!Files.isRegularFile(file))
            throw new IOException("no admin token file " + file + " (the agent writes it when its endpoint starts; give the file"
                    + " named by the admin line's token= or printed at attach)");
        String token = Files.readString(file, StandardCharsets.US_ASCII).strip();
        if (token.isEmpty()) throw new IOException("the admin token file " + file + " is empty");
        return token;
    }

    public Path file() { return file; }

    /** Whether {@code presented} is the token, in time that does not depend on how much of it matches. */
    boolean matches(String presented) { return presented != null && MessageDigest.isEqual(digest, sha256(presented)); }

    /** Removes the token file (the endpoint stopped). */
    void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // the endpoint is gone, the token is useless: nothing to do
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
