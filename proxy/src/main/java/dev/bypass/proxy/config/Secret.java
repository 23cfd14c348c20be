package dev.bypass.proxy.config;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * What is known of a user's password, as PgBouncer's auth_file and PostgreSQL's pg_authid hold it: the password
 * itself, its MD5 hash ({@code "md5" + md5(password + user)}), or a SCRAM-SHA-256 secret
 * ({@code SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey}).
 */
public sealed interface Secret {
    record Plain(String password) implements Secret {
        @Override public String toString() { return "Plain[***]"; }
    }

    /** {@code hash} is "md5" followed by 32 hex digits. */
    record Md5(String hash) implements Secret {
        @Override public String toString() { return "Md5[***]"; }
    }

    record Scram(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) implements Secret {
        @Override public String toString() { return "Scram[" + iterations + "]"; }

        @Override public boolean equals(Object o) {
            return o instanceof Scram s && s.iterations == iterations && java.util.Arrays.equals(s.salt, salt)
                    && java.util.Arrays.equals(s.storedKey, storedKey) && java.util.Arrays.equals(s.serverKey, serverKey);
        }

        @Override public int hashCode() { return java.util.Arrays.hashCode(storedKey); }
    }

    /** The secret a stored text stands for: an MD5 hash, a SCRAM secret, or else the password itself. */
    public static Secret of(String stored) {
        if (stored.length() == 35 && stored.startsWith("md5") && stored.substring(3).chars().allMatch(c -> Character.digit(c, 16) >= 0))
            return new Md5(stored.toLowerCase(java.util.Locale.ROOT));
        if (stored.startsWith("SCRAM-SHA-256$")) {
            Scram s = scram(stored);
            if (s != null) return s;
        }
        return new Plain(stored);
    }

    /** {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}, base64 fields; null when malformed. */
    private static Scram scram(String text) {
        String[] parts = text.split("\\$");
        if (parts.length != 3) return null;
        String[] head = parts[1].split(":"), keys = parts[2].split(":");
        if (head.length != 2 || keys.length != 2) return null;
        try {
            int iterations = Integer.parseInt(head[0]);
            Base64.Decoder d = Base64.getDecoder();
            byte[] salt = d.decode(head[1].getBytes(StandardCharsets.US_ASCII)), stored = d.decode(keys[0]), server = d.decode(keys[1]);
            if (iterations < 1 || stored.length != 32 || server.length != 32) return null;
            return new Scram(iterations, salt, stored, server);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
