package dev.bypass.proxy.hooks;

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
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80) return fnv1a(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)); // the hash is over UTF-8 bytes
            h ^= c;
            h *= 0x100000001b3L;
        }
        return h;
    }

    private static long fnv1a(byte[] bytes) {
        long h = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** First keywords and their classes; looked up without copying the statement (it runs for every query). */
    private static final String[][] KEYWORDS = {
            {"SELECT", "WITH", "VALUES", "TABLE", "SHOW"},
            {"INSERT", "COPY"},
            {"UPDATE"},
            {"DELETE", "TRUNCATE"},
            {"CREATE", "ALTER", "DROP", "COMMENT", "GRANT", "REVOKE"},
            {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "PREPARE"},
            {"SET", "RESET", "DISCARD", "VACUUM", "ANALYZE", "EXPLAIN", "LISTEN", "NOTIFY", "UNLISTEN", "DEALLOCATE"}};
    private static final int[] KEYWORD_CLASSES = {SELECT, INSERT, UPDATE, DELETE, DDL, TRANSACTION, UTILITY};

    /** The class of a statement, or of a CommandComplete tag ("INSERT 0 1", "CREATE TABLE"), by its first word. */
    public static int statementClass(String sql) {
        int start = 0;
        while (start < sql.length() && Character.isWhitespace(sql.charAt(start))) start++;
        int end = start;
        while (end < sql.length() && Character.isLetter(sql.charAt(end))) end++;
        int length = end - start;
        for (int c = 0; c < KEYWORDS.length; c++)
            for (String k : KEYWORDS[c])
                if (k.length() == length && sql.regionMatches(true, start, k, 0, length)) return KEYWORD_CLASSES[c];
        return OTHER;
    }

    /** Whether the statement's first word is {@code keyword} (upper case), ignoring case and leading white space. */
    public static boolean startsWithKeyword(String sql, String keyword) {
        int start = 0;
        while (start < sql.length() && Character.isWhitespace(sql.charAt(start))) start++;
        int end = start + keyword.length();
        return sql.regionMatches(true, start, keyword, 0, keyword.length())
                && (end == sql.length() || !Character.isLetterOrDigit(sql.charAt(end)) && sql.charAt(end) != '_');
    }

    public static String className(int cls) { return cls >= 0 && cls < CLASS_NAMES.length ? CLASS_NAMES[cls] : "other"; }

    public static int classNamed(String name) {
        for (int i = 0; i < CLASS_NAMES.length; i++) if (CLASS_NAMES[i].equalsIgnoreCase(name)) return i;
        throw new IllegalArgumentException("unknown statement class '" + name + "' (" + String.join(", ", CLASS_NAMES) + ")");
    }
}
