package dev.bypass.observability;

/**
 * Normalised SQL text: literals and parameter placeholders become {@code ?}, runs of white space become one space,
 * comments are dropped, so {@code SELECT * FROM t WHERE id = 42} and {@code select *  from t where id=$1} share
 * a fingerprint only when they differ in literals and spacing (keywords keep their case). The fingerprint is the
 * 64-bit FNV-1a hash of the normalised bytes.
 */
public final class SqlText {
    private SqlText() {}

    private static final long FNV_OFFSET = 0xcbf29ce484222325L, FNV_PRIME = 0x100000001b3L;

    /**
     * Normalises the first {@code length} bytes of {@code text} (UTF-8, stopping at a NUL) in place, NUL-terminates
     * the result when there is room, and returns its fingerprint.
     */
    public static long normalize(byte[] text, int length) {
        int out = 0;
        boolean space = false, ident = false;
        int i = 0;
        while (i < length && text[i] != 0) {
            int c = text[i] & 0xff;
            if (c == '\'' || (c == 'E' || c == 'e') && i + 1 < length && text[i + 1] == '\'' && !ident) {
                if (c != '\'') i++;
                i++;
                while (i < length && text[i] != 0) {
                    if (text[i] == '\'' && (i + 1 >= length || text[i + 1] != '\'')) break;
                    i += text[i] == '\'' ? 2 : 1;
                }
                i++;
                out = emit(text, out, space, '?');
                space = false;
                ident = false;
                continue;
            }
            if (c == '-' && i + 1 < length && text[i + 1] == '-') {
                while (i < length && text[i] != 0 && text[i] != '\n') i++;
                space = out > 0;
                continue;
            }
            if (c == '/' && i + 1 < length && text[i + 1] == '*') {
                i += 2;
                while (i + 1 < length && text[i] != 0 && !(text[i] == '*' && text[i + 1] == '/')) i++;
                i += 2;
                space = out > 0;
                continue;
            }
            if ((c == '$' && i + 1 < length && isDigit(text[i + 1])) || (isDigit(c) && !ident)
                    || (c == '.' && !ident && i + 1 < length && isDigit(text[i + 1]))) {
                i++;
                while (i < length && (isDigit(text[i]) || text[i] == '.' || text[i] == 'e' || text[i] == 'E')) i++;
                out = emit(text, out, space, '?');
                space = false;
                ident = false;
                continue;
            }
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                space = out > 0;
                ident = false;
                i++;
                continue;
            }
            out = emit(text, out, space, c);
            space = false;
            ident = Character.isLetterOrDigit(c) || c == '_' || c >= 0x80;
            i++;
        }
        if (out < text.length) text[out] = 0;
        long h = FNV_OFFSET;
        for (int k = 0; k < out; k++) h = (h ^ (text[k] & 0xff)) * FNV_PRIME;
        return h;
    }

    /** The normalised form of a string (for hosts and tests). */
    public static String normalize(String sql) {
        byte[] b = sql.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        normalize(b, b.length);
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The fingerprint of a string's normalised form. */
    public static long fingerprint(String sql) {
        byte[] b = sql.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return normalize(b, b.length);
    }

    private static boolean isDigit(int c) { return c >= '0' && c <= '9'; }

    // Writing never overtakes reading: each emitted byte (and the space before it) replaces at least as many read.
    private static int emit(byte[] text, int out, boolean space, int c) {
        if (space) text[out++] = ' ';
        text[out++] = (byte) c;
        return out;
    }
}
