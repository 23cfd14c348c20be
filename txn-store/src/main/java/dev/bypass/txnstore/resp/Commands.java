package dev.bypass.txnstore.resp;

import static dev.bypass.txnstore.resp.CommandSpec.*;

import dev.bypass.txnstore.CommitTooLargeException;
import dev.bypass.txnstore.Isolation;
import dev.bypass.txnstore.SerializationFailure;
import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.StoreException;
import dev.bypass.txnstore.resp.RedisData.RedisError;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Runs commands: looks them up, checks arity, memory and MULTI state, and runs each in a store transaction — a
 * read-only one for read-only commands (never aborts), a serializable one otherwise, retried on conflicts. MULTI/EXEC
 * runs the queued commands in one serializable transaction; WATCH adds the versions the watched keys had.
 */
final class Commands {
    private Commands() {}

    static final String OOM = "OOM command not allowed when used memory > 'maxmemory'.";

    static CommandTable table() {
        CommandTable t = new CommandTable();
        ServerCommands.register(t);
        StringCommands.register(t);
        KeyCommands.register(t);
        HashCommands.register(t);
        ListCommands.register(t);
        SetCommands.register(t);
        ZSetCommands.register(t);
        TransactionCommands.register(t);
        AclCommands.register(t);
        ProcedureCommands.register(t);
        return t;
    }

    static boolean isQuit(byte[] name) {
        return name.length == 4 && (name[0] | 32) == 'q' && (name[1] | 32) == 'u' && (name[2] | 32) == 'i' && (name[3] | 32) == 't';
    }

    /** Runs one command for a connection, writing its reply (errors included). */
    static void execute(Call c, byte[][] args, int argc) {
        Server server = c.server;
        Session s = c.session;
        CommandSpec spec = server.commands.lookup(args[0]);
        String error = spec == null ? unknown(args, argc) : !spec.arityOk(argc) ? "ERR wrong number of arguments for '" + spec.lowerName() + "' command" : null;
        if (spec != null) s.lastCommand = spec.lowerName();
        if (error == null && (error = server.acl.denied(s.account, spec, args, argc)) != null) server.aclDenials.incrementAndGet();
        if (s.inMulti() && (spec == null || !spec.has(NO_MULTI))) {
            if (error == null && spec.has(DENYOOM) && server.overMemory(argBytes(args, argc))) {
                server.oomRejections.incrementAndGet();
                error = OOM;
            }
            if (error != null) {
                s.queueError = true;
                c.out.error(error);
                return;
            }
            s.queued.add(java.util.Arrays.copyOf(args, argc));
            if (spec.has(DENYOOM)) s.queuedDenyOom = true;
            c.out.simple("QUEUED");
            return;
        }
        if (error != null) {
            c.out.error(error);
            return;
        }
        if (spec.has(DENYOOM) && server.overMemory(argBytes(args, argc))) {
            server.oomRejections.incrementAndGet();
            c.out.error(OOM);
            return;
        }
        c.set(spec, args, argc);
        run(c);
    }

    /** Runs the call's command (outside MULTI) in the transaction its flags ask for; errors become error replies. */
    private static void run(Call c) {
        c.markReplies();
        long mark = c.out.mark();
        Store store = c.server.store;
        try {
            Store.Deferred<Object> d;
            if (c.spec.has(NO_TXN)) {
                if (c.spec.has(OWN_TXN)) settle(c.server, c.session); // it reads and writes through the store's own API
                c.spec.handler().run(c);
                return;
            }
            d = c.spec.has(READONLY) ? store.readDeferred(c) : store.callDeferred(Isolation.SERIALIZABLE, c);
            owe(c.session, d.ticket(), !d.committed());
        } catch (RuntimeException e) {
            c.out.reset(mark);
            c.out.error(errorText(e));
        }
    }

    /**
     * The reply now written owes log write {@code ticket}: it goes out only once that write is done. {@code read}: the
     * reply is not a commit's own (a read, or a transaction that wrote nothing).
     */
    static void owe(Session s, long ticket, boolean read) {
        if (ticket > s.owed) s.owed = ticket;
        if (ticket > 0 && read) s.owedReads = true;
    }

    /** Waits for the log write the session's replies owe, those handed to the event loop included. */
    static void settle(Server server, Session s) {
        long ticket = Math.max(s.owed, s.gated);
        if (ticket == 0) return;
        server.store.awaitDurable(ticket);
        s.owed = 0;
        s.owedReads = false;
        s.gated = 0;
    }

    /** The error reply for a failed command. */
    static String errorText(RuntimeException e) {
        if (e instanceof RedisError) return e.getMessage();
        if (e instanceof SerializationFailure) return "ERR " + e.getMessage();
        if (e instanceof CommitTooLargeException) return "ERR " + e.getMessage();
        if (e instanceof StoreException || e instanceof IllegalArgumentException || e instanceof ArithmeticException)
            return "ERR " + (e.getMessage() == null ? e.toString() : e.getMessage());
        throw e;
    }

    static long argBytes(byte[][] args, int argc) {
        long n = 0;
        for (int i = 1; i < argc; i++) n += args[i].length;
        return n;
    }

    /** Redis's text for an unknown command, with the first arguments. */
    static String unknown(byte[][] args, int argc) {
        StringBuilder sb = new StringBuilder("ERR unknown command '").append(clip(args[0], 128)).append("', with args beginning with: ");
        for (int i = 1; i < argc && sb.length() < 256; i++) sb.append('\'').append(clip(args[i], 128)).append("' ");
        return sb.toString();
    }

    private static String clip(byte[] b, int max) {
        return new String(b, 0, Math.min(b.length, max), StandardCharsets.UTF_8).replace('\r', ' ').replace('\n', ' ');
    }

    /** EXEC: the queue in one serializable transaction, unless a watched key changed (then a null reply). */
    static void exec(Call c) {
        Session s = c.session;
        if (!s.inMulti()) throw new RedisError("ERR EXEC without MULTI");
        var queued = s.queued;
        boolean error = s.queueError, denyOom = s.queuedDenyOom;
        Map<Session.WatchKey, Long> watched = Map.copyOf(s.watched);
        s.endMulti();
        if (error) throw new RedisError("EXECABORT Transaction discarded because of previous errors.");
        if (denyOom && c.server.overMemory(0)) {
            c.server.oomRejections.incrementAndGet();
            throw new RedisError(OOM);
        }
        Server server = c.server;
        long mark = c.out.mark();
        int startDb = s.db;
        Store.Deferred<Object> d = server.store.callDeferred(Isolation.SERIALIZABLE, tx -> {
            c.out.reset(mark);
            s.db = startDb;
            for (var w : watched.entrySet())
                if (server.data.watchVersion(tx, w.getKey().db(), w.getKey().key().getBytes(StandardCharsets.ISO_8859_1)) != w.getValue()) {
                    tx.abort();
                    c.out.nullArray();
                    return null;
                }
            c.out.array(queued.size());
            for (byte[][] q : queued) {
                CommandSpec spec = server.commands.lookup(q[0]);
                String denied = server.acl.denied(s.account, spec, q, q.length); // the user's rules may have changed since MULTI
                if (denied != null) {
                    c.out.error(denied);
                    continue;
                }
                c.set(spec, q, q.length);
                long m = c.out.mark();
                c.tx = tx;
                try {
                    spec.handler().run(c);
                } catch (SerializationFailure e) {
                    throw e;
                } catch (RuntimeException e) {
                    c.out.reset(m);
                    c.out.error(errorText(e));
                } finally {
                    c.tx = null;
                }
            }
            return null;
        });
        owe(s, d.ticket(), !d.committed());
    }
}
