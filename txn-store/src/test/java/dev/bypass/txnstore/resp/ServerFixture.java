package dev.bypass.txnstore.resp;

import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.StoreOptions;
import dev.bypass.txnstore.SyncPolicy;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A durable store (log synced on an interval) in a temporary directory with a server on a free port, per test. */
abstract class ServerFixture {
    @TempDir Path dir;
    Store store;
    RespServer server;

    /** The programs BPF.RUN can call. */
    Procedures procedures() { return Procedures.NONE; }

    /** Where the server listens, its users and TLS. */
    RespAccess access() { return RespAccess.defaults(); }

    @BeforeEach
    void start() throws Exception {
        store = Store.open(StoreOptions.durable(dir).withSync(SyncPolicy.INTERVAL));
        server = RespServer.start(store, procedures(), 0, RespServer.defaultThreads(), RespConfig.defaults(), access());
    }

    @AfterEach
    void stop() {
        server.close();
        store.close();
    }
}
