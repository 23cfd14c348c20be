package dev.bypass.observability.agent;

import dev.bypass.observability.telemetry.StatementCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The agent's configuration: one directive per line, {@code #} starts a comment.
 *
 * <pre>
 * engine jit                                   # interpreter | jit | auto (default auto)
 * object telemetry bundled:query_telemetry     # or a path to a clang-built object (relative to the file)
 * entry org.example.Dao#find telemetry:on_find [deny=java.lang.SecurityException]
 * exit  org.example.Dao#find(Ljava/lang/String;)V telemetry:on_found
 * file-open acl:check_open [user=1000]        # java.io and NIO file opens, context struct open_request
 * records telemetry:features query_features jsonl /tmp/features.jsonl
 * sql-cache 4096                               # statements whose normalised text bypass_arg_sql keeps
 * metrics 9464 [127.0.0.1]                     # Prometheus scrape endpoint for every object's maps (read-only)
 * admin 9465 [127.0.0.1] [token=FILE]          # administration: map entries, ACL records (bypass acl)
 * </pre>
 *
 * Both endpoints listen on loopback unless the line names another address. The administration endpoint changes
 * maps, so every request must carry the bearer token the agent generates at start into a file only the
 * application's user can read ({@link AdminToken}; by default in that user's private runtime directory).
 *
 * An {@code entry} program's nonzero r0 denies the call: it throws the named exception (default
 * {@link SecurityException}) before the method body runs. A {@code file-open} program returns 1 to allow, 0 to deny
 * ({@link java.nio.file.AccessDeniedException}), 2 when it has no rule for the file (allowed).
 */
public record AgentConfig(String engine, Map<String, String> objects, List<MethodProbe> probes, List<FileOpen> fileOpens,
                          List<Records> records, Metrics metrics, Admin admin, int statementCache) {

    public enum Phase { ENTRY, EXIT }

    public record ProgramRef(String object, String program) {
        @Override public String toString() { return object + ":" + program; }
    }

    public record MethodProbe(Phase phase, String className, String method, String descriptor, ProgramRef program, String denyWith) {}

    public record FileOpen(ProgramRef program, Integer user) {}

    public record Records(ProgramRef ring, String struct, String format, Path file) {}

    public record Metrics(int port, String host) {}

    /** The administration endpoint; {@code tokenFile} null for the default place ({@link AdminToken#defaultFile}). */
    public record Admin(int port, String host, Path tokenFile) {}

    public static final String LOOPBACK = "127.0.0.1";

    /** A configuration error, naming the line. */
    public static final class ConfigException extends IllegalArgumentException {
        public ConfigException(String message) { super(message); }
    }

    /** Reads a configuration file; relative object paths resolve against its directory. */
    public static AgentConfig read(Path file) throws IOException {
        return parse(Files.readString(file), file.toString(), file.toAbsolutePath().getParent());
    }

    public static AgentConfig parse(String text, String source, Path baseDir) {
        String engine = "auto";
        Map<String, String> objects = new LinkedHashMap<>();
        List<MethodProbe> probes = new ArrayList<>();
        List<FileOpen> fileOpens = new ArrayList<>();
        List<Records> records = new ArrayList<>();
        Metrics metrics = null;
        Admin admin = null;
        int statementCache = StatementCache.DEFAULT_ENTRIES;
        String[] lines = text.split("\r?\n");
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            int hash = line.indexOf('#');
            // '#' also separates class and method: a comment starts only at a '#' preceded by white space or at column 0
            while (hash > 0 && !Character.isWhitespace(line.charAt(hash - 1))) hash = line.indexOf('#', hash + 1);
            if (hash >= 0) line = line.substring(0, hash);
            String[] w = line.trim().split("\\s+");
            if (w.length == 0 || w[0].isEmpty()) continue;
            String where = source + ":" + (n + 1);
            try {
                switch (w[0]) {
                    case "engine" -> {
                        need(w, 2, 2, "engine interpreter|jit|auto");
                        engine = w[1].toLowerCase(Locale.ROOT);
                        if (!List.of("interpreter", "jit", "auto").contains(engine)) throw new ConfigException("unknown engine " + w[1]);
                    }
                    case "object" -> {
                        need(w, 3, 3, "object NAME PATH|bundled:NAME");
                        String path = w[2];
                        if (!path.startsWith("bundled:") && baseDir != null) path = baseDir.resolve(path).toString();
                        if (objects.putIfAbsent(w[1], path) != null) throw new ConfigException("object " + w[1] + " is declared twice");
                    }
                    case "entry", "exit" -> {
                        need(w, 3, 4, w[0] + " CLASS#METHOD[DESCRIPTOR] OBJECT:PROGRAM" + (w[0].equals("entry") ? " [deny=EXCEPTION]" : ""));
                        int sharp = w[1].indexOf('#');
                        if (sharp <= 0 || sharp == w[1].length() - 1) throw new ConfigException("expected CLASS#METHOD, got " + w[1]);
                        String cls = w[1].substring(0, sharp), m = w[1].substring(sharp + 1), desc = null;
                        int paren = m.indexOf('(');
                        if (paren >= 0) {
                            desc = m.substring(paren);
                            m = m.substring(0, paren);
                            try {
                                org.objectweb.asm.Type.getMethodType(desc).getArgumentTypes();
                            } catch (RuntimeException e) {
                                throw new ConfigException("bad method descriptor " + desc);
                            }
                        }
                        String deny = null;
                        if (w.length == 4) {
                            if (!w[0].equals("entry") || !w[3].startsWith("deny=")) throw new ConfigException("unexpected " + w[3]);
                            deny = w[3].substring(5);
                        }
                        probes.add(new MethodProbe(w[0].equals("entry") ? Phase.ENTRY : Phase.EXIT, cls, m, desc, ref(w[2], objects), deny));
                    }
                    case "file-open" -> {
                        need(w, 2, 3, "file-open OBJECT:PROGRAM [user=UID]");
                        Integer user = null;
                        if (w.length == 3) {
                            if (!w[2].startsWith("user=")) throw new ConfigException("unexpected " + w[2]);
                            try {
                                user = Integer.parseUnsignedInt(w[2].substring(5));
                            } catch (NumberFormatException e) {
                                throw new ConfigException("user must be a numeric uid: " + w[2]);
                            }
                        }
                        fileOpens.add(new FileOpen(ref(w[1], objects), user));
                    }
                    case "records" -> {
                        need(w, 5, 5, "records OBJECT:RINGBUF STRUCT jsonl|csv FILE");
                        if (!List.of("jsonl", "csv").contains(w[3])) throw new ConfigException("format must be jsonl or csv, got " + w[3]);
                        Path f = Path.of(w[4]);
                        if (baseDir != null) f = baseDir.resolve(f);
                        records.add(new Records(ref(w[1], objects), w[2], w[3], f));
                    }
                    case "metrics" -> {
                        need(w, 2, 3, "metrics PORT [HOST]");
                        metrics = new Metrics(port(w[1]), w.length == 3 ? w[2] : LOOPBACK);
                    }
                    case "admin" -> {
                        need(w, 2, 4, "admin PORT [HOST] [token=FILE]");
                        String host = LOOPBACK;
                        Path token = null;
                        for (int i = 2; i < w.length; i++) {
                            if (w[i].startsWith("token=")) {
                                if (w[i].length() == 6) throw new ConfigException("token= needs a file");
                                token = Path.of(w[i].substring(6));
                                if (baseDir != null) token = baseDir.resolve(token);
                            } else if (i == 2) host = w[i];
                            else throw new ConfigException("unexpected " + w[i] + " (usage: admin PORT [HOST] [token=FILE])");
                        }
                        admin = new Admin(port(w[1]), host, token);
                    }
                    case "sql-cache" -> {
                        need(w, 2, 2, "sql-cache ENTRIES");
                        try {
                            statementCache = Integer.parseInt(w[1]);
                        } catch (NumberFormatException e) {
                            throw new ConfigException("sql-cache needs a number of entries, got " + w[1]);
                        }
                        if (statementCache < 2 || statementCache > StatementCache.MAX_ENTRIES)
                            throw new ConfigException("sql-cache must be between 2 and " + StatementCache.MAX_ENTRIES);
                    }
                    default -> throw new ConfigException("unknown directive " + w[0]
                            + " (expected engine, object, entry, exit, file-open, records, sql-cache, metrics or admin)");
                }
            } catch (ConfigException e) {
                throw new ConfigException(where + ": " + e.getMessage());
            }
        }
        if (probes.isEmpty() && fileOpens.isEmpty() && records.isEmpty() && metrics == null && admin == null)
            throw new ConfigException(source + ": nothing to do (no entry, exit, file-open, records or metrics directive)");
        return new AgentConfig(engine, objects, probes, fileOpens, records, metrics, admin, statementCache);
    }

    private static ProgramRef ref(String s, Map<String, String> objects) {
        int colon = s.indexOf(':');
        if (colon <= 0 || colon == s.length() - 1) throw new ConfigException("expected OBJECT:NAME, got " + s);
        String o = s.substring(0, colon);
        if (!objects.containsKey(o)) throw new ConfigException("object " + o + " is not declared (declare it with an object line first)");
        return new ProgramRef(o, s.substring(colon + 1));
    }

    private static int port(String s) {
        int port;
        try {
            port = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new ConfigException("port must be a number: " + s);
        }
        if (port < 0 || port > 65535) throw new ConfigException("port out of range: " + port);
        return port;
    }

    private static void need(String[] w, int min, int max, String usage) {
        if (w.length < min || w.length > max) throw new ConfigException("usage: " + usage);
    }
}
