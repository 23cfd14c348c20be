package dev.bypass.txnstore;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A commit is acknowledged only if recovery can read it back: at and around every size boundary of the log (the
 * record limit, the size from which fields are written by reference, the I/O slice), a commit is either refused
 * before anything changes or recovered intact — from the log and from a checkpoint.
 */
class RecordLimitTest {
    static final int LIMIT = 3 << 20;
    /** Bytes of a one-put record besides its value: ts, count, kind, table name "t" and key "k", two lengths. */
    static final int OVERHEAD = 12 + 1 + 4 + 1 + 4 + 1 + 4;

    static IntStream sizes() {
        return IntStream.of(0, 1, Frames.LARGE_FIELD - 1, Frames.LARGE_FIELD, Frames.LARGE_FIELD + 1, Frames.IO_SLICE - 1, Frames.IO_SLICE,
                Frames.IO_SLICE + 1, LIMIT - OVERHEAD - 1, LIMIT - OVERHEAD, LIMIT - OVERHEAD + 1, LIMIT);
    }

    static byte[] value(int n) {
        byte[] v = new byte[n];
        for (int i = 0; i < n; i++) v[i] = (byte) (i * 31 + n);
        return v;
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void aCommitIsRefusedOrRecoveredWhole(int size, @TempDir Path dir) {
        StoreOptions options = StoreOptions.durable(dir).withSync(SyncPolicy.NEVER).withMaxRecordBytes(LIMIT);
        byte[] v = value(size);
        boolean fits = size + OVERHEAD <= LIMIT;
        try (Store s = Store.open(options)) {
            s.run(Isolation.SERIALIZABLE, tx -> tx.put(s.table("t"), Bytes.of("before"), Bytes.of("x")));
            if (fits) s.run(Isolation.SERIALIZABLE, tx -> tx.put(s.table("t"), Bytes.of("k"), v));
            else {
                CommitTooLargeException e = assertThrows(CommitTooLargeException.class,
                        () -> s.run(Isolation.SERIALIZABLE, tx -> tx.put(s.table("t"), Bytes.of("k"), v)));
                assertTrue(e.getMessage().contains("limit of " + LIMIT), e.getMessage());
                assertNull(s.read(tx -> tx.get(s.table("t"), Bytes.of("k"))), "a refused commit changes nothing");
            }
            s.run(Isolation.SERIALIZABLE, tx -> tx.put(s.table("t"), Bytes.of("after"), Bytes.of("y")));
        }
        try (Store s = Store.open(options)) { // from the log
            byte[] back = s.read(tx -> tx.get(s.table("t"), Bytes.of("k")));
            if (fits) assertTrue(Arrays.equals(v, back), "value of " + size + " bytes recovered from the log");
            else assertNull(back);
            assertEquals("y", Bytes.str(s.read(tx -> tx.get(s.table("t"), Bytes.of("after")))), "later commits follow it");
            s.checkpoint();
        }
        try (Store s = Store.open(options)) { // from the checkpoint
            byte[] back = s.read(tx -> tx.get(s.table("t"), Bytes.of("k")));
            if (fits) assertTrue(Arrays.equals(v, back), "value of " + size + " bytes recovered from the checkpoint");
            assertNotNull(s.recovery().checkpoint());
        }
    }

    @ParameterizedTest
    @MethodSource("sizes")
    void memoryUsageFollowsTheData(int size) {
        if (size + OVERHEAD > StoreOptions.MAX_RECORD_BYTES) return;
        try (Store s = Store.inMemory()) {
            long before = s.memoryUsage();
            s.run(Isolation.SERIALIZABLE, tx -> tx.put(s.table("t"), Bytes.of("k"), value(size)));
            assertTrue(s.memoryUsage() - before >= size, "counted " + (s.memoryUsage() - before) + " for " + size + " bytes");
            s.run(Isolation.SERIALIZABLE, tx -> tx.delete(s.table("t"), Bytes.of("k")));
            s.vacuum();
            assertTrue(s.memoryUsage() - before < 1024, "given back: " + (s.memoryUsage() - before));
        }
    }
}
