package dev.bypass.txnstore;

import static dev.bypass.txnstore.Bytes.of;
import static dev.bypass.txnstore.Bytes.str;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTest {
    @Test
    void getPutDeleteScanWithReadYourWrites() {
        try (Store s = Store.inMemory()) {
            Table t = s.table("t");
            s.run(Isolation.SERIALIZABLE, tx -> {
                for (String k : List.of("b", "a", "d", "c")) tx.put(t, of(k), of(k.toUpperCase()));
            });
            try (Transaction tx = s.begin()) {
                assertEquals("A", str(tx.get(t, of("a"))));
                tx.delete(t, of("b"));
                tx.put(t, of("bb"), of("BB"));
                assertNull(tx.get(t, of("b")));
                List<Entry> all = tx.scan(t, null, null, 100);
                assertEquals(List.of("a", "bb", "c", "d"), all.stream().map(e -> str(e.key())).toList());
                assertEquals(List.of("bb", "c"), tx.scan(t, of("b"), of("d"), 100).stream().map(e -> str(e.key())).toList());
                tx.commit();
            }
            try (Transaction tx = s.beginReadOnly()) {
                assertNull(tx.get(t, of("b")));
                assertEquals(4, tx.scan(t, null, null, 100).size());
                assertThrows(StoreException.class, () -> tx.put(t, of("x"), of("y")));
            }
        }
    }

    @Test
    void unsignedKeyOrder() {
        try (Store s = Store.inMemory()) {
            Table t = s.table("t");
            s.run(Isolation.SNAPSHOT, tx -> {
                tx.put(t, new byte[] {(byte) 0x80}, of("hi"));
                tx.put(t, new byte[] {0x01}, of("lo"));
                tx.put(t, new byte[] {0x01, 0x00}, of("lo2"));
            });
            List<Entry> e = s.read(tx -> tx.scan(t, null, null, 10));
            assertEquals(List.of("lo", "lo2", "hi"), e.stream().map(x -> str(x.value())).toList());
        }
    }

    @Test
    void snapshotIsStableAndOldVersionsAreReclaimedOnceNoReaderNeedsThem() {
        try (Store s = Store.inMemory()) {
            Table t = s.table("t");
            s.run(Isolation.SERIALIZABLE, tx -> tx.put(t, of("k"), of("v0")));
            Transaction reader = s.beginReadOnly();
            for (int i = 1; i <= 200; i++) {
                int n = i;
                s.run(Isolation.SERIALIZABLE, tx -> tx.put(t, of("k"), of("v" + n)));
            }
            assertEquals("v0", str(reader.get(t, of("k"))), "a read-only transaction keeps its snapshot");
            assertTrue(chainLength(t, "k") > 100, "versions a reader needs are kept");
            reader.close();
            for (int i = 0; i < 200; i++) s.run(Isolation.SERIALIZABLE, tx -> tx.put(t, of("k"), of("last")));
            assertTrue(chainLength(t, "k") <= 70, "old versions are cut once no snapshot reaches them: " + chainLength(t, "k"));
            s.run(Isolation.SERIALIZABLE, tx -> tx.delete(t, of("k")));
            s.vacuum();
            assertNull(t.get(of("k")), "a deletion every snapshot sees is removed");
        }
    }

    private static int chainLength(Table t, String key) {
        int n = 0;
        for (Version v = t.get(of(key)).head; v != null; v = v.older) n++;
        return n;
    }

    @Test
    void readOnlyTransactionsNeverAbortEvenAtSerializable() {
        try (Store s = Store.inMemory()) {
            Table t = s.table("t");
            s.run(Isolation.SERIALIZABLE, tx -> tx.put(t, of("x"), of("1")));
            try (Transaction ro = s.begin(Isolation.SERIALIZABLE)) {
                ro.get(t, of("x"));
                s.run(Isolation.SERIALIZABLE, tx -> tx.put(t, of("x"), of("2")));
                assertEquals("1", str(ro.get(t, of("x"))));
                ro.commit(); // no writes: nothing to validate
            }
        }
    }

    @Test
    void commitActionsReadTheNewestCommitSoConcurrentIncrementsNeverConflict() throws Exception {
        try (Store s = Store.inMemory()) {
            Table t = s.table("t");
            int threads = 4, each = 500;
            List<Thread> workers = new java.util.ArrayList<>();
            java.util.Set<Long> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
            for (int w = 0; w < threads; w++)
                workers.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < each; i++) {
                        long[] now = {0};
                        s.run(Isolation.SERIALIZABLE, tx -> tx.atCommit(latest -> {
                            byte[] v = latest.get(t, of("n"));
                            now[0] = (v == null ? 0 : Long.parseLong(str(v))) + 1;
                            latest.put(t, of("n"), of(Long.toString(now[0])));
                        }));
                        seen.add(now[0]);
                    }
                }));
            for (Thread w : workers) w.join();
            assertEquals(String.valueOf(threads * each), str(s.read(tx -> tx.get(t, of("n")))));
            assertEquals(threads * each, seen.size(), "every increment saw its own predecessor");
            assertEquals(0, s.stats().conflicts());
        }
    }

    @Test
    void aCommitActionDoesNotExcuseTheTransactionsOwnStaleReads() {
        try (Store s = Store.inMemory()) {
            Table t = s.table("t");
            Transaction tx = s.begin(Isolation.SERIALIZABLE);
            tx.get(t, of("a"));
            tx.atCommit(latest -> latest.put(t, of("b"), of("from the action")));
            s.run(Isolation.SERIALIZABLE, other -> other.put(t, of("a"), of("changed")));
            assertThrows(SerializationFailure.class, tx::commit);
            assertNull(s.read(r -> r.get(t, of("b"))));
        }
    }

    @Test
    void aFailingCommitActionInstallsNothing() {
        try (Store s = Store.inMemory()) {
            Table t = s.table("t");
            Transaction tx = s.begin(Isolation.SERIALIZABLE);
            tx.put(t, of("a"), of("1"));
            tx.atCommit(latest -> {
                latest.put(t, of("b"), of("2"));
                throw new IllegalStateException("refused");
            });
            assertThrows(IllegalStateException.class, tx::commit);
            assertFalse(tx.isActive());
            assertNull(s.read(r -> r.get(t, of("a"))));
            assertNull(s.read(r -> r.get(t, of("b"))));
            Transaction again = s.begin();
            again.atCommit(latest -> assertThrows(IllegalStateException.class, latest::commit));
            again.commit();
        }
    }

    @Test
    void keysWithACounterSuffixSpreadOverTheHash() {
        java.util.Set<Integer> hashes = new java.util.HashSet<>();
        byte[] prefix = Bytes.escapeTerminated(of("mylist"));
        for (int i = 0; i < 65_536; i++) {
            byte[] k = java.util.Arrays.copyOf(prefix, prefix.length + 8);
            k[k.length - 2] = (byte) (i >>> 8);
            k[k.length - 1] = (byte) i;
            hashes.add(Bytes.hash(k));
        }
        assertTrue(hashes.size() > 65_000, hashes.size() + " distinct hashes of 65,536 keys");
    }

    @Test
    void retryHelperRerunsOnSerializationFailure() {
        try (Store s = Store.inMemory()) {
            Table t = s.table("t");
            int[] attempts = {0};
            s.run(Isolation.SERIALIZABLE, tx -> {
                attempts[0]++;
                byte[] v = tx.get(t, of("c"));
                if (attempts[0] == 1) s.run(Isolation.SERIALIZABLE, other -> other.put(t, of("c"), of("5")));
                tx.put(t, of("c"), of(String.valueOf(Integer.parseInt(v == null ? "0" : str(v)) + 1)));
            });
            assertEquals(2, attempts[0]);
            assertEquals("6", str(s.read(tx -> tx.get(t, of("c")))));
        }
    }

    @Test
    void secondaryIndexFollowsCommitsAndOwnWrites(@TempDir Path dir) {
        Index.KeyFunction city = (k, v) -> of(str(v).split(",")[1]);
        try (Store s = Store.open(StoreOptions.durable(dir))) {
            Table people = s.table("people");
            s.run(Isolation.SERIALIZABLE, tx -> {
                tx.put(people, of("1"), of("ann,Oslo"));
                tx.put(people, of("2"), of("bob,Rome"));
            });
            Index ix = s.createIndex("people", "city", city); // built from existing rows
            s.run(Isolation.SERIALIZABLE, tx -> tx.put(people, of("3"), of("cy,Oslo")));
            try (Transaction tx = s.begin()) {
                assertEquals(List.of("1", "3"), tx.indexLookup(ix, of("Oslo")).stream().map(e -> str(e.key())).toList());
                tx.put(people, of("1"), of("ann,Rome"));
                tx.put(people, of("4"), of("dan,Oslo"));
                assertEquals(List.of("3", "4"), tx.indexLookup(ix, of("Oslo")).stream().map(e -> str(e.key())).toList());
                tx.commit();
            }
            s.run(Isolation.SERIALIZABLE, tx -> tx.delete(people, of("3")));
            assertEquals(List.of("4"), s.read(tx -> tx.indexLookup(ix, of("Oslo"))).stream().map(e -> str(e.key())).toList());
            assertEquals(2, ix.entries().records.values().stream().filter(r -> r.head.value != null && r.head.value.length == 0).count() - 1);
        }
        try (Store s = Store.open(StoreOptions.durable(dir))) {
            Index ix = s.createIndex("people", "city", city);
            assertEquals(List.of("1", "2"), s.read(tx -> tx.indexLookup(ix, of("Rome"))).stream().map(e -> str(e.key())).toList());
            assertEquals(List.of("4"), s.read(tx -> tx.indexScan(ix, of("O"), of("P"))).stream().map(e -> str(e.key())).toList());
        }
    }

    @Test
    void serializableDetectsPhantomsInIndexRanges() {
        try (Store s = Store.inMemory()) {
            Index ix = s.createIndex("people", "city", (k, v) -> of(str(v)));
            Table people = s.table("people");
            Transaction t1 = s.begin(Isolation.SERIALIZABLE);
            assertTrue(t1.indexLookup(ix, of("Oslo")).isEmpty());
            s.run(Isolation.SERIALIZABLE, tx -> tx.put(people, of("9"), of("Oslo")));
            t1.put(people, of("1"), of("Rome"));
            assertThrows(SerializationFailure.class, t1::commit);
        }
    }

    @Test
    void compositeKeyEncodingPreservesOrder() {
        byte[][] parts = {{}, {0}, {0, 0}, {0, 1}, {1}, {(byte) 0xff}, {0, (byte) 0xff}};
        for (byte[] a : parts)
            for (byte[] b : parts) {
                int expected = Integer.signum(Bytes.ORDER.compare(a, b));
                byte[] ea = Bytes.concat(Bytes.escapeTerminated(a), of("zz")), eb = Bytes.concat(Bytes.escapeTerminated(b), of("a"));
                if (expected != 0) assertEquals(expected, Integer.signum(Bytes.ORDER.compare(ea, eb)));
                assertArrayEquals(a, Bytes.unescapeFirst(ea));
            }
    }
}
