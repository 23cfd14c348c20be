package dev.bypass.vm.maps;

import static org.junit.jupiter.api.Assertions.*;

import java.util.*;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random operation sequences against each map and a plain Java model of Linux's semantics: return codes,
 * contents and sizes must agree after every step. The seed is in every failure message.
 */
class MapModelTest {
    static byte[] key(int k) { return new byte[] {(byte) k, (byte) (k >> 8), 0, 0}; }

    static byte[] value(long v) { return MapsTest.u64(v); }

    @ParameterizedTest @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void hashMatchesModel(long seed) {
        Random r = new Random(seed);
        int max = 1 + r.nextInt(20);
        try (BpfMap m = BpfMap.create(new MapSpec("h", MapType.HASH, 4, 8, max, 0))) {
            Map<Integer, Long> model = new HashMap<>();
            for (int step = 0; step < 3000; step++) {
                int k = r.nextInt(40);
                String at = "seed " + seed + " step " + step;
                switch (r.nextInt(4)) {
                    case 0, 1 -> {
                        long flags = r.nextInt(3);
                        long v = r.nextLong();
                        int expected;
                        boolean present = model.containsKey(k);
                        if (flags == BpfMap.NOEXIST && present) expected = -Errno.EEXIST;
                        else if (flags == BpfMap.EXIST && !present) expected = -Errno.ENOENT;
                        else if (!present && model.size() >= max) expected = -Errno.E2BIG;
                        else expected = 0;
                        assertEquals(expected, m.update(key(k), value(v), flags), at);
                        if (expected == 0) model.put(k, v);
                    }
                    case 2 -> {
                        int expected = model.remove(k) != null ? 0 : -Errno.ENOENT;
                        assertEquals(expected, m.delete(key(k)), at);
                    }
                    default -> {
                        byte[] got = m.lookup(key(k));
                        Long want = model.get(k);
                        if (want == null) assertNull(got, at);
                        else assertEquals(want, MapsTest.asLong(got), at);
                    }
                }
                assertEquals(model.size(), m.size(), at);
            }
        }
    }

    @ParameterizedTest @ValueSource(longs = {11, 12, 13, 14})
    void queueAndStackMatchDeque(long seed) {
        Random r = new Random(seed);
        for (boolean fifo : new boolean[] {true, false}) {
            int max = 1 + r.nextInt(10);
            try (QueueMap q = (QueueMap) BpfMap.create(new MapSpec("q", fifo ? MapType.QUEUE : MapType.STACK, 0, 8, max, 0))) {
                Deque<Long> model = new ArrayDeque<>();
                for (int step = 0; step < 2000; step++) {
                    String at = "seed " + seed + (fifo ? " queue" : " stack") + " step " + step;
                    switch (r.nextInt(3)) {
                        case 0 -> {
                            long v = r.nextLong();
                            boolean overwrite = r.nextBoolean();
                            int expected = model.size() == max && !overwrite ? -Errno.E2BIG : 0;
                            assertEquals(expected, q.push(value(v), overwrite ? BpfMap.EXIST : BpfMap.ANY), at);
                            if (expected == 0) {
                                if (model.size() == max) model.pollFirst(); // the oldest goes
                                model.addLast(v);
                            }
                        }
                        case 1 -> {
                            byte[] got = q.pop();
                            Long want = fifo ? model.pollFirst() : model.pollLast();
                            if (want == null) assertNull(got, at);
                            else assertEquals(want, MapsTest.asLong(got), at);
                        }
                        default -> {
                            byte[] got = q.peek();
                            Long want = fifo ? model.peekFirst() : model.peekLast();
                            if (want == null) assertNull(got, at);
                            else assertEquals(want, MapsTest.asLong(got), at);
                        }
                    }
                    assertEquals(model.size(), q.size(), at);
                }
            }
        }
    }

    @ParameterizedTest @ValueSource(longs = {21, 22})
    void lruStaysBoundedUnderConcurrentInserts(long seed) throws Exception {
        try (BpfMap m = BpfMap.create(new MapSpec("l", MapType.LRU_HASH, 4, 8, 64, 0))) {
            AtomicBoolean failed = new AtomicBoolean();
            java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long s = seed * 31 + t;
                ts.add(new Thread(() -> {
                    Random r = new Random(s);
                    for (int i = 0; i < 20_000; i++) {
                        int k = r.nextInt(1000);
                        int rc = m.update(key(k), value(k), BpfMap.ANY);
                        if (rc == -Errno.E2BIG) refused.incrementAndGet(); // possible under contention, as in Linux
                        else if (rc != 0) failed.set(true);
                        byte[] v = m.lookup(key(r.nextInt(1000)));
                        if (v != null && v.length != 8) failed.set(true);
                        if (m.size() > 64) failed.set(true);
                    }
                }));
            }
            for (Thread t : ts) t.start();
            for (Thread t : ts) t.join();
            assertFalse(failed.get(), "seed " + seed + ": an insert failed or the map grew past max_entries");
            assertTrue(refused.get() < 800, "seed " + seed + ": " + refused.get() + " of 80000 inserts refused");
            assertTrue(m.size() <= 64 && m.size() > 0);
            for (byte[] k : m.keys()) {
                byte[] v = m.lookup(k);
                if (v != null) assertEquals((k[0] & 0xff) | (k[1] & 0xff) << 8, MapsTest.asLong(v), "seed " + seed + ": value belongs to its key");
            }
        }
    }
}
