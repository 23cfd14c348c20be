package dev.bypass.txnstore.programs;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.ProgramRuntime;
import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.Table;
import dev.bypass.txnstore.Isolation;
import dev.bypass.verifier.StandardVerifier;
import dev.bypass.vm.helpers.HelperSpec;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bundled clang-built programs, accepted by the standard verifier (which checks them against the helpers'
 * prototypes, the scan callback's arguments included), run as stored procedures.
 */
class StoredProceduresTest {
    Store store;
    ProgramRuntime runtime;
    StoredProcedures procs;

    @BeforeEach
    void setUp() {
        store = Store.inMemory();
        runtime = ProgramRuntime.builder().verifier(new StandardVerifier()).helpers(StoredProcedures.helpers()).build();
        procs = new StoredProcedures(store);
    }

    @AfterEach
    void tearDown() {
        runtime.close();
        store.close();
    }

    LoadedObject load(String name) throws Exception {
        try (InputStream in = StoredProcedures.class.getResourceAsStream("/dev/bypass/txnstore/bpf/" + name + ".o")) {
            LoadedObject o = runtime.load(name, in.readAllBytes());
            procs.add(o);
            return o;
        }
    }

    static byte[] u64(long... vs) {
        ByteBuffer b = ByteBuffer.allocate(8 * vs.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : vs) b.putLong(v);
        return b.array();
    }

    static long u64(byte[] b, int off) { return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(off); }

    @Test
    void helpersHavePrototypes() {
        Set<String> names = Set.of("store_begin", "store_table", "store_get", "store_put", "store_delete", "store_scan", "store_commit", "store_abort");
        List<HelperSpec> specs = StoredProcedures.helpers().all().stream().filter(h -> names.contains(h.name())).toList();
        assertEquals(8, specs.size());
        HelperSpec scan = specs.stream().filter(h -> h.name().equals("store_scan")).findFirst().orElseThrow();
        assertEquals(dev.bypass.vm.helpers.ArgType.PTR_TO_FUNC, scan.prototype().args().get(3));
    }

    @Test
    void concurrentTransfersKeepTheTotal() throws Exception {
        load("bank");
        Table accounts = store.table("accounts");
        store.run(Isolation.SERIALIZABLE, tx -> {
            for (long i = 0; i < 10; i++) tx.put(accounts, u64(i), u64(1000));
        });
        ConcurrentHashMap<Long, Integer> results = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Random rnd = new Random(t);
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 400; i++) {
                    long r = procs.run("transfer", new long[] {rnd.nextInt(10), rnd.nextInt(10), rnd.nextInt(300)});
                    results.merge(r, 1, Integer::sum);
                }
            }));
        }
        for (Thread t : threads) t.join();
        assertEquals(Set.of(0L, 1L), results.keySet(), "transfers commit (0) or are refused (1): " + results);
        assertTrue(results.get(0L) > 500);
        byte[] ctx = new byte[64];
        long total = procs.run(runtime.objects().getFirst().program("bank_total"), ctx);
        assertEquals(10_000, total, "money is neither created nor destroyed");
        assertEquals(10, u64(ctx, 0));
        assertEquals(1L, procs.run("transfer", new long[] {0, 1, 1_000_000}), "insufficient funds abort");
        assertEquals(10_000, procs.run("bank_total", new long[0]));
    }

    static byte[] key(int... parts) {
        ByteBuffer b = ByteBuffer.allocate(4 * parts.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int p : parts) b.putInt(p);
        return b.array();
    }

    @Test
    void newOrderAssignsConsecutiveIdsAndRollsBackUnknownItems() throws Exception {
        load("new_order");
        store.run(Isolation.SERIALIZABLE, tx -> {
            tx.put(store.table("district"), key(1, 1), u64(1, 0));
            tx.put(store.table("customer"), key(1, 1, 7), u64(1000, 0)); // 10% discount
            for (int i = 1; i <= 20; i++) {
                tx.put(store.table("item"), key(i), u64(100L * i));
                tx.put(store.table("stock"), key(1, i), u64(50, 0));
            }
        });
        List<Thread> threads = new ArrayList<>();
        Set<Long> ids = ConcurrentHashMap.newKeySet();
        for (int t = 0; t < 3; t++) {
            Random rnd = new Random(100 + t);
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 100; i++) {
                    long id = procs.run("new_order", new long[] {1, 1, 7, 3, 1 + rnd.nextInt(20), 1 + rnd.nextInt(20), 1 + rnd.nextInt(20)});
                    assertTrue(id > 0, "order placed: " + id);
                    assertTrue(ids.add(id), "order id " + id + " given twice");
                }
            }));
        }
        for (Thread t : threads) t.join();
        assertEquals(300, ids.size());
        assertEquals(300, ids.stream().mapToLong(Long::longValue).max().orElseThrow());
        long before = store.read(tx -> u64(tx.get(store.table("district"), key(1, 1)), 0));
        assertEquals(301, before);
        assertEquals(-1, procs.run("new_order", new long[] {1, 1, 7, 2, 3, 999}), "unknown item rolls back");
        store.read(tx -> {
            assertEquals(301, u64(tx.get(store.table("district"), key(1, 1)), 0), "rollback left the district alone");
            assertEquals(300, tx.scan(store.table("orders"), null, null, 1000).size());
            assertEquals(900, tx.scan(store.table("order_line"), null, null, 10_000).size());
            long ordered = 0;
            for (var e : tx.scan(store.table("stock"), null, null, 100)) ordered += u64(e.value(), 8);
            assertEquals(900, ordered, "every order line updated its stock row");
            return null;
        });
    }

    static final int RECORD = 16 + 32 + 16 + 8 * 8;

    static byte[] fileRecord(long dev, long ino, String name, int owner, int defaultAccess, int... acl) {
        ByteBuffer b = ByteBuffer.allocate(RECORD).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(dev).putLong(ino);
        byte[] n = java.util.Arrays.copyOf(name.getBytes(), 32);
        b.put(n).putInt(owner).putInt(defaultAccess).putInt(acl.length / 2).putInt(0);
        for (int a : acl) b.putInt(a);
        return b.array();
    }

    static byte[] openRequest(long dev, long ino, String name, int user, int wanted, boolean byName) {
        ByteBuffer b = ByteBuffer.allocate(16 + 32 + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(dev).putLong(ino).put(java.util.Arrays.copyOf(name.getBytes(), 32)).putInt(user).putInt(wanted).putInt(byName ? 1 : 0).putInt(0);
        return b.array();
    }

    @Test
    void fileAclTablesInTheStore() throws Exception {
        LoadedObject o = load("file_acl");
        store.run(Isolation.SERIALIZABLE, tx -> {
            tx.put(store.table("files"), u64(1, 100), fileRecord(1, 100, "/etc/passwd", 0, 4, 1000, 6));
            tx.put(store.table("files_by_name"), java.util.Arrays.copyOf("/etc/passwd".getBytes(), 32), u64(1, 100));
        });
        var check = o.program("check_open");
        assertEquals(1, procs.run(check, openRequest(1, 100, "", 0, 7, false)), "owner");
        assertEquals(1, procs.run(check, openRequest(1, 100, "", 1000, 6, false)), "ACL grants rw");
        assertEquals(0, procs.run(check, openRequest(1, 100, "", 1000, 1, false)), "ACL lacks x");
        assertEquals(1, procs.run(check, openRequest(0, 0, "/etc/passwd", 5, 4, true)), "default read, by name");
        assertEquals(0, procs.run(check, openRequest(0, 0, "/etc/passwd", 5, 2, true)), "default denies write");
        assertEquals(2, procs.run(check, openRequest(0, 0, "/nope", 5, 4, true)), "no such file");
        assertEquals(0, procs.run("grant", new long[] {1, 100, 5, 2}));
        assertEquals(1, procs.run(check, openRequest(0, 0, "/etc/passwd", 5, 2, true)), "granted in a committed transaction");
        assertEquals(2, procs.run("grant", new long[] {9, 9, 5, 2}));
    }
}
