package dev.bypass.examples;

import dev.bypass.programs.ProgramRuntime;
import dev.bypass.programs.Verifiers;
import dev.bypass.txnstore.Isolation;
import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.StoreOptions;
import dev.bypass.txnstore.programs.StoredProcedures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Embeds the store and calls a stored procedure in a serializable transaction.
 *
 * <p>{@code place_order.c} reads an item's stock, and when enough is left writes the lower stock and the order count
 * back and commits, all through the store's helpers ({@code store_begin}, {@code store_get}, {@code store_put},
 * {@code store_commit}). Several threads order the same item at once: serializable validation lets exactly one of
 * two orders that read the same stock commit, the other gets {@code -EAGAIN} from its commit and
 * {@link StoredProcedures} runs it again from the start, so no unit is sold twice.
 *
 * <p>Usage: {@code StoredProcedure [DIRECTORY]}: with a directory the store is durable there (a write-ahead log
 * synced at each commit, replayed when the store opens again), else it lives in memory.
 */
public final class StoredProcedure {
    private StoredProcedure() {}

    static final long ITEM = 42, STOCK = 10, THREADS = 4, ORDERS_PER_THREAD = 5;

    public static void main(String[] args) throws InterruptedException {
        StoreOptions options = args.length > 0 ? StoreOptions.durable(Path.of(args[0])) : StoreOptions.inMemory();
        // Programs reach the store through its helpers: build the runtime with them.
        try (Store store = Store.open(options);
             ProgramRuntime runtime = ProgramRuntime.builder().verifier(Verifiers.standard()).helpers(StoredProcedures.helpers()).build()) {
            StoredProcedures procedures = new StoredProcedures(store);
            procedures.add(runtime.load("orders", ExampleObjects.read("place_order.o")));

            // Plain Java transactions work on the same tables: stock the item.
            store.run(Isolation.SERIALIZABLE, tx -> tx.put("stock", u64(ITEM), u64(STOCK)));

            AtomicInteger placed = new AtomicInteger(), refused = new AtomicInteger();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++)
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < ORDERS_PER_THREAD; i++) {
                        // arguments: the raw context of up to eight u64s; one unit of the item
                        long result = procedures.run("place_order", new long[] {ITEM, 1});
                        if (result == 0) placed.incrementAndGet();
                        else if (result == 1) refused.incrementAndGet();
                        else System.out.println("order failed: place_order returned " + result);
                    }
                }));
            for (Thread t : threads) t.join();

            long left = store.read(tx -> u64(tx.get("stock", u64(ITEM))));
            long orders = store.read(tx -> u64(tx.get("orders", u64(ITEM))));
            System.out.println("orders placed: " + placed + ", refused for lack of stock: " + refused);
            System.out.println("stock left: " + left + ", orders recorded: " + orders);
            System.out.println("commits: " + store.stats().commits() + ", conflicts re-run: " + store.stats().conflicts());
        }
    }

    static byte[] u64(long v) { return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array(); }

    static long u64(byte[] b) { return b == null ? 0 : ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(); }
}
