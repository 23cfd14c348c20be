package dev.bypass.proxy;

/** Shared by the proxy test classes that keep one PostgreSQL, hook and proxy for all their tests. */
final class Fixtures {
    private Fixtures() {}

    /** Closes what a set-up created, in the order given (the proxy before the hook and PostgreSQL), skipping nulls. */
    static void close(AutoCloseable... resources) throws Exception {
        for (AutoCloseable r : resources) if (r != null) r.close();
    }
}
