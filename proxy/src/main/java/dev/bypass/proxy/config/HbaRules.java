package dev.bypass.proxy.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The rules of an auth_hba_file, in PostgreSQL's pg_hba.conf format as PgBouncer reads it: connection types
 * {@code local}, {@code host}, {@code hostssl}, {@code hostnossl}; databases {@code all}, {@code replication},
 * {@code sameuser}, {@code @file} and names; users {@code all}, {@code @file} and names; addresses {@code all}, IPv4 and
 * IPv6 in CIDR or address-and-mask form; methods {@code trust}, {@code reject}, {@code md5}, {@code password},
 * {@code scram-sha-256}, {@code cert} and {@code peer}, with {@code map=} for the last two. The first rule that
 * matches a login decides; none matching refuses it. What PgBouncer does not support (samerole, +group, host names,
 * samehost, other methods) is an error naming the line.
 */
public final class HbaRules {
    public enum Method { TRUST, REJECT, MD5, PASSWORD, SCRAM_SHA_256, CERT, PEER }

    /** One line: where it was, what it matches, and the method with its map option (or null). */
    public record Rule(int line, Kind kind, List<String> databases, List<String> users, byte[] network, byte[] mask, Method method, String map) {
        enum Kind { LOCAL, HOST, HOSTSSL, HOSTNOSSL }

        boolean matches(boolean unixSocket, InetAddress address, boolean tls, String database, String user) {
            switch (kind) {
                case LOCAL -> { if (!unixSocket) return false; }
                case HOST -> { if (unixSocket) return false; }
                case HOSTSSL -> { if (unixSocket || !tls) return false; }
                case HOSTNOSSL -> { if (unixSocket || tls) return false; }
            }
            if (!databases.contains("all") && !databases.contains(database) && !(databases.contains("sameuser") && database.equals(user))) return false;
            if (!users.contains("all") && !users.contains(user)) return false;
            if (kind == Kind.LOCAL || network == null) return true;
            byte[] a = address == null ? null : address.getAddress();
            if (a == null) return false;
            if (a.length != network.length) {
                // an IPv4 client on an IPv6 socket arrives as ::ffff:a.b.c.d
                if (a.length == 16 && network.length == 4 && isMappedV4(a)) a = java.util.Arrays.copyOfRange(a, 12, 16);
                else return false;
            }
            for (int i = 0; i < a.length; i++) if ((a[i] & mask[i]) != (network[i] & mask[i])) return false;
            return true;
        }
    }

    private final List<Rule> rules;

    private HbaRules(List<Rule> rules) { this.rules = List.copyOf(rules); }

    public List<Rule> rules() { return rules; }

    /** The first rule matching a login, or null: no rule, the login is refused. */
    public Rule match(boolean unixSocket, InetAddress address, boolean tls, String database, String user) {
        for (Rule r : rules) if (r.matches(unixSocket, address, tls, database, user)) return r;
        return null;
    }

    private static final Set<String> METHODS = Set.of("trust", "reject", "md5", "password", "scram-sha-256", "cert", "peer");

    public static HbaRules read(Path file) throws IOException {
        List<Rule> rules = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int n = 1; n <= lines.size(); n++) {
            List<String> f = tokens(lines.get(n - 1), file, n);
            if (f.isEmpty()) continue;
            String where = file + ":" + n + ": ";
            Rule.Kind kind = switch (f.getFirst().toLowerCase(Locale.ROOT)) {
                case "local" -> Rule.Kind.LOCAL;
                case "host" -> Rule.Kind.HOST;
                case "hostssl" -> Rule.Kind.HOSTSSL;
                case "hostnossl" -> Rule.Kind.HOSTNOSSL;
                default -> throw new ConfigException(where + "connection type " + f.getFirst() + " is not supported (local, host, hostssl, hostnossl)");
            };
            int need = kind == Rule.Kind.LOCAL ? 4 : 5;
            if (f.size() < need) throw new ConfigException(where + "expected " + (kind == Rule.Kind.LOCAL ? "local DATABASE USER METHOD" : "TYPE DATABASE USER ADDRESS METHOD"));
            List<String> dbs = names(f.get(1), file, where, Set.of("samerole", "samegroup"));
            List<String> users = names(f.get(2), file, where, Set.of());
            for (String u : users) if (u.startsWith("+")) throw new ConfigException(where + "group membership (" + u + ") is not supported");
            int at = 3;
            byte[] network = null, mask = null;
            if (kind != Rule.Kind.LOCAL) {
                String address = f.get(at++);
                if (!address.equals("all")) {
                    if (address.equals("samehost") || address.equals("samenet"))
                        throw new ConfigException(where + address + " is not supported: give the addresses");
                    int slash = address.indexOf('/');
                    try {
                        if (slash >= 0) {
                            network = literal(address.substring(0, slash), where);
                            mask = prefixMask(Integer.parseInt(address.substring(slash + 1)), network.length, where);
                        } else {
                            network = literal(address, where);
                            if (at >= f.size() - 1) throw new ConfigException(where + "an address without /bits needs a mask after it");
                            mask = literal(f.get(at++), where);
                            if (mask.length != network.length) throw new ConfigException(where + "address and mask are of different families");
                        }
                    } catch (NumberFormatException e) {
                        throw new ConfigException(where + "bad prefix length in " + address);
                    }
                }
            }
            if (at >= f.size()) throw new ConfigException(where + "authentication method missing");
            String m = f.get(at++).toLowerCase(Locale.ROOT);
            if (!METHODS.contains(m)) throw new ConfigException(where + "authentication method " + m + " is not supported (" + String.join(", ", new java.util.TreeSet<>(METHODS)) + ")");
            Method method = Method.valueOf(m.replace('-', '_').toUpperCase(Locale.ROOT));
            if (method == Method.PEER && kind != Rule.Kind.LOCAL) throw new ConfigException(where + "peer authentication is only for local (Unix socket) connections");
            String map = null;
            for (; at < f.size(); at++) {
                String option = f.get(at);
                if (option.startsWith("map=") && (method == Method.CERT || method == Method.PEER)) map = option.substring(4);
                else throw new ConfigException(where + "option " + option + " is not supported" + (option.startsWith("map=") ? " for " + m : ""));
            }
            rules.add(new Rule(n, kind, dbs, users, network, mask, method, map));
        }
        return new HbaRules(rules);
    }

    /** Fields of a line: white space separates, double quotes keep, # starts a comment. */
    private static List<String> tokens(String line, Path file, int n) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = null;
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"') quoted = false;
                else cur.append(c);
            } else if (c == '#') {
                break;
            } else if (Character.isWhitespace(c)) {
                if (cur != null) out.add(cur.toString());
                cur = null;
            } else {
                if (cur == null) cur = new StringBuilder();
                if (c == '"') {
                    quoted = true;
                    cur.append('"'); // marks a quoted name: not a keyword
                } else cur.append(c);
            }
        }
        if (quoted) throw new ConfigException(file + ":" + n + ": unterminated quote");
        if (cur != null) out.add(cur.toString());
        return out;
    }

    /** A comma-separated list of names, keywords and @files (names in quotes are never keywords). */
    private static List<String> names(String field, Path file, String where, Set<String> unsupported) {
        List<String> out = new ArrayList<>();
        for (String item : field.split(",")) {
            if (item.isEmpty()) throw new ConfigException(where + "empty name in " + field);
            if (item.startsWith("\"")) {
                out.add(item.replace("\"", ""));
            } else if (item.startsWith("@")) {
                Path included = (file.getParent() == null ? Path.of(".") : file.getParent()).resolve(item.substring(1));
                try {
                    for (String l : Files.readAllLines(included)) {
                        int hash = l.indexOf('#');
                        for (String name : (hash >= 0 ? l.substring(0, hash) : l).split("[\\s,]+")) if (!name.isEmpty()) out.add(name);
                    }
                } catch (IOException e) {
                    throw new ConfigException(where + "cannot read " + included + ": " + e.getMessage());
                }
            } else {
                if (unsupported.contains(item)) throw new ConfigException(where + item + " is not supported");
                out.add(item);
            }
        }
        return out;
    }

    private static byte[] literal(String text, String where) {
        if (!text.matches("[0-9a-fA-F.:]+")) throw new ConfigException(where + "address " + text + " is not an IP address (host names are not supported)");
        try {
            return InetAddress.getByName(text).getAddress(); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new ConfigException(where + "bad address " + text);
        }
    }

    private static byte[] prefixMask(int bits, int length, String where) {
        if (bits < 0 || bits > length * 8) throw new ConfigException(where + "prefix length " + bits + " out of range");
        byte[] m = new byte[length];
        for (int i = 0; i < bits; i++) m[i / 8] |= (byte) (0x80 >>> (i % 8));
        return m;
    }

    private static boolean isMappedV4(byte[] a) {
        for (int i = 0; i < 10; i++) if (a[i] != 0) return false;
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }
}
