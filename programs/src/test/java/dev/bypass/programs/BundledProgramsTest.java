package dev.bypass.programs;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.maps.*;
import java.util.*;
import java.util.concurrent.*;
import org.junit.jupiter.api.Test;

/** Each bundled program, loaded from its clang object, proves its behaviour through maps read by host code. */
class BundledProgramsTest {
    final ProgramRuntime rt = TestRuntimes.runtime();

    LoadedObject load(String name) { return rt.load(name, BundledPrograms.object(name)); }

    @Test void counterCountsPerKeyUnderConcurrency() throws Exception {
        try (LoadedObject o = load(BundledPrograms.COUNTER)) {
            LoadedProgram p = o.program("count_event");
            int threads = 4, perThread = 5000;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++)
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) p.run(Le.k64(i % 10));
                }));
            BpfMap counts = o.map("counts");
            while (fs.stream().anyMatch(f -> !f.isDone())) counts.lookup(Le.k64(3)); // host reads while programs run
            for (Future<?> f : fs) f.get();
            pool.shutdown();
            assertEquals(10, counts.size());
            for (int k = 0; k < 10; k++) assertEquals(threads * perThread / 10, Le.u64At(counts.lookup(Le.k64(k)), 0), "key " + k);
            QueueMap fresh = (QueueMap) o.map("new_keys");
            Set<Long> seen = new TreeSet<>();
            byte[] v;
            while ((v = fresh.pop()) != null) assertTrue(seen.add(Le.u64At(v, 0)), "each key is new exactly once");
            assertEquals(10, seen.size());
        }
    }

    @Test void latencyHistogramBucketsByLog2() {
        try (LoadedObject o = load(BundledPrograms.LATENCY_HISTOGRAM)) {
            LoadedProgram p = o.program("record_latency");
            long[] samples = {0, 1, 2, 3, 4, 1000, 1023, 1024, 1_000_000, 123_456_789, Long.MAX_VALUE};
            long[] expected = new long[64];
            long sum = 0;
            for (long s : samples) {
                int bucket = s <= 1 ? 0 : 63 - Long.numberOfLeadingZeros(s);
                assertEquals(bucket, p.run(Le.k64(s)), "bucket of " + s);
                expected[bucket]++;
                sum += s;
            }
            BpfMap hist = o.map("hist");
            for (int b = 0; b < 64; b++) assertEquals(expected[b], Le.u64At(hist.lookup(Le.k32(b)), 0), "bucket " + b);
            byte[] totals = o.map("totals").lookup(Le.k32(0));
            assertEquals(samples.length, Le.u64At(totals, 0));
            assertEquals(sum, Le.u64At(totals, 8));
        }
    }

    @Test void topKKeepsTheHeaviestKeys() {
        try (LoadedObject o = load(BundledPrograms.TOP_K)) {
            LoadedProgram p = o.program("observe");
            // key k occurs 3k+1 times (distinct counts), in a seeded shuffled order
            List<Integer> stream = new ArrayList<>();
            for (int k = 1; k <= 30; k++) for (int i = 0; i < 3 * k + 1; i++) stream.add(k);
            long seed = 42;
            Collections.shuffle(stream, new Random(seed));
            for (int k : stream) p.run(Le.k32(k));
            byte[] table = o.map("top").lookup(Le.k32(0));
            Map<Integer, Long> top = new TreeMap<>();
            for (int i = 0; i < 8; i++) {
                int at = 8 + i * 16;
                assertEquals(1, Le.u32At(table, at + 4), "entry " + i + " used");
                top.put(Le.u32At(table, at), Le.u64At(table, at + 8));
            }
            Map<Integer, Long> expected = new TreeMap<>();
            for (int k = 23; k <= 30; k++) expected.put(k, 3L * k + 1);
            assertEquals(expected, top, "seed " + seed);
            assertEquals(0, Le.u32At(table, 0), "lock released");
        }
    }

    @Test void rateLimiterRefillsTokens() {
        try (LoadedObject o = load(BundledPrograms.RATE_LIMITER)) {
            LoadedProgram p = o.program("admit");
            long t0 = 1_000_000_000L;
            int admitted = 0;
            for (int i = 0; i < 8; i++) admitted += (int) p.run(Le.of(16).u32(7).u32(0).u64(t0).bytes());
            assertEquals(5, admitted, "burst of 5");
            assertEquals(0, p.run(Le.of(16).u32(7).u32(0).u64(t0 + 50_000_000L).bytes()), "half a token after 50 ms");
            assertEquals(1, p.run(Le.of(16).u32(7).u32(0).u64(t0 + 100_000_000L).bytes()), "one token after 100 ms");
            assertEquals(1, p.run(Le.of(16).u32(8).u32(0).u64(t0).bytes()), "other clients have their own bucket");
            byte[] bss = o.map(".bss").lookup(Le.k32(0));
            assertEquals(7, Le.u64At(bss, 0), "admitted");
            assertEquals(4, Le.u64At(bss, 8), "refused");
            byte[] bucket = o.map("buckets").lookup(Le.k32(7));
            assertEquals(t0 + 100_000_000L, Le.u64At(bucket, 8));
        }
    }

    @Test void rateLimiterConfigurationInRodata() {
        dev.bypass.vm.elf.ElfObject elf = dev.bypass.vm.elf.ElfLoader.load(BundledPrograms.object(BundledPrograms.RATE_LIMITER));
        dev.bypass.vm.elf.MapDefinition rodata = elf.maps().get(elf.mapIndex(".rodata"));
        byte[] cfg = rodata.initialData().clone();
        for (dev.bypass.vm.elf.MapDefinition.GlobalVariable v : rodata.variables())
            if (v.name().equals("burst")) cfg[(int) v.offset()] = 2; // set before load, as a skeleton does
        try (LoadedObject o = rt.load("rl", elf.withInitialData(".rodata", cfg))) {
            assertEquals(-Errno.EPERM, o.map(".rodata").update(Le.k32(0), new byte[16], BpfMap.ANY), ".rodata is frozen once loaded");
            LoadedProgram p = o.program("admit");
            int admitted = 0;
            for (int i = 0; i < 5; i++) admitted += (int) p.run(Le.of(16).u32(1).u32(0).u64(5).bytes());
            assertEquals(2, admitted);
        }
    }

    @Test void routerSendsWritesToPrimaryAndSticksReadsToHealthyReplicas() throws Exception {
        try (LoadedObject o = load(BundledPrograms.CONNECTION_ROUTER)) {
            LoadedProgram route = o.program("route");
            assertEquals(-1, (int) route.run(Le.of(16).u64(1).u32(0).u32(0).bytes()), "no handler installed yet");
            o.setTailCall("handlers", 0, o.program("route_read"));
            o.setTailCall("handlers", 1, o.program("route_write"));
            try (LoadedObject other = load(BundledPrograms.COUNTER)) {
                MapException e = assertThrows(MapException.class, () -> o.setTailCall("handlers", 0, other.program("count_event")));
                assertTrue(e.getMessage().contains("holds route programs"), e.getMessage());
            }
            BpfMap backends = o.map("backends");
            backends.update(Le.k32(0), Le.of(8).u32(1).u32(1).bytes(), BpfMap.ANY);
            backends.update(Le.k32(2), Le.of(8).u32(1).u32(1).bytes(), BpfMap.ANY);
            backends.update(Le.k32(5), Le.of(8).u32(1).u32(1).bytes(), BpfMap.ANY);
            backends.update(Le.k32(6), Le.of(8).u32(0).u32(1).bytes(), BpfMap.ANY); // unhealthy
            Map<Long, Integer> chosen = new HashMap<>();
            Set<Integer> used = new TreeSet<>();
            for (long conn = 1; conn <= 20; conn++) {
                byte[] ctx = Le.of(16).u64(conn).u32(0).u32(99).bytes();
                int b = (int) route.run(ctx);
                assertEquals(b, Le.u32At(ctx, 12), "the program writes its choice into the context");
                assertTrue(b == 2 || b == 5, "read routed to replica " + b);
                chosen.put(conn, b);
                used.add(b);
                assertEquals(0, route.run(Le.of(16).u64(conn).u32(1).u32(0).bytes()), "writes go to the primary");
            }
            assertEquals(Set.of(2, 5), used, "reads spread over both healthy replicas");
            for (long conn = 1; conn <= 20; conn++)
                assertEquals(chosen.get(conn), (int) route.run(Le.of(16).u64(conn).u32(0).u32(0).bytes()), "sticky");
            // events: one per decision, in order
            RingBuffer events = (RingBuffer) o.map("events");
            List<byte[]> got = new ArrayList<>();
            events.poll(1000, 1, TimeUnit.SECONDS, got::add);
            assertEquals(60, got.size());
            assertEquals(1, Le.u64At(got.get(0), 0));
            assertEquals(chosen.get(1L), Le.u32At(got.get(0), 8));
            assertEquals(1, Le.u32At(got.get(1), 12), "second event is the write");
            // a replica fails: its connections move
            backends.update(Le.k32(2), Le.of(8).u32(0).u32(1).bytes(), BpfMap.ANY);
            for (long conn = 1; conn <= 20; conn++) assertEquals(5, route.run(Le.of(16).u64(conn).u32(0).u32(0).bytes()));
        }
    }

    @Test void routeEventsStreamToABackgroundConsumer() throws Exception {
        try (LoadedObject o = load(BundledPrograms.CONNECTION_ROUTER)) {
            o.setTailCall("handlers", 1, o.program("route_write"));
            List<Long> conns = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Integer> batches = java.util.Collections.synchronizedList(new ArrayList<>());
            RingBufferConsumer consumer = RingBufferConsumer.start((RingBuffer) o.map("events"), 16, batch -> {
                batches.add(batch.size());
                for (byte[] r : batch) conns.add(Le.u64At(r, 0));
            }, Throwable::printStackTrace);
            for (long conn = 0; conn < 5000; conn++) {
                while (o.map("events").size() > 60_000) Thread.onSpinWait(); // let the consumer catch up
                assertEquals(0, o.program("route").run(Le.of(16).u64(conn).u32(1).u32(0).bytes()));
            }
            consumer.close();
            assertEquals(5000, consumer.delivered());
            for (int i = 0; i < 5000; i++) assertEquals(i, conns.get(i), "in commit order");
            assertTrue(batches.stream().allMatch(n -> n >= 1 && n <= 16));
        }
    }

    /** Per-CPU counters updated without atomics stay exact with more threads than CPU cells: each run holds a cell. */
    @Test void perCpuCountsAreExactWithMoreThreadsThanCpus() throws Exception {
        try (LoadedObject o = load(BundledPrograms.ACL_FILTER)) {
            LoadedProgram check = o.program("check_open");
            int threads = 3 * BpfMap.possibleCpus() + 1, runs = 3000;
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) ts.add(new Thread(() -> {
                for (int i = 0; i < runs; i++) check.run(open(9, 9, "", 0, 4, false));
            }));
            for (Thread t : ts) t.start();
            for (Thread t : ts) t.join();
            assertEquals((long) threads * runs, BpfMap.sumPerCpu(o.map("decisions").lookup(Le.k32(2)), 8, 0));
        }
    }

    static byte[] fileRecord(long dev, long ino, String name, int owner, int defaultAccess, int[][] acl) {
        Le b = Le.of(8 + 8 + 32 + 16 + 8 * 8).u64(dev).u64(ino).str(name, 32).u32(owner).u32(defaultAccess).u32(acl.length).u32(0);
        for (int i = 0; i < 8; i++) b.u32(i < acl.length ? acl[i][0] : 0).u32(i < acl.length ? acl[i][1] : 0);
        return b.bytes();
    }

    static byte[] open(long dev, long ino, String name, int user, int wanted, boolean byName) {
        return Le.of(8 + 8 + 32 + 16).u64(dev).u64(ino).str(name, 32).u32(user).u32(wanted).u32(byName ? 1 : 0).u32(0).bytes();
    }

    @Test void aclFilterAllowsOwnerAclUsersAndDefaultAccess() {
        final int R = 4, W = 2, X = 1;
        try (LoadedObject o = load(BundledPrograms.ACL_FILTER)) {
            BpfMap files = o.map("files"), byDevino = o.map("by_devino"), byName = o.map("by_name");
            Object[][] table = {
                    {1L, 100L, "/etc/passwd", 0, R, new int[][] {{1000, R | W}}},
                    {1L, 101L, "/srv/db/data", 26, 0, new int[][] {{1000, R}, {1001, R | W}}},
                    {2L, 100L, "/home/alice/notes", 1000, 0, new int[][] {}},
            };
            for (int id = 0; id < table.length; id++) {
                Object[] f = table[id];
                assertEquals(0, files.update(Le.k32(id), fileRecord((long) f[0], (long) f[1], (String) f[2], (int) f[3], (int) f[4], (int[][]) f[5]), BpfMap.ANY));
                assertEquals(0, byDevino.update(Le.of(16).u64((long) f[0]).u64((long) f[1]).bytes(), Le.k32(id), BpfMap.NOEXIST));
                assertEquals(0, byName.update(Le.of(32).str((String) f[2], 32).bytes(), Le.k32(id), BpfMap.NOEXIST));
            }
            LoadedProgram check = o.program("check_open");
            assertEquals(1, check.run(open(1, 100, "", 5, R, false)), "default read on passwd");
            assertEquals(0, check.run(open(1, 100, "", 5, W, false)), "no default write on passwd");
            assertEquals(1, check.run(open(1, 100, "", 1000, R | W, false)), "ACL grants rw");
            assertEquals(1, check.run(open(0, 0, "/srv/db/data", 26, R | W | X, true)), "owner gets everything");
            assertEquals(0, check.run(open(0, 0, "/srv/db/data", 1000, W, true)), "ACL grants only read");
            assertEquals(1, check.run(open(1, 101, "", 1001, W, false)));
            assertEquals(0, check.run(open(1, 101, "", 7, R, false)), "no default access");
            assertEquals(2, check.run(open(9, 9, "", 0, R, false)), "unknown (dev, inode)");
            assertEquals(2, check.run(open(0, 0, "/nope", 0, R, true)), "unknown name");
            assertEquals(1, check.run(open(2, 100, "", 1000, R | W, false)));
            // revoke: the host edits the record in place, the next open sees it
            files.update(Le.k32(1), fileRecord(1, 101, "/srv/db/data", 26, 0, new int[][] {{1000, R}}), BpfMap.ANY);
            assertEquals(0, check.run(open(1, 101, "", 1001, W, false)));
            BpfMap decisions = o.map("decisions");
            assertEquals(4, BpfMap.sumPerCpu(decisions.lookup(Le.k32(0)), 8, 0), "denied");
            assertEquals(5, BpfMap.sumPerCpu(decisions.lookup(Le.k32(1)), 8, 0), "allowed");
            assertEquals(2, BpfMap.sumPerCpu(decisions.lookup(Le.k32(2)), 8, 0), "not found");
        }
    }
}
