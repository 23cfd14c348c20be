package dev.bypass.bench.store;

import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.resp.Procedures;
import dev.bypass.txnstore.resp.RespServer;

/**
 * The RESP server of {@link TransferBenchmark}, in a process of its own: an in-memory store served on a free
 * loopback port with the default I/O threads, as {@code bypass store serve --in-memory} runs it. Prints
 * {@code ready PORT}, and stops when its standard input ends.
 */
public final class TransferServer {
    private TransferServer() {}

    public static void main(String[] args) throws Exception {
        try (Store store = Store.inMemory(); RespServer server = RespServer.start(store, Procedures.NONE, 0)) {
            System.out.println("ready " + server.port());
            System.out.flush();
            while (System.in.read() >= 0) {
                // runs until the benchmark closes our input
            }
        }
    }
}
