package dev.bypass.txnstore.resp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One command: its arity and flags as Redis's command table states them, where its keys are, its group and summary
 * (what {@code COMMAND} and {@code COMMAND DOCS} report), and its handler. The flags also drive the server: which
 * commands run in a read-only transaction, which are refused above {@code maxmemory}, which may not be queued.
 * ACL categories derive from group and flags, and {@link Acl} checks permissions against them. A container's
 * subcommands ({@code CONFIG GET}) have specs of their own named {@code config|get}, without a handler, so that
 * permissions and categories can be given per subcommand as Redis does.
 *
 * @param arity n exactly n arguments including the name; -n at least n
 * @param firstKey position of the first key argument (0: no keys); {@code lastKey} -1 means the last argument
 */
record CommandSpec(String name, int arity, int flags, int firstKey, int lastKey, int step, String group, String summary, String since, Handler handler) {
    /** Runs the command for a call; errors are thrown as {@link RedisData.RedisError}. */
    @FunctionalInterface
    interface Handler {
        void run(Call c);
    }

    static final int WRITE = 1, READONLY = 1 << 1, DENYOOM = 1 << 2, ADMIN = 1 << 3, FAST = 1 << 4, NOSCRIPT = 1 << 5, LOADING = 1 << 6,
            STALE = 1 << 7, NO_MULTI = 1 << 8, ALLOW_BUSY = 1 << 9,
    /** Runs without a store transaction (connection and server commands). Not a Redis flag. */
    NO_TXN = 1 << 16,
    /** Runs transactions of its own: refused inside MULTI. Not a Redis flag. */
    OWN_TXN = 1 << 17,
    /** In Redis's {@code @dangerous} ACL category without being an admin command (FLUSHDB, KEYS, BPF.RUN). */
    DANGEROUS = 1 << 18,
    /** May run before the connection has authenticated (Redis's {@code no-auth} flag: AUTH, HELLO). */
    NO_AUTH = 1 << 19,
    /** In Redis's {@code @keyspace} category though its group is another (DBSIZE, FLUSHDB). */
    KEYSPACE = 1 << 20;

    private static final String[] FLAG_NAMES = {"write", "readonly", "denyoom", "admin", "fast", "noscript", "loading", "stale", "no_multi", "allow_busy"};

    boolean has(int flag) { return (flags & flag) != 0; }

    /** Redis's flag names for COMMAND. */
    List<String> flagNames() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < FLAG_NAMES.length; i++) if ((flags & (1 << i)) != 0) out.add(FLAG_NAMES[i]);
        return out;
    }

    /** ACL categories, as {@code @name}. */
    List<String> aclCategories() {
        List<String> out = new ArrayList<>();
        switch (group) {
            case "string" -> out.add("@string");
            case "hash" -> out.add("@hash");
            case "list" -> out.add("@list");
            case "set" -> out.add("@set");
            case "sorted_set" -> out.add("@sortedset");
            case "generic" -> out.add("@keyspace");
            case "connection" -> out.add("@connection");
            case "transactions" -> out.add("@transaction");
            case "scripting" -> out.add("@scripting");
            case "server" -> { }
            default -> { }
        }
        if (has(KEYSPACE)) out.add("@keyspace");
        if (has(WRITE)) out.add("@write");
        if (has(READONLY)) out.add("@read");
        if (has(ADMIN)) out.add("@admin");
        if (has(ADMIN) || has(DANGEROUS)) out.add("@dangerous");
        out.add(has(FAST) ? "@fast" : "@slow");
        return out;
    }

    String lowerName() { return name.toLowerCase(Locale.ROOT); }

    /** Whether {@code argc} arguments (name included) satisfy the arity. */
    boolean arityOk(int argc) { return arity >= 0 ? argc == arity : argc >= -arity; }
}
