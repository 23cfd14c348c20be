package dev.bypass.proxy.hooks;

import java.util.Locale;
import java.util.regex.Pattern;

/** What hooks learn about a query without parsing it: its normalized text, a hash of that, its statement class. */
public final class QueryText {
    private QueryText() {}

    public static final int OTHER = 0, SELECT = 1, INSERT = 2, UPDATE = 3, DELETE = 4, DDL = 5, TRANSACTION = 6, UTILITY = 7;
    private static final String[] CLASS_NAMES = {"other", "select", "insert", "update", "delete", "ddl", "transaction", "utility"};

    private static final Pattern STRINGS = Pattern.compile("'(?:[^']|'')*'");
    private static final Pattern NUMBERS = Pattern.compile("(?<![\\w$])-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?");
    private static final Pattern PARAMS = Pattern.compile("\\$\\d+");
    private static final Pattern SPACE = Pattern.compile("\\s+");

    /** Literals and parameters become '?', whitespace collapses, so one statement shape has one text. */
    public static String normalize(String sql) {
        String s = STRINGS.matcher(sql).replaceAll("?");
        s = PARAMS.matcher(s).replaceAll("?");
        s = NUMBERS.matcher(s).replaceAll("?");
        s = SPACE.matcher(s).replaceAll(" ").strip();
        if (s.endsWith(";")) s = s.substring(0, s.length() - 1).strip();
        return s;
    }

    public static long fnv1a(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

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
