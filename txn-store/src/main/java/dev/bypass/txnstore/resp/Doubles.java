package dev.bypass.txnstore.resp;

import java.nio.charset.StandardCharsets;

/** Scores as Redis reads and prints them: "inf"/"-inf", decimal or exponent notation, the shortest round-trip digits. */
final class Doubles {
    private Doubles() {}

    /** Parses a score; null when the text is not a number Redis accepts (NaN, hexadecimal, Java's suffixes, blanks). */
    static Double parse(byte[] b) {
        String s = new String(b, StandardCharsets.US_ASCII);
        switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "inf", "+inf", "infinity", "+infinity" -> { return Double.POSITIVE_INFINITY; }
            case "-inf", "-infinity" -> { return Double.NEGATIVE_INFINITY; }
            default -> { }
        }
        int i = 0, n = s.length();
        if (n == 0 || n > 256) return null;
        if (s.charAt(i) == '+' || s.charAt(i) == '-') i++;
        int digits = 0;
        while (i < n && Character.isDigit(s.charAt(i))) { i++; digits++; }
        if (i < n && s.charAt(i) == '.') {
            i++;
            while (i < n && Character.isDigit(s.charAt(i))) { i++; digits++; }
        }
        if (digits == 0) return null;
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
            int exp = 0;
            while (i < n && Character.isDigit(s.charAt(i))) { i++; exp++; }
            if (exp == 0) return null;
        }
        if (i != n) return null;
        double d = Double.parseDouble(s);
        return Double.isNaN(d) ? null : d;
    }

    /** Redis's text for a double: integers without a fraction, "inf", "-inf", otherwise the shortest round-trip form. */
    static String format(double d) {
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (Double.isNaN(d)) return "nan";
        if (d == Math.rint(d) && Math.abs(d) < 1e17) return Long.toString((long) d);
        String j = Double.toString(d); // shortest digits that round-trip
        int e = j.indexOf('E');
        if (e < 0) return j;
        String mantissa = j.substring(0, e);
        if (mantissa.endsWith(".0")) mantissa = mantissa.substring(0, mantissa.length() - 2);
        int exp = Integer.parseInt(j.substring(e + 1));
        return mantissa + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }
}
