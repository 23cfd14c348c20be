package dev.bypass.txnstore;

import static dev.bypass.txnstore.Bytes.of;
import static dev.bypass.txnstore.Bytes.str;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurabilityTest {
    static void load(Store s, int from, int to) {
        Table t = s.table("t");
        for (int i = from; i < to; i++) {
            int n = i;
            s.run(Isolation.SERIALIZABLE, tx -> {
                tx.put(t, of("k" + n), of("v" + n));
                tx.put(s.table("u"), of("k" + n), of("w" + n));
            });
        }
    }

    static void assertAll(Store s, int n) {
        s.read(tx -> {
            for (int i = 0; i < n; i++) {
                assertEquals("v" + i, str(tx.get(s.table("t"), of("k" + i))), "key k" + i);
                assertEquals("w" + i, str(tx.get(s.table("u"), of("k" + i))), "key k" + i);
            }
            assertEquals(n, tx.scan(s.table("t"), null, null, Integer.MAX_VALUE).size());
            return null;
        });
    }

    @Test
    void everyPolicyRecoversCommitsAcrossReopen(@TempDir Path dir) {
        int n = 0;
        for (SyncPolicy p : SyncPolicy.values()) {
            try (Store s = Store.open(StoreOptions.durable(dir).withSync(p))) {
                assertAll(s, n);
                load(s, n, n + 100);
                n += 100;
                s.run(Isolation.SNAPSHOT, tx -> tx.delete(s.table("gone"), of("x")));
            }
        }
        try (Store s = Store.open(StoreOptions.durable(dir))) {
            assertAll(s, n);
        }
    }

    @Test
    void checkpointWhileWritersContinueThenRecoverFromCheckpointPlusLog(@TempDir Path dir) throws Exception {
        try (Store s = Store.open(StoreOptions.durable(dir).withSync(SyncPolicy.NEVER))) {
            load(s, 0, 2000);
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch started = new CountDownLatch(1);
            Thread writer = Thread.ofPlatform().start(() -> {
                int i = 0;
                while (!stop.get()) {
                    int n = i++;
                    s.run(Isolation.SERIALIZABLE, tx -> tx.put(s.table("w"), of("x" + n), of("y")));
                    started.countDown();
                }
            });
            started.await();
            CheckpointResult r = s.checkpoint();
            stop.set(true);
            writer.join();
            assertTrue(r.entries() >= 4000, "checkpoint holds the snapshot: " + r);
            load(s, 2000, 2100);
            s.checkpoint();
            load(s, 2100, 2200);
        }
        try (Store s = Store.open(StoreOptions.durable(dir))) {
            assertAll(s, 2200);
            assertNotNull(s.recovery().checkpoint());
            assertEquals(100, s.recovery().replayedRecords());
            assertEquals(2, Checkpoints.list(dir).size(), "the newest two checkpoints are kept");
        }
    }

    private static Path lastSegment(Path dir) throws IOException {
        List<Long> segs = Wal.segments(dir);
        for (int i = segs.size() - 1; i >= 0; i--) {
            Path p = Wal.segmentPath(dir, segs.get(i));
            if (Files.size(p) > 0) return p;
        }
        throw new AssertionError("no segment with data");
    }

    static byte[] encode(long ts, List<Wal.Op> ops) {
        Wal.Batch b = new Wal.Batch();
        b.frame(ts, ops, (int) Wal.recordSize(ops));
        return java.util.Arrays.copyOf(b.buf, b.len);
    }

    @Test
    void tornTailIsCutCleanly(@TempDir Path dir) throws Exception {
        try (Store s = Store.open(StoreOptions.durable(dir))) {
            load(s, 0, 50);
        }
        Path seg = lastSegment(dir);
        long size = Files.size(seg);
        byte[] frame = encode(999, List.of(new Wal.Op(new Table("t"), of("torn"), of("x"))));
        try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
            f.seek(size);
            f.write(frame, 0, frame.length - 3); // the write a crash interrupted
        }
        try (Store s = Store.open(StoreOptions.durable(dir))) {
            assertAll(s, 50);
            assertNull(s.read(tx -> tx.get(s.table("t"), of("torn"))));
            assertEquals(1, s.recovery().warnings().size());
            assertTrue(s.recovery().warnings().getFirst().contains("torn tail"), s.recovery().warnings().toString());
            assertEquals(size, Files.size(seg));
            load(s, 50, 60);
        }
        try (Store s = Store.open(StoreOptions.durable(dir))) {
            assertAll(s, 60);
            assertTrue(s.recovery().warnings().isEmpty());
        }
    }

    @Test
    void damageInTheMiddleOfTheLogIsReportedAndNothingIsCut(@TempDir Path dir) throws Exception {
        try (Store s = Store.open(StoreOptions.durable(dir))) {
            load(s, 0, 50);
        }
        Path seg = lastSegment(dir);
        long size = Files.size(seg);
        try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
            f.seek(size / 2);
            int b = f.read();
            f.seek(size / 2);
            f.write(b ^ 0x40);
        }
        StoreCorruptedException e = assertThrows(StoreCorruptedException.class, () -> Store.open(StoreOptions.durable(dir)));
        assertTrue(e.getMessage().contains(seg.toString()) && e.getMessage().contains("not a torn tail"), e.getMessage());
        assertEquals(size, Files.size(seg), "no acknowledged data was cut");
    }

    private static void flipByte(Path file, long at) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x01);
        }
    }

    @Test
    void damagedCheckpointFallsBackToTheOlderOneAndTheLog(@TempDir Path dir) throws Exception {
        try (Store s = Store.open(StoreOptions.durable(dir).withSync(SyncPolicy.NEVER))) {
            load(s, 0, 300);
            s.checkpoint();
            load(s, 300, 600);
            s.checkpoint();
            load(s, 600, 700);
        }
        Path newest = Checkpoints.list(dir).getFirst();
        flipByte(newest, Files.size(newest) / 2);
        try (Store s = Store.open(StoreOptions.durable(dir))) {
            assertAll(s, 700);
            assertTrue(s.recovery().warnings().getFirst().contains(newest.toString()), s.recovery().warnings().toString());
            assertTrue(s.recovery().warnings().getFirst().contains("checksum"), s.recovery().warnings().toString());
        }
        // both checkpoints damaged and the log's start already removed: refuse rather than lose data
        for (Path p : Checkpoints.list(dir)) flipByte(p, Files.size(p) / 3);
        assertTrue(Wal.segments(dir).getFirst() > 1);
        StoreCorruptedException e = assertThrows(StoreCorruptedException.class, () -> Store.open(StoreOptions.durable(dir)));
        assertTrue(e.getMessage().contains("no readable checkpoint"), e.getMessage());
    }

    @Test
    void truncatedOnlyCheckpointReplaysTheWholeLog(@TempDir Path dir) throws Exception {
        try (Store s = Store.open(StoreOptions.durable(dir).withSync(SyncPolicy.NEVER))) {
            load(s, 0, 200);
            s.checkpoint();
            load(s, 200, 250);
        }
        Path ck = Checkpoints.list(dir).getFirst();
        try (RandomAccessFile f = new RandomAccessFile(ck.toFile(), "rw")) {
            f.setLength(f.length() - 5);
        }
        try (Store s = Store.open(StoreOptions.durable(dir))) {
            assertAll(s, 250);
            assertNull(s.recovery().checkpoint());
            assertTrue(s.recovery().warnings().getFirst().contains("damaged"), s.recovery().warnings().toString());
        }
    }

    @Test
    void aDirectoryIsUsedByOneStoreAtATime(@TempDir Path dir) {
        try (Store s = Store.open(StoreOptions.durable(dir))) {
            StoreException e = assertThrows(StoreException.class, () -> Store.open(StoreOptions.durable(dir)));
            assertTrue(e.getMessage().contains("in use"));
        }
    }
}
