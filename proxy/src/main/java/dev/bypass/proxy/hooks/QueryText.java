package dev.bypass.proxy.hooks;

import java.util.Locale;

/** What hooks learn about a query without parsing it: its normalized text, a hash of that, its statement class. */
public final class QueryText {
    private QueryText() {}

    public static final int OTHER = 0, SELECT = 1, INSERT = 2, UPDATE = 3, DELETE = 4, DDL = 5, TRANSACTION = 6, UTILITY = 7;
    private static final String[] CLASS_NAMES = {"other", "select", "insert", "update", "delete", "ddl", "transaction", "utility"};

    /**
     * Literals and parameters become '?', whitespace collapses, so one statement shape has one text: a quoted
     * string ('' inside), {@code $n}, and a number (digits, fraction, exponent; with its minus sign when that does
     * not follow a word character) not preceded by a word character or {@code $}. One pass over the text: this runs
     * for every query.
     */
    public static String normalize(String sql) {
        int n = sql.length();
        StringBuilder out = new StringBuilder(n);
        boolean space = false;
        // The character before the current one as the number rule sees it: the input's, with literals and
        // parameters already '?' (they are replaced first) and whitespace not yet collapsed.
        char prev = ' ';
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                space = true;
                prev = c;
                i++;
                continue;
            }
            if (space) {
                if (out.length() > 0) out.append(' ');
                space = false;
            }
            if (c == '\'') {
                int j = i + 1;
                while (j < n) {
                    if (sql.charAt(j) == '\'') {
                        if (j + 1 < n && sql.charAt(j + 1) == '\'') j += 2;
                        else break;
                    } else j++;
                }
                if (j < n) { // a closed string literal
                    out.append('?');
                    prev = '?';
                    i = j + 1;
                    continue;
                }
                out.append(c); // an unterminated quote stays as written
                prev = c;
                i++;
                continue;
            }
            if (c == '$' && i + 1 < n && isDigit(sql.charAt(i + 1))) {
                i += 2;
                while (i < n && isDigit(sql.charAt(i))) i++;
                out.append('?');
                prev = '?';
                continue;
            }
            boolean minus = c == '-' && i + 1 < n && isDigit(sql.charAt(i + 1));
            if ((isDigit(c) || minus) && !isWord(prev) && prev != '$') {
                i = skipNumber(sql, minus ? i + 1 : i);
                out.append('?');
                prev = sql.charAt(i - 1);
                continue;
            }
            out.append(c);
            prev = c;
            i++;
        }
        int len = out.length();
        if (len > 0 && out.charAt(len - 1) == ';') {
            out.setLength(len - 1);
            while (out.length() > 0 && out.charAt(out.length() - 1) == ' ') out.setLength(out.length() - 1);
        }
        return out.toString();
    }

    private static int skipNumber(String s, int i) {
        int n = s.length();
        while (i < n && isDigit(s.charAt(i))) i++;
        if (i + 1 < n && s.charAt(i) == '.' && isDigit(s.charAt(i + 1))) {
            i++;
            while (i < n && isDigit(s.charAt(i))) i++;
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            int j = i + 1;
            if (j < n && (s.charAt(j) == '+' || s.charAt(j) == '-')) j++;
            if (j < n && isDigit(s.charAt(j))) {
                i = j;
                while (i < n && isDigit(s.charAt(i))) i++;
            }
        }
        return i;
    }

    private static boolean isDigit(char c) { return c >= '0' && c <= '9'; }

    private static boolean isWord(char c) { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '_'; }

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
