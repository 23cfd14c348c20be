package dev.bypass.txnstore.resp;

import java.util.List;

/**
 * Programs the server can run as transactions ({@code BPF.RUN name arg...}) and, when it can verify them, load
 * and unload while it runs ({@code BPF.LOAD}, {@code BPF.UNLOAD}). Errors a client causes are thrown as
 * {@link IllegalArgumentException} with the reason; the server replies {@code -ERR reason}.
 */
public interface Procedures {
    /** Runs a program with integer arguments; returns its result (r0). */
    long run(String name, long[] args);

    List<String> names();

    /** A program BPF.RUN can call, with how often it ran and for how long in all. */
    record Info(String name, String library, String origin, int instructions, long runs, long runNanos) {}

    default List<Info> list() { return names().stream().map(n -> new Info(n, n, "host", 0, 0, 0)).toList(); }

    /**
     * Verifies the programs of an ELF object and makes them callable, kept under {@code library} in the store.
     *
     * @return the names of the programs now callable
     */
    default List<String> load(String library, byte[] object, boolean replace) {
        throw new IllegalArgumentException("this server cannot load programs while it runs");
    }

    /** Removes a library loaded by {@link #load}; returns its programs' names. */
    default List<String> unload(String library) {
        throw new IllegalArgumentException("this server cannot unload programs while it runs");
    }

    Procedures NONE = new Procedures() {
        @Override public long run(String name, long[] args) { throw new IllegalArgumentException("no program named " + name + " is loaded"); }

        @Override public List<String> names() { return List.of(); }
    };
}
