package dev.bypass.proxy.server;

import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.config.Settings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a client's StartupMessage asks for, read as PgBouncer reads it: the user and database (the user's name when
 * none), the parameters the proxy keeps per client and sets on whichever server the client gets ({@link #TRACKED},
 * plus track_extra_parameters), {@code -c name=value} and {@code --name=value} inside {@code options}, and protocol
 * extensions ({@code _pq_.*}, declined). Any other parameter must be listed in ignore_startup_parameters, or the
 * login is refused; {@code replication} connections are refused.
 */
record StartupParameters(String user, String database, Map<String, String> tracked, List<String> protocolExtensions) {
    /** Parameters every client has tracked, by the name PostgreSQL reports them under. */
    static final List<String> TRACKED = List.of("client_encoding", "DateStyle", "TimeZone", "standard_conforming_strings", "application_name");

    /** A start-up parameter the proxy refuses: the message to send, with SQLSTATE 08P01. */
    static final class Refused extends RuntimeException {
        Refused(String message) { super(message, null, false, false); }
    }

    static StartupParameters read(Map<String, String> params, ProxyConfig config) {
        List<String> extra = config.get(Settings.TRACK_EXTRA_PARAMETERS), ignored = config.get(Settings.IGNORE_STARTUP_PARAMETERS);
        Map<String, String> tracked = new LinkedHashMap<>();
        List<String> extensions = new java.util.ArrayList<>();
        String user = "", database = null;
        for (var e : params.entrySet()) {
            String key = e.getKey(), value = e.getValue();
            switch (key) {
                case "user" -> user = value;
                case "database" -> database = value;
                case "replication" -> throw new Refused("replication connections are not supported by this proxy: connect to PostgreSQL directly");
                case "options" -> options(value, tracked, extra, ignored);
                default -> {
                    if (key.startsWith("_pq_.")) extensions.add(key);
                    else if (!track(key, value, tracked, extra) && !containsIgnoreCase(ignored, key))
                        throw new Refused("unsupported startup parameter: " + key);
                }
            }
        }
        return new StartupParameters(user, database == null || database.isEmpty() ? user : database, tracked, extensions);
    }

    /** Records a tracked parameter under its canonical name; false when {@code name} is not tracked. */
    private static boolean track(String name, String value, Map<String, String> tracked, List<String> extra) {
        for (String t : TRACKED) if (t.equalsIgnoreCase(name)) { tracked.put(t, value); return true; }
        for (String t : extra) if (t.equalsIgnoreCase(name)) { tracked.put(t, value); return true; }
        return false;
    }

    /** {@code -c name=value} and {@code --name=value}, backslash escaping a space or another backslash. */
    private static void options(String options, Map<String, String> tracked, List<String> extra, List<String> ignored) {
        int i = 0, n = options.length();
        while (true) {
            while (i < n && Character.isWhitespace(options.charAt(i))) i++;
            if (i >= n) return;
            if (options.startsWith("-c", i)) {
                i += 2;
                while (i < n && Character.isWhitespace(options.charAt(i))) i++;
            } else if (options.startsWith("--", i)) {
                i += 2;
            } else {
                if (containsIgnoreCase(ignored, "options")) return;
                throw new Refused("unsupported options startup parameter: only '-c config=val' and '--config=val' are allowed");
            }
            StringBuilder arg = new StringBuilder();
            while (i < n && !Character.isWhitespace(options.charAt(i))) {
                char c = options.charAt(i++);
                if (c == '\\' && i < n) c = options.charAt(i++);
                arg.append(c);
            }
            int eq = arg.indexOf("=");
            if (eq <= 0) throw new Refused("unsupported options startup parameter: expected -c name=value, got " + arg);
            String name = arg.substring(0, eq), value = arg.substring(eq + 1);
            if (!track(name, value, tracked, extra) && !containsIgnoreCase(ignored, name) && !containsIgnoreCase(ignored, "options"))
                throw new Refused("unsupported startup parameter in options: " + name);
        }
    }

    private static boolean containsIgnoreCase(List<String> list, String s) {
        for (String x : list) if (x.equalsIgnoreCase(s)) return true;
        return false;
    }

    /** The value a tracked parameter should have, quoted for a SET statement. */
    static String setStatement(String name, String value) {
        return "SET " + quoteIdent(name) + " = " + quoteLiteral(value);
    }

    private static String quoteIdent(String s) {
        return s.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= '0' && c <= '9')
                ? s : "\"" + s.replace("\"", "\"\"") + "\"";
    }

    private static String quoteLiteral(String s) {
        return s.contains("\\") ? "E'" + s.replace("\\", "\\\\").replace("'", "''") + "'" : "'" + s.replace("'", "''") + "'";
    }

    static String lower(String s) { return s.toLowerCase(Locale.ROOT); }
}
