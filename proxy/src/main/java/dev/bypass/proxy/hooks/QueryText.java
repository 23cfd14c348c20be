package dev.bypass.proxy.hooks;

import dev.bypass.proxy.sql.StatementClass;

/**
 * What the proxy's hooks compute from names and command tags: FNV-1a hashes of names (role and database hashes in
 * the programs' contexts) and the class of a CommandComplete tag ("INSERT 0 1", "CREATE TABLE") by its first word:
 * tags come from the server, so their first word is the statement. Queries are classified by
 * {@link dev.bypass.proxy.sql.StatementClassifier}; their normalised text and fingerprint come from
 * {@link dev.bypass.programs.SqlText}, the one definition all hooks share.
 */
public final class QueryText {
    private QueryText() {}

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

    /** First words of command tags and their classes; looked up without copying the tag (one per statement). */
    private static final String[][] TAG_WORDS = {
            {"SELECT", "SHOW", "FETCH", "MOVE"},
            {"INSERT", "COPY"},
            {"UPDATE", "MERGE"},
            {"DELETE", "TRUNCATE"},
            {"CREATE", "ALTER", "DROP", "COMMENT", "GRANT", "REVOKE", "REINDEX", "CLUSTER", "REFRESH", "IMPORT"},
            {"BEGIN", "START", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PREPARE"},
            {"SET", "RESET", "DISCARD", "VACUUM", "ANALYZE", "EXPLAIN", "LISTEN", "NOTIFY", "UNLISTEN", "DEALLOCATE", "LOCK"},
            {"CALL", "DO", "LOAD"}};
    private static final StatementClass[] TAG_CLASSES = {StatementClass.SELECT, StatementClass.INSERT, StatementClass.UPDATE,
            StatementClass.DELETE, StatementClass.DDL, StatementClass.TRANSACTION, StatementClass.UTILITY, StatementClass.ROUTINE};

    /** The class of a CommandComplete tag ("INSERT 0 1", "CREATE TABLE"), by its first word. */
    public static StatementClass tagClass(String tag) {
        int start = 0;
        while (start < tag.length() && Character.isWhitespace(tag.charAt(start))) start++;
        int end = start;
        while (end < tag.length() && Character.isLetter(tag.charAt(end))) end++;
        int length = end - start;
        for (int c = 0; c < TAG_WORDS.length; c++)
            for (String k : TAG_WORDS[c])
                if (k.length() == length && tag.regionMatches(true, start, k, 0, length)) return TAG_CLASSES[c];
        return StatementClass.OTHER;
    }

    /**
     * Whether the UTF-8 text's first word is {@code keyword} (upper-case ASCII), ignoring case and leading white space;
     * read from the bytes, so that asking costs no decoding. A byte of a multibyte character after the word continues
     * it, as in PostgreSQL's lexer.
     */
    public static boolean startsWithKeyword(byte[] text, int length, String keyword) {
        int start = 0;
        while (start < length && isSpace(text[start])) start++;
        int end = start + keyword.length();
        if (end > length) return false;
        for (int i = 0; i < keyword.length(); i++) {
            int b = text[start + i];
            if ((b >= 'a' && b <= 'z' ? b - ('a' - 'A') : b) != keyword.charAt(i)) return false;
        }
        if (end == length) return true;
        int next = text[end];
        return !(next < 0 || next == '_' || next >= '0' && next <= '9' || next >= 'a' && next <= 'z' || next >= 'A' && next <= 'Z');
    }

    /** PostgreSQL's white space: space, tab, newline, carriage return, vertical tab, form feed. */
    private static boolean isSpace(byte b) { return b == ' ' || b >= '\t' && b <= '\r'; }
}
