package dev.bypass.txnstore.resp;

import static dev.bypass.txnstore.resp.CommandSpec.*;

import dev.bypass.txnstore.resp.RedisData.RedisError;
import java.nio.charset.StandardCharsets;

/** MULTI, EXEC, DISCARD, WATCH, UNWATCH. */
final class TransactionCommands {
    private TransactionCommands() {}

    static void register(CommandTable t) {
        int flags = NO_TXN | NO_MULTI | NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY;
        t.add("MULTI", 1, flags, 0, 0, 0, "transactions", "Starts a transaction.", c -> {
            if (c.session.inMulti()) throw new RedisError("ERR MULTI calls can not be nested");
            c.session.beginMulti();
            c.out.simple("OK");
        });
        t.add("EXEC", 1, flags & ~FAST, 0, 0, 0, "transactions", "Executes all commands in a transaction.", Commands::exec);
        t.add("DISCARD", 1, flags, 0, 0, 0, "transactions", "Discards a transaction.", c -> {
            if (!c.session.inMulti()) throw new RedisError("ERR DISCARD without MULTI");
            c.session.endMulti();
            c.out.simple("OK");
        });
        t.add("WATCH", -2, flags, 1, -1, 1, "transactions", "Monitors changes to keys to determine the execution of a transaction.", c -> {
            if (c.session.inMulti()) throw new RedisError("ERR WATCH inside MULTI is not allowed");
            var d = c.server.store.readDeferred(tx -> {
                for (int i = 1; i < c.argc; i++)
                    c.session.watched.putIfAbsent(new Session.WatchKey(c.db(), new String(c.arg(i), StandardCharsets.ISO_8859_1)),
                            c.data().watchVersion(tx, c.db(), c.arg(i)));
                return null;
            });
            Commands.owe(c.session, d.ticket(), true);
            c.out.simple("OK");
        });
        t.add("UNWATCH", 1, flags & ~NO_MULTI, 0, 0, 0, "transactions", "Forgets about watched keys of a transaction.", c -> {
            c.session.watched.clear();
            c.out.simple("OK");
        });
    }
}
