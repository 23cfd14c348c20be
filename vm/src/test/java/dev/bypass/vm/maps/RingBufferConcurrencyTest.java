package dev.bypass.vm.maps;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class RingBufferConcurrencyTest {
    /** Several producers write numbered records of varying sizes through a small ring; the consumer sees each producer's records complete and in order. */
    @Test void producersAndBlockingConsumer() throws Exception {
        int producers = 3, perProducer = 20_000;
        try (RingBuffer rb = (RingBuffer) BpfMap.create(new MapSpec("rb", MapType.RINGBUF, 0, 0, 8192, 0))) {
            long[] next = new long[producers];
            AtomicBoolean failed = new AtomicBoolean();
            Thread[] ts = new Thread[producers];
            for (int p = 0; p < producers; p++) {
                int id = p;
                ts[p] = new Thread(() -> {
                    for (int i = 0; i < perProducer; i++) {
                        int size = 12 + (i % 5) * 8;
                        ByteBuffer rec = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN).putInt(id).putLong(i);
                        while (rb.output(MemorySegment.ofArray(rec.array()), 0) != 0) Thread.onSpinWait(); // full: retry
                    }
                });
                ts[p].start();
            }
            int total = producers * perProducer, got = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (got < total && System.nanoTime() < deadline) {
                got += rb.poll(256, 100, TimeUnit.MILLISECONDS, rec -> {
                    ByteBuffer b = ByteBuffer.wrap(rec).order(ByteOrder.LITTLE_ENDIAN);
                    int id = b.getInt();
                    long seq = b.getLong();
                    if (seq != next[id] || rec.length != 12 + (seq % 5) * 8) failed.set(true);
                    next[id] = seq + 1;
                });
            }
            for (Thread t : ts) t.join();
            assertFalse(failed.get(), "records out of order or resized");
            assertEquals(total, got);
            for (long n : next) assertEquals(perProducer, n);
            assertEquals(0, rb.query(RingBuffer.AVAIL_DATA));
            assertEquals(8192, rb.query(RingBuffer.RING_SIZE));
        }
    }

    @Test void fullRingRefusesAndDiscardedRecordsAreSkipped() {
        try (RingBuffer rb = (RingBuffer) BpfMap.create(new MapSpec("rb", MapType.RINGBUF, 0, 0, 4096, 0))) {
            assertEquals(0, rb.reserve(2100, 0), "records larger than half the ring are refused");
            long a = rb.reserve(1000, 0), b = rb.reserve(1000, 0), c = rb.reserve(1000, 0), d = rb.reserve(1000, 0);
            for (long p : new long[] {a, b, c, d}) assertNotEquals(0, p);
            assertEquals(0, rb.reserve(1000, 0), "4 records of 1008 bytes fill a 4 KiB ring");
            assertTrue(rb.complete(b, false, 0));
            assertEquals(0, rb.drain().size(), "the consumer waits behind the first, still reserved record");
            assertTrue(rb.complete(a, true, 0));
            assertFalse(rb.complete(a, false, 0), "a record completes once");
            assertEquals(1, rb.drain().size(), "the discarded record is skipped, the committed one delivered");
            assertTrue(rb.complete(c, false, 0));
            assertTrue(rb.complete(d, true, 0));
            assertEquals(1, rb.drain().size());
            long e = rb.reserve(1000, 0);
            assertEquals(8, dev.bypass.vm.memory.Pointers.offset(e), "a record that would cross the end starts over at 0");
            assertTrue(rb.complete(e, false, 0));
            assertEquals(1000, rb.drain().get(0).length);
        }
    }

    @Test void aScribbledHeaderDropsPendingDataInsteadOfFailingTheConsumer() {
        try (RingBuffer rb = (RingBuffer) BpfMap.create(new MapSpec("rb", MapType.RINGBUF, 0, 0, 4096, 0))) {
            long a = rb.reserve(16, 0);
            // A program holds only its record's bytes: it cannot reach the header or the next record.
            dev.bypass.vm.memory.Memory mem = new dev.bypass.vm.memory.Memory();
            long lent = mem.lease(rb.record(a, 16));
            mem.store64(lent + 8, -1);
            assertThrows(dev.bypass.vm.memory.MemoryFault.class, () -> mem.store32(lent - 8, 0x3fff_0000));
            assertThrows(dev.bypass.vm.memory.MemoryFault.class, () -> mem.store8(lent + 16, 1));
            // Host code still could; the consumer then drops what is pending instead of reading past the record.
            rb.record(a - 8, 4).segment().set(java.lang.foreign.ValueLayout.JAVA_INT, 0, 0x3fff_0000); // a huge length, not busy
            assertEquals(0, rb.drain().size());
            assertEquals(1, rb.corruptions());
            long b = rb.reserve(8, 0);
            assertTrue(rb.complete(b, false, 0));
            assertEquals(1, rb.drain().size(), "the ring works again");
        }
    }

    @Test void drainingIntoTheReusedBufferDeliversWhatDrainDelivers() {
        try (RingBuffer rb = (RingBuffer) BpfMap.create(new MapSpec("r", MapType.RINGBUF, 0, 0, 8192, 0))) {
            java.util.List<byte[]> sent = new java.util.ArrayList<>();
            for (int n : new int[] {1, 8, 13, 300, 2, 1000}) { // longer than the buffer at first: it grows
                byte[] b = new byte[n];
                for (int i = 0; i < n; i++) b[i] = (byte) (n + i);
                sent.add(b);
                assertEquals(0, rb.output(MemorySegment.ofArray(b), 0));
            }
            long d = rb.reserve(16, 0);
            assertTrue(rb.complete(d, true, 0), "a discarded record is skipped");
            assertEquals(0, rb.output(MemorySegment.ofArray(new byte[] {42}), 0));
            java.util.List<byte[]> got = new java.util.ArrayList<>();
            java.util.Set<byte[]> buffers = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            assertEquals(4, rb.drainReusing(4, (buf, n) -> { got.add(java.util.Arrays.copyOf(buf, n)); buffers.add(buf); }));
            assertEquals(3, rb.drainReusing(10, (buf, n) -> { got.add(java.util.Arrays.copyOf(buf, n)); buffers.add(buf); }));
            assertEquals(0, rb.drainReusing(10, (buf, n) -> fail("nothing is left")));
            sent.add(new byte[] {42});
            assertEquals(sent.size(), got.size());
            for (int i = 0; i < sent.size(); i++) assertArrayEquals(sent.get(i), got.get(i), "record " + i);
            assertTrue(buffers.size() <= 3, "one buffer, replaced only to grow: " + buffers.size());
            assertEquals(0, rb.size(), "the space is free again");
        }
    }

    @Test void ringSizeMustBePowerOfTwoPages() {
        assertThrows(MapException.class, () -> BpfMap.create(new MapSpec("rb", MapType.RINGBUF, 0, 0, 5000, 0)));
        assertThrows(MapException.class, () -> BpfMap.create(new MapSpec("h", MapType.HASH, 4, 8, Integer.MAX_VALUE, 0)));
    }

    @Test void perCpuHashAndLruPerCpu() {
        for (MapType t : new MapType[] {MapType.PERCPU_HASH, MapType.LRU_PERCPU_HASH}) {
            try (BpfMap m = BpfMap.create(new MapSpec("p", t, 4, 8, 2, 0))) {
                byte[] k = {1, 0, 0, 0};
                assertEquals(0, m.update(k, MapsTest.u64(5), BpfMap.ANY));
                byte[] all = m.lookup(k);
                assertEquals(8 * BpfMap.possibleCpus(), all.length);
                assertEquals(5L * BpfMap.possibleCpus(), BpfMap.sumPerCpu(all, 8, 0), "the host writes every CPU's slot");
                assertEquals(0, m.update(new byte[] {2, 0, 0, 0}, MapsTest.u64(1), BpfMap.ANY));
                int third = m.update(new byte[] {3, 0, 0, 0}, MapsTest.u64(1), BpfMap.ANY);
                if (t == MapType.PERCPU_HASH) assertEquals(-Errno.E2BIG, third);
                else assertEquals(0, third, "LRU evicts");
                assertEquals(2, m.size());
            }
        }
    }
}
