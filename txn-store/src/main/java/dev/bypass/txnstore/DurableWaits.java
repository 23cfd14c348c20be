package dev.bypass.txnstore;

import java.util.concurrent.CompletableFuture;

/** Waits for durability made into futures, for callers that take a future whatever the log does underneath. */
final class DurableWaits {
    private DurableWaits() {}

    /**
     * Runs {@code wait} in the call: a future completed when it returns, failed when it throws a
     * {@link StoreException} (the commits must then not be acknowledged).
     */
    static CompletableFuture<Void> waitedInCall(Runnable wait) {
        try {
            wait.run();
            return CompletableFuture.completedFuture(null);
        } catch (StoreException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
