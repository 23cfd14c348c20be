package dev.bypass.proxy.pool;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** PostgreSQL's MD5 password scheme: "md5" + md5(md5(password + user) + salt). */
public final class Md5 {
    private Md5() {}

    public static String hash(String user, String password, byte[] salt) {
        return hashOfStored(stored(user, password), salt);
    }

    /** What PostgreSQL stores for an MD5 password: "md5" + md5(password + user). */
    public static String stored(String user, String password) {
        return "md5" + hex(md5((password + user).getBytes(StandardCharsets.UTF_8)));
    }

    /** The answer to an MD5 challenge from the stored form ("md5" + 32 hex digits) alone. */
    public static String hashOfStored(String stored, byte[] salt) {
        return "md5" + hex(md5(concat(stored.substring(3).getBytes(StandardCharsets.US_ASCII), salt)));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static byte[] md5(byte[] in) {
        try {
            return MessageDigest.getInstance("MD5").digest(in);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) { return HexFormat.of().formatHex(b); }
}
