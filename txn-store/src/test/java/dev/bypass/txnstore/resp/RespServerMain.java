package dev.bypass.txnstore.resp;

import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.StoreOptions;
import dev.bypass.txnstore.SyncPolicy;
import java.nio.file.Path;

/** A server in a process of its own, for tests that kill it: {@code DIR [maxmemory]}; prints {@code ready PORT}. */
public final class RespServerMain {
    public static void main(String[] args) throws Exception {
        Store store = Store.open(StoreOptions.durable(Path.of(args[0])).withSync(SyncPolicy.INTERVAL));
        RespConfig config = RespConfig.defaults();
        if (args.length > 1) config = config.withMaxmemory(Long.parseLong(args[1]));
        RespServer server = RespServer.start(store, Procedures.NONE, 0, 1, config);
        System.out.println("ready " + server.port());
        System.out.flush();
        server.awaitClose();
    }
}
