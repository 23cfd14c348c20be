package dev.bypass.proxy.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The proxy's configuration file, PgBouncer's pgbouncer.ini as PgBouncer reads it: sections {@code [databases]},
 * {@code [pgbouncer]} (also spelt {@code [bypass]}), {@code [users]} and {@code [peers]}; {@code key = value} lines;
 * lines starting with ';' or '#' are comments (those characters mean nothing later in a line); a key set twice keeps
 * its last value; {@code %include FILE} reads another file in place. Every key of {@link Settings} is known; every
 * error names the file, the line and the key, and an unknown key or a value this proxy cannot honour stops the start.
 * Relative paths (auth_file, %include, TLS files, ...) resolve against the directory of the file that names them.
 */
public final class ProxyConfigFile {
    private ProxyConfigFile() {}

    /** A configuration error: where, which key, what is wrong. */
    public static final class ConfigException extends dev.bypass.proxy.config.ConfigException {
        public ConfigException(String message) { super(message); }
    }

    /** The keys of the [programs] section: the proxy's hooks. */
    public static final List<String> PROGRAM_HOOKS = List.of("connect", "auth", "query", "result", "route", "mirror");

    /** Files including files this deep are refused (an include loop). */
    private static final int MAX_INCLUDE_DEPTH = 10;

    /** Keys whose values are paths, resolved against the directory of the file that sets them. */
    private static final List<Setting<String>> PATHS = List.of(Settings.AUTH_FILE, Settings.AUTH_HBA_FILE, Settings.AUTH_IDENT_FILE,
            Settings.LOGFILE, Settings.PIDFILE, Settings.CLIENT_TLS_CERT_FILE, Settings.CLIENT_TLS_KEY_FILE, Settings.CLIENT_TLS_CA_FILE,
            Settings.SERVER_TLS_CA_FILE, Settings.SERVER_TLS_CERT_FILE, Settings.SERVER_TLS_KEY_FILE);

    private record Line(String file, int number, Path dir) {
        ConfigException error(String key, String message) {
            return new ConfigException(file + ":" + number + ": " + (key != null ? key + ": " : "") + message);
        }
    }

    private record Entry(String value, Line line) {}

    /** What the file says, before it is checked as a whole. */
    private static final class Sections {
        final Map<String, Entry> general = new LinkedHashMap<>(), databases = new LinkedHashMap<>(), users = new LinkedHashMap<>(),
                peers = new LinkedHashMap<>();
        /** Null until a [programs] header is read. */
        Map<String, dev.bypass.proxy.config.ProgramSpec> programs;
    }

    public static ProxyConfig read(Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        if (!Files.isRegularFile(abs)) throw new ConfigException(file + ": no such configuration file");
        Sections s = new Sections();
        read(abs, file.toString(), s, 0, new ArrayList<>());
        return build(s, file.toString()).withFile(abs);
    }

    /** Reads text as if it were the file {@code source} in {@code baseDir} (tests). */
    public static ProxyConfig parse(String text, String source, Path baseDir) throws IOException {
        Sections s = new Sections();
        parseText(text, source, baseDir == null ? Path.of("").toAbsolutePath() : baseDir, s, 0, new ArrayList<>(), new String[1]);
        return build(s, source);
    }

    private static void read(Path file, String shown, Sections s, int depth, List<Path> including) throws IOException {
        parseText(Files.readString(file), shown, file.getParent(), s, depth, including, new String[1]);
    }

    private static void parseText(String text, String source, Path dir, Sections s, int depth, List<Path> including, String[] section) throws IOException {
        String[] lines = text.split("\r?\n|\r", -1);
        for (int n = 1; n <= lines.length; n++) {
            Line where = new Line(source, n, dir);
            String line = lines[n - 1].strip();
            if (line.isEmpty() || line.startsWith(";") || line.startsWith("#")) continue;
            if (line.startsWith("%include")) {
                String name = line.substring("%include".length()).strip();
                if (name.isEmpty()) throw where.error(null, "%include needs a file name");
                Path inc = dir.resolve(name).normalize();
                if (!Files.isRegularFile(inc)) throw where.error(null, "%include " + name + ": no such file (" + inc + ")");
                if (depth >= MAX_INCLUDE_DEPTH || including.contains(inc))
                    throw where.error(null, "%include " + name + ": included files nest too deep (a loop?)");
                including.add(inc);
                // an included file continues in the section where it was included, as PgBouncer reads it
                parseText(Files.readString(inc), inc.toString(), inc.getParent(), s, depth + 1, including, section);
                including.removeLast();
                continue;
            }
            if (line.startsWith("[")) {
                if (!line.endsWith("]")) throw where.error(null, "malformed section header " + line);
                String name = line.substring(1, line.length() - 1).strip().toLowerCase(Locale.ROOT);
                if (!List.of("databases", "pgbouncer", "bypass", "users", "peers", "programs").contains(name))
                    throw where.error(null, "unknown section [" + name + "] (known: [databases], [pgbouncer] or [bypass], [users], [peers], [programs])");
                if (name.equals("programs") && s.programs == null) s.programs = new LinkedHashMap<>();
                section[0] = name;
                continue;
            }
            int eq = keyEnd(line);
            if (eq <= 0 || line.charAt(eq) != '=') throw where.error(null, "expected key = value, got " + line);
            String key = line.substring(0, eq).strip(), value = line.substring(eq + 1).strip();
            if (key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"")) key = key.substring(1, key.length() - 1).replace("\"\"", "\"");
            if (section[0] == null) throw where.error(key, "setting outside a section");
            Entry e = new Entry(value, where);
            switch (section[0]) {
                case "databases" -> {
                    if (key.equalsIgnoreCase(ProxyConfig.PGBOUNCER_DATABASE) || key.equalsIgnoreCase(ProxyConfig.ADMIN_DATABASE))
                        throw where.error(key, "the name is reserved for the admin console");
                    s.databases.put(key, e);
                }
                case "users" -> s.users.put(key, e);
                case "peers" -> s.peers.put(key, e);
                case "programs" -> {
                    String hook = key.toLowerCase(Locale.ROOT);
                    if (!PROGRAM_HOOKS.contains(hook))
                        throw where.error(key, "unknown hook (the [programs] keys are " + String.join(", ", PROGRAM_HOOKS) + ")");
                    try {
                        s.programs.put(hook, dev.bypass.proxy.config.ProgramSpec.parse(hook, value, dir, source + ":" + n));
                    } catch (IllegalArgumentException ex) {
                        throw where.error(key, ex.getMessage());
                    }
                }
                default -> {
                    String k = key.toLowerCase(Locale.ROOT);
                    if (Settings.named(k) == null) throw where.error(key, "unknown setting" + suggestion(k));
                    s.general.put(k, e); // the last assignment wins, as in PgBouncer
                }
            }
        }
    }

    /** Where a key ends: at '=' outside double quotes (database names may be quoted). */
    private static int keyEnd(String line) {
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') quoted = !quoted;
            else if (c == '=' && !quoted) return i;
        }
        return -1;
    }

    private static String suggestion(String key) {
        String best = null;
        int bestDistance = 3;
        for (Setting<?> s : Settings.all()) {
            int d = distance(key, s.name());
            if (d < bestDistance) {
                best = s.name();
                bestDistance = d;
            }
        }
        return best == null ? " (SHOW CONFIG on the console, or the README, lists the keys)" : " (did you mean " + best + "?)";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++)
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** Checks the file as a whole and makes the configuration. */
    private static ProxyConfig build(Sections s, String source) throws IOException {
        ProxyConfig c = new ProxyConfig(Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), null, null, null, null, null);
        Map<Setting<?>, Line> lines = new HashMap<>();
        for (var e : s.general.entrySet()) {
            Setting<?> key = Settings.named(e.getKey());
            Entry entry = e.getValue();
            Object value;
            try {
                value = key.parse(entry.value());
            } catch (IllegalArgumentException ex) {
                String hint = entry.value().contains(" ;") || entry.value().contains(" #") || entry.value().contains("\t;")
                        ? " (a comment must be on a line of its own: ';' and '#' mean nothing later in a line)" : "";
                throw entry.line().error(key.name(), ex.getMessage() + hint);
            }
            if (value instanceof String path && PATHS.contains(key) && !path.isEmpty()) {
                path = entry.line().dir().resolve(path).toString();
                c = c.withText(key, path, path);
            } else {
                c = c.withText(key, value, entry.value());
            }
            lines.put(key, entry.line());
        }
        Map<String, DatabaseConfig> dbs = new LinkedHashMap<>();
        for (var e : s.databases.entrySet()) {
            try {
                dbs.put(e.getKey(), DatabaseConfig.parse(e.getKey(), e.getValue().value()));
            } catch (IllegalArgumentException ex) {
                throw e.getValue().line().error(e.getKey(), ex.getMessage());
            }
        }
        Map<String, UserConfig> users = new LinkedHashMap<>();
        for (var e : s.users.entrySet()) {
            try {
                users.put(e.getKey(), UserConfig.parse(e.getKey(), e.getValue().value()));
            } catch (IllegalArgumentException ex) {
                throw e.getValue().line().error(e.getKey(), ex.getMessage());
            }
        }
        Map<Integer, PeerConfig> peers = new LinkedHashMap<>();
        for (var e : s.peers.entrySet()) {
            try {
                PeerConfig p = PeerConfig.parse(e.getKey(), e.getValue().value());
                peers.put(p.id(), p);
            } catch (IllegalArgumentException ex) {
                throw e.getValue().line().error(e.getKey(), ex.getMessage());
            }
        }
        c = c.withDatabases(dbs).withUsers(users).withPeers(peers).withPrograms(s.programs);
        checkTls(c, lines, source);
        Settings.AuthType auth = c.get(Settings.AUTH_TYPE);
        Line authLine = lines.getOrDefault(Settings.AUTH_TYPE, new Line(source, 1, null));
        String authFile = c.get(Settings.AUTH_FILE);
        if (authFile != null && !authFile.isEmpty()) {
            Line l = lines.get(Settings.AUTH_FILE);
            Path p = Path.of(authFile);
            if (!Files.isReadable(p)) throw l.error("auth_file", "cannot read " + p);
            try {
                c = c.withSecrets(AuthFile.read(p));
            } catch (dev.bypass.proxy.config.ConfigException ex) {
                throw l.error("auth_file", ex.getMessage());
            }
        } else if (auth != Settings.AuthType.ANY && auth != Settings.AuthType.CERT && c.get(Settings.AUTH_USER) == null
                && dbs.values().stream().allMatch(d -> d.authUser() == null)) {
            throw authLine.error("auth_type", "auth_type = " + c.text(Settings.AUTH_TYPE) + " needs auth_file (users and passwords) or auth_user with auth_query");
        } else {
            c = c.withSecrets(Map.of()); // users come from auth_query only
        }
        if (auth == Settings.AuthType.HBA) {
            String hba = c.get(Settings.AUTH_HBA_FILE);
            if (hba == null || hba.isEmpty()) throw authLine.error("auth_type", "auth_type = hba needs auth_hba_file");
            Path p = Path.of(hba);
            if (!Files.isReadable(p)) throw lines.get(Settings.AUTH_HBA_FILE).error("auth_hba_file", "cannot read " + p);
            IdentMap ident = null;
            String identFile = c.get(Settings.AUTH_IDENT_FILE);
            if (identFile != null && !identFile.isEmpty()) {
                Path ip = Path.of(identFile);
                if (!Files.isReadable(ip)) throw lines.get(Settings.AUTH_IDENT_FILE).error("auth_ident_file", "cannot read " + ip);
                ident = IdentMap.read(ip);
            }
            try {
                c = c.withHba(HbaRules.read(p), ident);
            } catch (dev.bypass.proxy.config.ConfigException ex) {
                throw lines.get(Settings.AUTH_HBA_FILE).error("auth_hba_file", ex.getMessage());
            }
        }
        if (auth == Settings.AuthType.ANY) {
            for (DatabaseConfig d : dbs.values())
                if (d.forcedUser() == null) throw authLine.error("auth_type", "auth_type = any needs user= on every database (" + d.name() + " has none)");
        }
        for (String hp : c.get(Settings.REPLICAS)) hostPort(hp, lines.get(Settings.REPLICAS), "replicas");
        if (!c.get(Settings.MIRROR).isEmpty()) hostPort(c.get(Settings.MIRROR), lines.get(Settings.MIRROR), "mirror");
        else if (lines.containsKey(Settings.MIRROR_QUEUE_SIZE)) throw lines.get(Settings.MIRROR_QUEUE_SIZE).error("mirror_queue_size", "set without mirror");
        return c;
    }

    private static void checkTls(ProxyConfig c, Map<Setting<?>, Line> lines, String source) {
        Settings.SslMode client = c.get(Settings.CLIENT_TLS_SSLMODE);
        if (client != Settings.SslMode.DISABLE) {
            for (Setting<String> k : List.of(Settings.CLIENT_TLS_CERT_FILE, Settings.CLIENT_TLS_KEY_FILE)) {
                String v = c.get(k);
                Line at = lines.getOrDefault(Settings.CLIENT_TLS_SSLMODE, new Line(source, 1, null));
                if (v.isEmpty()) throw at.error(k.name(), "needed for client_tls_sslmode = " + c.text(Settings.CLIENT_TLS_SSLMODE));
                if (!Files.isReadable(Path.of(v))) throw lines.get(k).error(k.name(), "cannot read " + v);
            }
            if (client == Settings.SslMode.VERIFY_CA || client == Settings.SslMode.VERIFY_FULL) {
                if (c.get(Settings.CLIENT_TLS_CA_FILE).isEmpty())
                    throw lines.get(Settings.CLIENT_TLS_SSLMODE).error("client_tls_ca_file", "needed for client_tls_sslmode = " + c.text(Settings.CLIENT_TLS_SSLMODE));
            }
        }
        if (c.get(Settings.AUTH_TYPE) == Settings.AuthType.CERT && client.compareTo(Settings.SslMode.VERIFY_CA) < 0)
            throw lines.getOrDefault(Settings.AUTH_TYPE, new Line(source, 1, null)).error("auth_type", "auth_type = cert needs client_tls_sslmode = verify-ca or verify-full");
        Settings.SslMode server = c.get(Settings.SERVER_TLS_SSLMODE);
        if ((server == Settings.SslMode.VERIFY_CA || server == Settings.SslMode.VERIFY_FULL) && c.get(Settings.SERVER_TLS_CA_FILE).isEmpty())
            throw lines.get(Settings.SERVER_TLS_SSLMODE).error("server_tls_ca_file", "needed for server_tls_sslmode = " + c.text(Settings.SERVER_TLS_SSLMODE));
        for (Setting<String> k : List.of(Settings.CLIENT_TLS_CA_FILE, Settings.SERVER_TLS_CA_FILE, Settings.SERVER_TLS_CERT_FILE, Settings.SERVER_TLS_KEY_FILE)) {
            String v = c.get(k);
            if (!v.isEmpty() && !Files.isReadable(Path.of(v))) throw lines.get(k).error(k.name(), "cannot read " + v);
        }
    }

    private static void hostPort(String hp, Line line, String key) {
        int colon = hp.lastIndexOf(':');
        if (colon <= 0) throw line.error(key, "expected HOST:PORT, got " + hp);
        try {
            int port = Integer.parseInt(hp.substring(colon + 1));
            if (port < 1 || port > 65535) throw line.error(key, "port out of range in " + hp);
        } catch (NumberFormatException e) {
            throw line.error(key, "expected HOST:PORT, got " + hp);
        }
    }

    /** The users of an auth_file (kept for callers that read one directly). */
    static Map<String, Secret> authFile(Path file) throws IOException { return AuthFile.read(file); }
}
