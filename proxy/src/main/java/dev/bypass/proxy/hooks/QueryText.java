package dev.bypass.proxy.hooks;

import java.util.Locale;

/**
 * What the proxy's hooks learn about a statement without parsing it: its class (from the first keyword, which also
 * classifies CommandComplete tags) and FNV-1a hashes of names. Its normalised text and fingerprint come from
 * {@link dev.bypass.programs.SqlText}, the one definition all hooks share.
 */
public final class QueryText {
    private QueryText() {}

    public static final int OTHER = 0, SELECT = 1, INSERT = 2, UPDATE = 3, DELETE = 4, DDL = 5, TRANSACTION = 6, UTILITY = 7;
    private static final String[] CLASS_NAMES = {"other", "select", "insert", "update", "delete", "ddl", "transaction", "utility"};

    public static long fnv1a(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** The class of a statement, or of a CommandComplete tag ("INSERT 0 1", "CREATE TABLE"), by its first word. */
    public static int statementClass(String sql) {
        String s = sql.stripLeading();
        int end = 0;
        while (end < s.length() && Character.isLetter(s.charAt(end))) end++;
        return switch (s.substring(0, end).toUpperCase(Locale.ROOT)) {
            case "SELECT", "WITH", "VALUES", "TABLE", "SHOW" -> SELECT;
            case "INSERT", "COPY" -> INSERT;
            case "UPDATE" -> UPDATE;
            case "DELETE", "TRUNCATE" -> DELETE;
            case "CREATE", "ALTER", "DROP", "COMMENT", "GRANT", "REVOKE" -> DDL;
            case "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "PREPARE" -> TRANSACTION;
            case "SET", "RESET", "DISCARD", "VACUUM", "ANALYZE", "EXPLAIN", "LISTEN", "NOTIFY", "UNLISTEN", "DEALLOCATE" -> UTILITY;
            default -> OTHER;
        };
    }

    public static String className(int cls) { return cls >= 0 && cls < CLASS_NAMES.length ? CLASS_NAMES[cls] : "other"; }

    public static int classNamed(String name) {
        for (int i = 0; i < CLASS_NAMES.length; i++) if (CLASS_NAMES[i].equalsIgnoreCase(name)) return i;
        throw new IllegalArgumentException("unknown statement class '" + name + "' (" + String.join(", ", CLASS_NAMES) + ")");
    }
}
