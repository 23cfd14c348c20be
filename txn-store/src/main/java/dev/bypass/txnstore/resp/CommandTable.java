package dev.bypass.txnstore.resp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * The command table: specs by name, looked up from the name's bytes case-insensitively without making a String
 * (open addressing over an ASCII-lowercase hash), since every request does a lookup.
 */
final class CommandTable {
    private final TreeMap<String, CommandSpec> byName = new TreeMap<>();
    /** Per container command (CONFIG, CLIENT, ACL, COMMAND), its subcommands by lowercase name. */
    private final java.util.Map<CommandSpec, java.util.Map<String, CommandSpec>> subcommands = new java.util.IdentityHashMap<>();
    private CommandSpec[] slots = new CommandSpec[512];
    private byte[][] names = new byte[512][];

    void add(CommandSpec spec) {
        String lower = spec.lowerName();
        if (byName.put(lower, spec) != null) throw new IllegalStateException("command " + lower + " defined twice");
        if (byName.size() * 2 > slots.length) throw new IllegalStateException("command table is full");
        byte[] n = lower.getBytes(StandardCharsets.US_ASCII);
        int i = hash(n, n.length) & (slots.length - 1);
        while (slots[i] != null) i = (i + 1) & (slots.length - 1);
        slots[i] = spec;
        names[i] = n;
    }

    /** Adds a command; see {@link CommandSpec} for the parameters. */
    void add(String name, int arity, int flags, int firstKey, int lastKey, int step, String group, String summary, CommandSpec.Handler handler) {
        add(new CommandSpec(name, arity, flags, firstKey, lastKey, step, group, summary, "1.0.0", handler));
    }

    /**
     * Declares subcommands of a registered container with their own flags and group (for ACL categories): named
     * {@code container|sub}, found by {@link #subcommand}, never run by themselves.
     */
    void subcommands(String container, int flags, String group, String... names) {
        CommandSpec c = lookup(container);
        if (c == null) throw new IllegalStateException("no command " + container);
        var subs = subcommands.computeIfAbsent(c, k -> new java.util.TreeMap<>());
        for (String n : names) {
            String lower = n.toLowerCase(Locale.ROOT);
            subs.put(lower, new CommandSpec(c.lowerName() + "|" + lower, -2, flags, 0, 0, 0, group, "", c.since(), null));
        }
    }

    /** The subcommand a call of container {@code spec} names, or null when it has none of that name. */
    CommandSpec subcommand(CommandSpec spec, byte[] name) {
        var subs = subcommands.get(spec);
        return subs == null ? null : subs.get(new String(name, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT));
    }

    /** The declared subcommands of a container (empty for other commands). */
    Collection<CommandSpec> subcommands(CommandSpec spec) {
        var subs = subcommands.get(spec);
        return subs == null ? List.of() : subs.values();
    }

    CommandSpec lookup(byte[] name) {
        int i = hash(name, name.length) & (slots.length - 1);
        for (CommandSpec s; (s = slots[i]) != null; i = (i + 1) & (slots.length - 1)) if (equalsLower(names[i], name)) return s;
        return null;
    }

    CommandSpec lookup(String name) { return byName.get(name.toLowerCase(Locale.ROOT)); }

    Collection<CommandSpec> all() { return byName.values(); }

    List<String> names() { return new ArrayList<>(byName.keySet()); }

    private static int hash(byte[] b, int n) {
        int h = 0;
        for (int i = 0; i < n; i++) h = 31 * h + lower(b[i]);
        return h ^ (h >>> 16);
    }

    private static int lower(byte b) { return b >= 'A' && b <= 'Z' ? b + 32 : b; }

    private static boolean equalsLower(byte[] lowerName, byte[] name) {
        if (lowerName.length != name.length) return false;
        for (int i = 0; i < name.length; i++) if (lowerName[i] != lower(name[i])) return false;
        return true;
    }
}
