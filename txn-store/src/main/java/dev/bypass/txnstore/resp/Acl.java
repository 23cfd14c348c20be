package dev.bypass.txnstore.resp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Redis 6-style access control: named users with passwords (kept as SHA-256 digests, compared in constant time),
 * an on/off switch, key patterns and command permissions given by the rules of {@code ACL SETUSER} ({@code +get},
 * {@code -@dangerous}, {@code +config|get}, {@code ~app:*}, ...). A permission bit stands for a command or a
 * container's subcommand; a category rule sets the bits of every command in it, read from the command table's
 * flags and groups (see {@link CommandSpec#aclCategories()}). The {@code default} user starts as Redis's does:
 * {@code on nopass ~* &* +@all}, so a server without a password needs no AUTH.
 *
 * <p>Connections hold an {@link Account}, whose user is replaced as a whole when rules change, so a change applies
 * to the next command of every client of that user, as in Redis. Not supported: selectors ({@code (...)}), key
 * read/write permissions ({@code %R~}) and pub/sub (channel rules are kept and shown but there are no channels).
 */
final class Acl {
    /** Redis's categories, in the order {@code ACL CAT} lists them. */
    static final List<String> CATEGORIES = List.of("keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog",
            "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection", "transaction", "scripting");

    static final String NOAUTH = "NOAUTH Authentication required.";
    static final String WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";
    static final String DEFAULT = "default";

    /** A user as the rules made it; replaced, never changed. */
    record User(String name, boolean enabled, boolean nopass, List<String> passwordHashes, boolean allKeys, List<String> keyPatterns,
                boolean allChannels, List<String> channels, BitSet allowed, boolean allCommands, List<String> commandRules) {
        /** Whether every command on every key is allowed: no check is needed. */
        boolean unrestricted() { return allCommands && allKeys; }
    }

    /** What a connection authenticated as: the user's current rules, or null once the user was deleted. */
    static final class Account {
        final String name;
        volatile User user;

        Account(String name, User user) {
            this.name = name;
            this.user = user;
        }
    }

    private final CommandTable table;
    /** Permission units: commands without subcommands, containers, and subcommands, numbered. */
    private final List<CommandSpec> units = new ArrayList<>();
    private final Map<CommandSpec, Integer> unitOf = new IdentityHashMap<>();
    private final Map<String, CommandSpec> byFullName = new TreeMap<>();
    private final ConcurrentHashMap<String, Account> accounts = new ConcurrentHashMap<>();

    Acl(CommandTable table) {
        this.table = table;
        for (CommandSpec s : table.all()) {
            addUnit(s);
            for (CommandSpec sub : table.subcommands(s)) addUnit(sub);
        }
        accounts.put(DEFAULT, new Account(DEFAULT, defaultUser()));
    }

    private void addUnit(CommandSpec s) {
        unitOf.put(s, units.size());
        units.add(s);
        byFullName.put(s.lowerName(), s);
    }

    private User defaultUser() {
        BitSet all = new BitSet();
        all.set(0, units.size());
        return new User(DEFAULT, true, true, List.of(), true, List.of(), true, List.of(), all, true, List.of("+@all"));
    }

    /** The account a new connection starts in: the default user's when it needs no password (and is on), else none. */
    Account initialAccount() {
        Account a = accounts.get(DEFAULT);
        User u = a == null ? null : a.user;
        return u != null && u.enabled() && u.nopass() ? a : null;
    }

    /** Whether the default user takes any password (Redis's protected mode applies then). */
    boolean defaultUserOpen() {
        Account a = accounts.get(DEFAULT);
        User u = a == null ? null : a.user;
        return u == null || u.nopass();
    }

    Account account(String name) { return accounts.get(name); }

    List<String> userNames() { return new ArrayList<>(new TreeMap<>(accounts).keySet()); }

    /** The account whose user is on and takes this password, or null (then the client gets WRONGPASS). */
    Account authenticate(String name, byte[] password) {
        Account a = accounts.get(name);
        User u = a == null ? null : a.user;
        // Digest and compare even for an unknown user, so the time taken does not tell which users exist.
        byte[] given = sha256(password);
        boolean match = false;
        for (String h : u == null ? List.of(HexFormat.of().formatHex(new byte[32])) : u.passwordHashes())
            match |= MessageDigest.isEqual(given, HexFormat.of().parseHex(h));
        if (u == null || !u.enabled()) return null;
        return u.nopass() || match ? a : null;
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- checking a command ----

    /** The unit a call of {@code spec} is checked as: its subcommand's when it names a declared one. */
    CommandSpec unit(CommandSpec spec, byte[][] args, int argc) {
        if (argc > 1) {
            CommandSpec sub = table.subcommand(spec, args[1]);
            if (sub != null) return sub;
        }
        return spec;
    }

    /**
     * Null when the session may run the call, else the error reply: {@code NOAUTH} before authentication,
     * {@code NOPERM} for a command or key the user's rules do not allow (Redis 7.2's texts).
     */
    String denied(Account account, CommandSpec spec, byte[][] args, int argc) {
        if (spec.has(CommandSpec.NO_AUTH)) return null;
        User u = account == null ? null : account.user;
        if (u == null) return NOAUTH;
        if (u.unrestricted()) return null;
        return denied(u, spec, args, argc);
    }

    String denied(User u, CommandSpec spec, byte[][] args, int argc) {
        CommandSpec unit = unit(spec, args, argc);
        Integer bit = unitOf.get(unit);
        if (!u.allCommands() && (bit == null || !u.allowed().get(bit)))
            return "NOPERM User " + u.name() + " has no permissions to run the '" + unit.lowerName() + "' command";
        if (!u.allKeys() && spec.firstKey() > 0) {
            int last = spec.lastKey() < 0 ? argc + spec.lastKey() : Math.min(spec.lastKey(), argc - 1);
            for (int i = spec.firstKey(); i <= last; i += Math.max(1, spec.step()))
                if (!keyAllowed(u, args[i])) return "NOPERM No permissions to access a key";
        }
        return null;
    }

    private static boolean keyAllowed(User u, byte[] key) {
        String k = new String(key, StandardCharsets.ISO_8859_1);
        for (String p : u.keyPatterns()) if (Glob.matches(p, k)) return true;
        return false;
    }

    // ---- rules ----

    /** Commands and subcommands in a category, by full name. */
    List<String> commandsIn(String category) {
        List<String> out = new ArrayList<>();
        for (CommandSpec s : units) if (!isContainer(s) && s.aclCategories().contains("@" + category)) out.add(s.lowerName());
        return out;
    }

    private boolean isContainer(CommandSpec s) { return !table.subcommands(s).isEmpty(); }

    /**
     * Creates or changes a user by Redis's {@code ACL SETUSER} rules, all or nothing.
     *
     * @throws IllegalArgumentException naming the first rule that cannot be applied and why, in Redis's words
     */
    synchronized User setUser(String name, List<String> rules) {
        Account a = accounts.get(name);
        User u = rules(name, a == null ? null : a.user, rules);
        setDirect(name, u);
        return u;
    }

    /** The user {@code base} (null: a new one) becomes by {@code rules}. */
    private User rules(String name, User base, List<String> rules) {
        if (name.isEmpty() || name.chars().anyMatch(ch -> ch <= ' ' || ch > '~'))
            throw new IllegalArgumentException("Usernames can't contain spaces or null characters");
        Draft d = base == null ? new Draft(name) : new Draft(base);
        for (String r : rules) {
            String why = d.apply(r);
            if (why != null) throw new IllegalArgumentException("Error in ACL SETUSER modifier '" + r + "': " + why);
        }
        return d.build();
    }

    /** Removes a user; its account no longer has a user (its clients are to be closed). False if there was none. */
    synchronized Account deleteUser(String name) {
        if (name.equals(DEFAULT)) throw new IllegalArgumentException("The 'default' user cannot be removed");
        Account a = accounts.remove(name);
        if (a != null) a.user = null;
        return a;
    }

    /**
     * Replaces every user by those of an ACL file's lines ({@code user NAME rules...}) and then of {@code directives}
     * (which change users, as Redis's {@code user} directive does), all or nothing; the default user keeps Redis's
     * defaults unless the file defines it. Returns the accounts of users that are gone.
     */
    synchronized List<Account> replaceAll(List<String> fileLines, String source, List<String> directives) {
        Acl staging = new Acl(table);
        java.util.Set<String> defined = new java.util.HashSet<>();
        staging.eachLine(fileLines, source, (name, rules) -> {
            if (!defined.add(name)) throw new IllegalArgumentException("user '" + name + "' is defined twice");
            staging.accounts.put(name, new Account(name, staging.new Draft(name).build())); // from scratch, as each line of a file
            staging.setUser(name, rules);
        });
        staging.addUsers(directives, "user directive");
        List<Account> gone = new ArrayList<>();
        for (Account a : accounts.values()) if (!staging.accounts.containsKey(a.name)) gone.add(a);
        for (Account s : staging.accounts.values()) setDirect(s.name, s.user);
        for (Account a : gone) {
            accounts.remove(a.name);
            a.user = null;
        }
        return gone;
    }

    /** Applies {@code user NAME rules...} lines to the users (creating those that do not exist), all or nothing. */
    synchronized void addUsers(List<String> lines, String source) {
        Acl staging = new Acl(table);
        staging.accounts.clear();
        staging.accounts.putAll(accounts);
        Map<String, User> changed = new java.util.LinkedHashMap<>();
        staging.eachLine(lines, source, (name, rules) -> {
            Account a = staging.accounts.get(name);
            User base = changed.containsKey(name) ? changed.get(name) : a == null ? null : a.user;
            changed.put(name, staging.rules(name, base, rules));
        });
        changed.forEach(this::setDirect);
    }

    private interface LineAction {
        void apply(String name, List<String> rules);
    }

    private void eachLine(List<String> lines, String source, LineAction action) {
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] f = line.split("\\s+");
            try {
                if (!f[0].equals("user") || f.length < 2) throw new IllegalArgumentException("should be 'user NAME rules...', not '" + clip(line) + "'");
                action.apply(f[1], List.of(f).subList(2, f.length));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + " line " + (i + 1) + ": " + e.getMessage());
            }
        }
    }

    private void setDirect(String name, User u) {
        accounts.compute(name, (k, existing) -> {
            if (existing == null) return new Account(name, u);
            existing.user = u;
            return existing;
        });
    }

    private static String clip(String s) { return s.length() > 60 ? s.substring(0, 60) + "..." : s; }

    /** The {@code ACL LIST} line of a user, which {@link #setUser} reads back to the same user. */
    static String describe(User u) {
        StringBuilder sb = new StringBuilder("user ").append(u.name()).append(u.enabled() ? " on" : " off");
        if (u.nopass()) sb.append(" nopass");
        for (String h : u.passwordHashes()) sb.append(" #").append(h);
        if (u.allKeys()) sb.append(" ~*");
        else for (String p : u.keyPatterns()) sb.append(" ~").append(p);
        if (u.allChannels()) sb.append(" &*");
        else {
            sb.append(" resetchannels");
            for (String p : u.channels()) sb.append(" &").append(p);
        }
        for (String r : u.commandRules()) sb.append(' ').append(r);
        return sb.toString();
    }

    /** A user being changed by rules. */
    private final class Draft {
        final String name;
        boolean enabled, nopass, allKeys, allChannels, allCommands;
        final LinkedHashSet<String> hashes = new LinkedHashSet<>(), keys = new LinkedHashSet<>(), channels = new LinkedHashSet<>();
        final BitSet allowed = new BitSet();
        final List<String> commandRules = new ArrayList<>();

        Draft(String name) {
            this.name = name;
            commandRules.add("-@all");
        }

        Draft(User u) {
            name = u.name();
            enabled = u.enabled();
            nopass = u.nopass();
            allKeys = u.allKeys();
            allChannels = u.allChannels();
            allCommands = u.allCommands();
            hashes.addAll(u.passwordHashes());
            keys.addAll(u.keyPatterns());
            channels.addAll(u.channels());
            allowed.or(u.allowed());
            commandRules.addAll(u.commandRules());
        }

        User build() {
            allCommands = allowed.cardinality() == units.size();
            return new User(name, enabled, nopass, List.copyOf(hashes), allKeys, List.copyOf(keys), allChannels, List.copyOf(channels),
                    (BitSet) allowed.clone(), allCommands, List.copyOf(commandRules));
        }

        /** Applies one rule; returns why it cannot be applied, or null. */
        String apply(String rule) {
            String lower = rule.toLowerCase(Locale.ROOT);
            switch (lower) {
                case "on" -> enabled = true;
                case "off" -> enabled = false;
                case "nopass" -> {
                    nopass = true;
                    hashes.clear();
                }
                case "resetpass" -> {
                    nopass = false;
                    hashes.clear();
                }
                case "allkeys" -> {
                    allKeys = true;
                    keys.clear();
                }
                case "resetkeys" -> {
                    allKeys = false;
                    keys.clear();
                }
                case "allchannels" -> {
                    allChannels = true;
                    channels.clear();
                }
                case "resetchannels" -> {
                    allChannels = false;
                    channels.clear();
                }
                case "allcommands" -> { return apply("+@all"); }
                case "nocommands" -> { return apply("-@all"); }
                case "reset" -> {
                    for (String r : List.of("resetpass", "resetkeys", "resetchannels", "off", "-@all")) apply(r);
                }
                case "clearselectors", "sanitize-payload", "skip-sanitize-payload" -> { }
                default -> { return applyPrefixed(rule); }
            }
            return null;
        }

        private String applyPrefixed(String rule) {
            if (rule.isEmpty()) return "Syntax error";
            char first = rule.charAt(0);
            String rest = rule.substring(1);
            switch (first) {
                case '>' -> {
                    hashes.add(HexFormat.of().formatHex(sha256(rest.getBytes(StandardCharsets.UTF_8))));
                    nopass = false;
                }
                case '<' -> {
                    if (!hashes.remove(HexFormat.of().formatHex(sha256(rest.getBytes(StandardCharsets.UTF_8)))))
                        return "The password you are trying to remove from the user does not exist";
                }
                case '#' -> {
                    if (!rest.matches("[0-9a-f]{64}"))
                        return "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";
                    hashes.add(rest);
                    nopass = false;
                }
                case '!' -> {
                    if (!hashes.remove(rest)) return "The password you are trying to remove from the user does not exist";
                }
                case '~' -> {
                    if (allKeys) return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect."
                            + " Try 'resetkeys' to start with an empty list of patterns";
                    if (rest.equals("*")) {
                        allKeys = true;
                        keys.clear();
                    } else keys.add(rest);
                }
                case '%' -> { return "key permissions for reading or writing only (%R~, %W~) are not supported; use ~pattern"; }
                case '&' -> {
                    if (rest.equals("*")) {
                        allChannels = true;
                        channels.clear();
                    } else if (!allChannels) channels.add(rest);
                }
                case '(' -> { return "selectors are not supported"; }
                case '+', '-' -> { return command(first == '+', rest.toLowerCase(Locale.ROOT), rule); }
                default -> { return "Syntax error"; }
            }
            return null;
        }

        private String command(boolean allow, String what, String rule) {
            if (what.startsWith("@")) {
                String cat = what.substring(1);
                if (cat.equals("all")) {
                    if (allow) allowed.set(0, units.size());
                    else allowed.clear();
                    commandRules.clear();
                    commandRules.add(allow ? "+@all" : "-@all");
                    return null;
                }
                if (!CATEGORIES.contains(cat)) return "Unknown command or category name in ACL";
                for (int i = 0; i < units.size(); i++) {
                    CommandSpec s = units.get(i);
                    if (s.aclCategories().contains(what)) {
                        allowed.set(i, allow);
                        for (CommandSpec sub : table.subcommands(s)) allowed.set(unitOf.get(sub), allow);
                    } else if (isContainer(s) && !allow) allowed.clear(i); // a container is whole only while all its parts are
                }
                fixContainers();
                commandRules.add((allow ? "+@" : "-@") + cat);
                return null;
            }
            CommandSpec s = byFullName.get(what);
            if (s == null) {
                int bar = what.indexOf('|');
                if (bar > 0 && byFullName.containsKey(what.substring(0, bar)))
                    return "Unknown subcommand '" + what.substring(bar + 1) + "' of '" + what.substring(0, bar) + "'";
                return "Unknown command or category name in ACL";
            }
            allowed.set(unitOf.get(s), allow);
            for (CommandSpec sub : table.subcommands(s)) allowed.set(unitOf.get(sub), allow);
            fixContainers();
            commandRules.add((allow ? "+" : "-") + s.lowerName());
            return null;
        }

        /** A container's own bit says "every subcommand": it holds exactly when all of them are allowed. */
        private void fixContainers() {
            for (int i = 0; i < units.size(); i++) {
                var subs = table.subcommands(units.get(i));
                if (subs.isEmpty()) continue;
                boolean all = true;
                for (CommandSpec sub : subs) all &= allowed.get(unitOf.get(sub));
                allowed.set(i, all);
            }
        }
    }
}
