package dev.bypass.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoredProcedureTest {
    @TempDir Path dir;

    @Test void concurrentOrdersSellEachUnitOnce() throws Exception {
        Examples.build(dir, "place_order");
        String out = Examples.run(dir, StoredProcedure::main);
        // 4 threads order 5 units each of a stock of 10: exactly 10 orders commit, whatever the interleaving
        assertTrue(out.contains("orders placed: 10, refused for lack of stock: 10\n"), out);
        assertTrue(out.contains("stock left: 0, orders recorded: 10\n"), out);
    }

    @Test void aDurableStoreKeepsTheOrdersAcrossRuns() throws Exception {
        Examples.build(dir, "place_order");
        Path data = dir.resolve("data");
        Examples.run(dir, StoredProcedure::main, data.toString());
        // the second run stocks 10 units again; the orders of the first run were recovered from the log
        String out = Examples.run(dir, StoredProcedure::main, data.toString());
        assertTrue(out.contains("stock left: 0, orders recorded: 20\n"), out);
    }
}
