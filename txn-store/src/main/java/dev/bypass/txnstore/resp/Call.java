package dev.bypass.txnstore.resp;

import dev.bypass.txnstore.Transaction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Function;

/**
 * One command being run: its arguments, the connection's session and reply writer, and the transaction it runs in
 * (null for commands without one). One per connection, reused for every command; as a function it is the body
 * the store runs (again after a conflict: the replies written by the failed attempt are dropped first).
 */
final class Call implements Function<Transaction, Object> {
    final Server server;
    final Session session;
    final RespWriter out;
    Transaction tx;
    byte[][] args;
    int argc;
    CommandSpec spec;
    /** True while the command runs alone in its transaction (not queued in MULTI): its reply may wait for the commit. */
    boolean alone;
    private long mark;

    Call(Server server, Session session, RespWriter out) {
        this.server = server;
        this.session = session;
        this.out = out;
    }

    void set(CommandSpec spec, byte[][] args, int argc) {
        this.spec = spec;
        this.args = args;
        this.argc = argc;
    }

    /** Marks the reply position a retried body starts from. */
    void markReplies() { mark = out.mark(); }

    @Override public Object apply(Transaction t) {
        out.reset(mark);
        tx = t;
        alone = true;
        try {
            spec.handler().run(this);
        } finally {
            tx = null;
            alone = false;
        }
        return null;
    }

    /**
     * Runs {@code body} inside the commit of this command's transaction, with {@link #tx} reading the newest committed
     * state ({@link Transaction#atCommit}); the reply it writes is the command's.
     */
    void atCommit(Runnable body) {
        tx.atCommit(latest -> {
            Transaction outer = tx;
            tx = latest;
            try {
                body.run();
            } finally {
                tx = outer;
            }
        });
    }

    int db() { return session.db; }

    RedisData data() { return server.data; }

    byte[] arg(int i) { return args[i]; }

    String str(int i) { return new String(args[i], StandardCharsets.UTF_8); }

    String upper(int i) { return str(i).toUpperCase(Locale.ROOT); }

    boolean is(int i, String word) {
        byte[] a = args[i];
        if (a.length != word.length()) return false;
        for (int k = 0; k < a.length; k++) {
            int c = a[k];
            if (c >= 'a' && c <= 'z') c -= 32;
            if (c != word.charAt(k)) return false;
        }
        return true;
    }

    long integer(int i) { return Numbers.parseLong(args[i]); }

    double dbl(int i) {
        Double d = Doubles.parse(args[i]);
        if (d == null) throw RedisData.NOT_FLOAT;
        return d;
    }

    /** Redis's arity error for this command (also for argument counts a command checks itself). */
    RedisData.RedisError wrongArgs() { return new RedisData.RedisError("ERR wrong number of arguments for '" + spec.lowerName() + "' command"); }
}
