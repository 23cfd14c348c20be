package dev.bypass.txnstore.resp;

/** Redis glob patterns for KEYS: *, ?, [abc], [^a-z], and \ escapes. */
final class Glob {
    private Glob() {}

    static boolean matches(String p, String s) { return match(p, 0, s, 0); }

    private static boolean match(String p, int pi, String s, int si) {
        while (pi < p.length()) {
            char c = p.charAt(pi);
            switch (c) {
                case '*' -> {
                    for (int k = si; k <= s.length(); k++) if (match(p, pi + 1, s, k)) return true;
                    return false;
                }
                case '?' -> {
                    if (si >= s.length()) return false;
                    pi++;
                    si++;
                }
                case '[' -> {
                    if (si >= s.length()) return false;
                    int end = p.indexOf(']', pi + 1);
                    if (end < 0) return si < s.length() && s.charAt(si) == '[' && match(p, pi + 1, s, si + 1);
                    String set = p.substring(pi + 1, end);
                    boolean neg = set.startsWith("^");
                    if (neg) set = set.substring(1);
                    char x = s.charAt(si);
                    boolean in = false;
                    for (int i = 0; i < set.length(); i++) {
                        if (i + 2 < set.length() && set.charAt(i + 1) == '-') {
                            if (x >= set.charAt(i) && x <= set.charAt(i + 2)) in = true;
                            i += 2;
                        } else if (set.charAt(i) == x) in = true;
                    }
                    if (in == neg) return false;
                    pi = end + 1;
                    si++;
                }
                case '\\' -> {
                    if (pi + 1 < p.length()) pi++;
                    if (si >= s.length() || s.charAt(si) != p.charAt(pi)) return false;
                    pi++;
                    si++;
                }
                default -> {
                    if (si >= s.length() || s.charAt(si) != c) return false;
                    pi++;
                    si++;
                }
            }
        }
        return si == s.length();
    }
}
