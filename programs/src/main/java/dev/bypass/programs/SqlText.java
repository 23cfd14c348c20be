package dev.bypass.programs;

import java.nio.charset.StandardCharsets;

/**
 * Normalised SQL text, the one definition every hook uses (the proxy's query hook, the agent's
 * {@code bypass_normalize_sql} helper): literals and parameters become {@code ?}, comments go, runs of white space
 * become one space, a trailing {@code ;} is dropped, keywords keep their case. So {@code SELECT * FROM t WHERE id = 42}
 * and {@code SELECT *  FROM t WHERE id=$1 -- by id} share a fingerprint, the 64-bit FNV-1a hash of the normalised
 * UTF-8 bytes.
 *
 * <p>Literals: quoted strings ({@code ''} inside) and {@code E'...'} strings; {@code $n} parameters; numbers (digits,
 * a fraction, an exponent, or a leading {@code .}), with their minus sign, when not preceded by a word character or
 * {@code $} (so {@code t1} and {@code x-5}'s {@code x} stay, and {@code x-5} becomes {@code x-?}). An unterminated
 * quote stays as written. One pass over the bytes, in place: this runs for every query.
 */
public final class SqlText {
    private SqlText() {}

    private static final long FNV_OFFSET = 0xcbf29ce484222325L, FNV_PRIME = 0x100000001b3L;

    /**
     * Normalises the first {@code length} bytes of {@code text} (UTF-8, stopping at a NUL) in place, NUL-terminates
     * the result when there is room, and returns its fingerprint. Writing never overtakes reading: every byte written
     * replaces at least one read.
     */
    public static long normalize(byte[] text, int length) {
        int out = 0, i = 0;
        boolean space = false;
        // The byte before the current one as the literal rules see it: the input's, with literals already '?'.
        int prev = ' ';
        while (i < length && text[i] != 0) {
            int c = text[i] & 0xff;
            if (isSpace(c)) {
                space = true;
                prev = c;
                i++;
                continue;
            }
            if (c == '-' && at(text, length, i + 1) == '-') { // comment to the end of the line
                while (i < length && text[i] != 0 && text[i] != '\n') i++;
                space = true;
                prev = ' ';
                continue;
            }
            if (c == '/' && at(text, length, i + 1) == '*') {
                i += 2;
                while (i < length && text[i] != 0 && !(text[i] == '*' && at(text, length, i + 1) == '/')) i++;
                i = Math.min(length, i + 2);
                space = true;
                prev = ' ';
                continue;
            }
            int end = -1;
            if (c == '\'') end = stringEnd(text, length, i + 1);
            else if ((c == 'E' || c == 'e') && at(text, length, i + 1) == '\'' && !isWord(prev)) end = stringEnd(text, length, i + 2);
            else if (c == '$' && isDigit(at(text, length, i + 1))) end = digitsEnd(text, length, i + 1);
            else if (!isWord(prev) && prev != '$') {
                int n = c == '-' ? i + 1 : i;
                if (isDigit(at(text, length, n)) || at(text, length, n) == '.' && isDigit(at(text, length, n + 1))) end = numberEnd(text, length, n);
            }
            if (end >= 0) {
                // after a number the rules see its last digit, after a string or parameter the '?' (read before
                // emitting: the '?' may land on those bytes)
                prev = c == '$' || c == '\'' || c == 'E' || c == 'e' ? '?' : text[end - 1] & 0xff;
                out = emit(text, out, space, '?');
                space = false;
                i = end;
                continue;
            }
            out = emit(text, out, space, c);
            space = false;
            prev = c;
            i++;
        }
        if (out > 0 && text[out - 1] == ';') {
            out--;
            while (out > 0 && text[out - 1] == ' ') out--;
        }
        if (out < text.length) text[out] = 0;
        long h = FNV_OFFSET;
        for (int k = 0; k < out; k++) h = (h ^ (text[k] & 0xff)) * FNV_PRIME;
        return h;
    }

    /** The normalised form of a string. */
    public static String normalize(String sql) {
        byte[] b = sql.getBytes(StandardCharsets.UTF_8);
        normalize(b, b.length);
        return terminated(b);
    }

    /** The fingerprint of a string's normalised form. */
    public static long fingerprint(String sql) {
        byte[] b = sql.getBytes(StandardCharsets.UTF_8);
        return normalize(b, b.length);
    }

    /** The text of a NUL-terminated (or full) UTF-8 buffer, as {@link #normalize(byte[], int)} leaves it. */
    public static String terminated(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /** The index after the closing quote of a string whose body starts at {@code i}; -1 when it is not closed. */
    private static int stringEnd(byte[] t, int length, int i) {
        while (i < length && t[i] != 0) {
            if (t[i] == '\'') {
                if (at(t, length, i + 1) == '\'') i += 2;
                else return i + 1;
            } else i++;
        }
        return -1;
    }

    private static int digitsEnd(byte[] t, int length, int i) {
        while (isDigit(at(t, length, i))) i++;
        return i;
    }

    /** The end of a number starting at {@code i}: digits, a fraction, an exponent with its digits. */
    private static int numberEnd(byte[] t, int length, int i) {
        i = digitsEnd(t, length, i);
        if (at(t, length, i) == '.' && isDigit(at(t, length, i + 1))) i = digitsEnd(t, length, i + 1);
        int e = at(t, length, i);
        if (e == 'e' || e == 'E') {
            int j = i + 1;
            if (at(t, length, j) == '+' || at(t, length, j) == '-') j++;
            if (isDigit(at(t, length, j))) i = digitsEnd(t, length, j);
        }
        return i;
    }

    /** The byte at {@code i}, or 0 past the end. */
    private static int at(byte[] t, int length, int i) { return i < length ? t[i] & 0xff : 0; }

    private static boolean isDigit(int c) { return c >= '0' && c <= '9'; }

    /** ASCII letters, digits and {@code _}, and any byte of a non-ASCII UTF-8 character (letters of other scripts). */
    private static boolean isWord(int c) { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '_' || c >= 0x80; }

    private static boolean isSpace(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b; }

    private static int emit(byte[] text, int out, boolean space, int c) {
        if (space && out > 0) text[out++] = ' ';
        text[out++] = (byte) c;
        return out;
    }
}
