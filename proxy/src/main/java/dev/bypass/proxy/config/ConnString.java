package dev.bypass.proxy.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code key=value key='quoted value'} strings of the [databases], [users] and [peers] sections, read as
 * PgBouncer reads them: pairs separated by spaces, a value in single quotes may hold spaces ({@code ''} is a quote),
 * empty values are an error.
 */
final class ConnString {
    private ConnString() {}

    /** The pairs in order; IllegalArgumentException saying what is wrong where. */
    static Map<String, String> parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0, n = text.length();
        while (true) {
            while (i < n && Character.isWhitespace(text.charAt(i))) i++;
            if (i >= n) return out;
            int keyStart = i;
            while (i < n && text.charAt(i) != '=' && !Character.isWhitespace(text.charAt(i))) i++;
            String key = text.substring(keyStart, i);
            while (i < n && Character.isWhitespace(text.charAt(i))) i++;
            if (key.isEmpty() || i >= n || text.charAt(i) != '=')
                throw new IllegalArgumentException("expected key=value, got '" + text.substring(keyStart) + "'");
            i++;
            while (i < n && Character.isWhitespace(text.charAt(i))) i++;
            StringBuilder value = new StringBuilder();
            if (i < n && text.charAt(i) == '\'') {
                i++;
                while (true) {
                    if (i >= n) throw new IllegalArgumentException("unterminated quoted value of " + key);
                    char c = text.charAt(i++);
                    if (c == '\'') {
                        if (i < n && text.charAt(i) == '\'') {
                            value.append('\'');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        value.append(c);
                    }
                }
            } else {
                while (i < n && !Character.isWhitespace(text.charAt(i))) value.append(text.charAt(i++));
            }
            if (value.isEmpty()) throw new IllegalArgumentException("empty value for " + key);
            if (out.put(key, value.toString()) != null) throw new IllegalArgumentException(key + " given twice");
        }
    }
}
