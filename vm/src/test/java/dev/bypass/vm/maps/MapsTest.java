package dev.bypass.vm.maps;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.LoadException;
import dev.bypass.vm.exec.*;
import dev.bypass.vm.engines.*;
import dev.bypass.vm.memory.*;
import dev.bypass.vm.exec.ExecutionException;
import dev.bypass.vm.facts.ProgramFacts;
import dev.bypass.vm.helpers.standard.MapHelpers;
import dev.bypass.vm.helpers.TraceSink;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MapsTest {
    static byte[] u32(int v) { return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array(); }

    static byte[] u64(long v) { return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array(); }

    static long asLong(byte[] b) { return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(); }

    static Engine link(String asm, BpfMap... maps) { return link(EngineKind.INTERPRETER, asm, maps); }

    static Engine link(EngineKind kind, String asm, BpfMap... maps) {
        LinkedProgram p = LinkedProgram.link("t", Assembler.assemble(asm), MapHelpers.registry(), new MapResolver(List.of(maps)));
        return Engines.create(p, kind, ProgramFacts.NONE);
    }

    /** Every engine this build has (the JIT joins when it lands), so helper and tail-call behaviour is checked on each. */
    static List<EngineKind> engines() {
        List<EngineKind> out = new ArrayList<>();
        for (EngineKind k : new EngineKind[] {EngineKind.INTERPRETER, EngineKind.JIT}) {
            try {
                Engines.create(LinkedProgram.link("probe", Assembler.assemble("mov %r0, 0\nexit"), MapHelpers.registry()), k, ProgramFacts.NONE);
                out.add(k);
            } catch (LoadException notInThisBuild) {
                // engine not available
            }
        }
        return out;
    }

    @Test void hashFlagsAndLimits() {
        try (BpfMap m = BpfMap.create(new MapSpec("h", MapType.HASH, 4, 8, 2, 0))) {
            assertEquals(-Errno.ENOENT, m.update(u32(1), u64(10), BpfMap.EXIST));
            assertEquals(0, m.update(u32(1), u64(10), BpfMap.NOEXIST));
            assertEquals(-Errno.EEXIST, m.update(u32(1), u64(11), BpfMap.NOEXIST));
            assertEquals(0, m.update(u32(1), u64(12), BpfMap.EXIST));
            assertEquals(12, asLong(m.lookup(u32(1))));
            assertEquals(0, m.update(u32(2), u64(20), BpfMap.ANY));
            assertEquals(-Errno.E2BIG, m.update(u32(3), u64(30), BpfMap.ANY));
            assertEquals(0, m.update(u32(2), u64(21), BpfMap.ANY), "replacing an existing key works when full");
            assertEquals(-Errno.EINVAL, m.update(u32(2), u64(21), 7));
            assertEquals(0, m.delete(u32(1)));
            assertEquals(-Errno.ENOENT, m.delete(u32(1)));
            assertNull(m.lookup(u32(1)));
            assertEquals(0, m.update(u32(3), u64(30), BpfMap.ANY));
            assertEquals(2, m.size());
        }
    }

    @Test void arraySemantics() {
        try (BpfMap m = BpfMap.create(new MapSpec("a", MapType.ARRAY, 4, 8, 4, 0))) {
            assertEquals(0, asLong(m.lookup(u32(3))));
            assertNull(m.lookup(u32(4)));
            assertEquals(-Errno.E2BIG, m.update(u32(4), u64(1), BpfMap.ANY));
            assertEquals(-Errno.EEXIST, m.update(u32(0), u64(1), BpfMap.NOEXIST));
            assertEquals(-Errno.EINVAL, m.delete(u32(0)));
            assertEquals(0, m.update(u32(2), u64(5), BpfMap.EXIST));
            assertEquals(5, asLong(m.lookup(u32(2))));
        }
    }

    @Test void lruEvictsLeastRecentlyUsed() {
        try (HashTableMap m = (HashTableMap) BpfMap.create(new MapSpec("l", MapType.LRU_HASH, 4, 8, 3, 0))) {
            for (int i = 0; i < 3; i++) assertEquals(0, m.update(u32(i), u64(i), BpfMap.ANY));
            // touch 0 and 2 through the program-side lookup, so 1 is least recently used
            m.lookupPointer(java.lang.foreign.MemorySegment.ofArray(u32(0)));
            m.lookupPointer(java.lang.foreign.MemorySegment.ofArray(u32(2)));
            assertEquals(0, m.update(u32(9), u64(9), BpfMap.ANY));
            assertEquals(3, m.size());
            assertNull(m.lookup(u32(1)));
            assertNotNull(m.lookup(u32(0)));
            assertNotNull(m.lookup(u32(9)));
        }
    }

    @Test void queueAndStack() {
        try (QueueMap q = (QueueMap) BpfMap.create(new MapSpec("q", MapType.QUEUE, 0, 4, 2, 0));
             QueueMap s = (QueueMap) BpfMap.create(new MapSpec("s", MapType.STACK, 0, 4, 2, 0))) {
            for (QueueMap m : List.of(q, s)) {
                assertEquals(0, m.push(u32(1), 0));
                assertEquals(0, m.push(u32(2), 0));
                assertEquals(-Errno.E2BIG, m.push(u32(3), 0));
                assertEquals(0, m.push(u32(3), BpfMap.EXIST)); // drops the oldest (1)
            }
            assertArrayEquals(u32(2), q.pop());
            assertArrayEquals(u32(3), q.peek());
            assertArrayEquals(u32(3), q.pop());
            assertNull(q.pop());
            assertArrayEquals(u32(3), s.pop());
            assertArrayEquals(u32(2), s.pop());
            assertNull(s.peek());
        }
    }

    @Test void mapHandleFaultsWhenDereferenced() {
        try (BpfMap m = BpfMap.create(new MapSpec("h", MapType.HASH, 4, 8, 2, 0))) {
            Engine e = link("lddw %r1, map_idx(0)\nldxdw %r0, [%r1]\nexit", m);
            ExecutionException ex = assertThrows(ExecutionException.class, () -> e.execute(new ExecutionState(), 0, 0, 0, 0, 0));
            assertEquals(ExecutionException.Kind.MEMORY_FAULT, ex.kind());
        }
    }

    /** A program increments a per-key counter with an atomic add while the host reads and updates other keys. */
    @Test void concurrentProgramsAndHost() throws Exception {
        String asm = """
                stw [%r10-4], 7
                mov %r2, %r10
                add %r2, -4
                lddw %r1, map_idx(0)
                call 1
                jne %r0, 0, found
                stdw [%r10-16], 0
                mov %r2, %r10
                add %r2, -4
                mov %r3, %r10
                add %r3, -16
                lddw %r1, map_idx(0)
                mov %r4, 1
                call 2
                mov %r2, %r10
                add %r2, -4
                lddw %r1, map_idx(0)
                call 1
                jeq %r0, 0, out
                found:
                mov %r1, 1
                lock add [%r0+0], %r1
                out:
                mov %r0, 0
                exit
                """;
        try (BpfMap m = BpfMap.create(new MapSpec("counts", MapType.HASH, 4, 8, 64, 0))) {
            Engine e = link(asm, m);
            int threads = 4, runs = 20_000;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            AtomicBoolean stop = new AtomicBoolean();
            Thread host = new Thread(() -> {
                int i = 0;
                while (!stop.get()) {
                    m.update(u32(100 + i % 50), u64(i), BpfMap.ANY);
                    m.lookup(u32(7));
                    if (i % 3 == 0) m.delete(u32(100 + (i + 25) % 50));
                    i++;
                }
            });
            host.start();
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++)
                fs.add(pool.submit(() -> {
                    ExecutionState st = new ExecutionState();
                    for (int i = 0; i < runs; i++) e.execute(st, 0, 0, 0, 0, 0);
                }));
            for (Future<?> f : fs) f.get(60, TimeUnit.SECONDS);
            stop.set(true);
            host.join();
            pool.shutdown();
            assertEquals((long) threads * runs, asLong(m.lookup(u32(7))));
            assertTrue(m.size() <= 64);
        }
    }

    @ParameterizedTest @MethodSource("engines")
    void perCpuValuesHaveOneWriterAtATimeWithMoreThreadsThanCells(EngineKind kind) throws Exception {
        // a plain (non-atomic) read-modify-write, as per-CPU counters are written on Linux
        String asm = """
                stw [%r10-4], 0
                mov %r2, %r10
                add %r2, -4
                lddw %r1, map_idx(0)
                call 1
                jeq %r0, 0, out
                ldxdw %r1, [%r0]
                add %r1, 1
                stxdw [%r0], %r1
                out:
                exit
                """;
        for (MapType type : new MapType[] {MapType.PERCPU_ARRAY, MapType.PERCPU_HASH}) {
            try (BpfMap m = BpfMap.create(new MapSpec("pc", type, 4, 8, 1, 0))) {
                m.update(u32(0), new byte[8], BpfMap.ANY);
                Engine e = link(kind, asm, m);
                int threads = 2 * BpfMap.possibleCpus() + 1, runs = 2000;
                List<Thread> ts = new ArrayList<>();
                // Each execution holds a cell of its own from its first per-CPU access to its end, so every cell
                // has one writer at a time however many threads run, and no increment is lost.
                for (int t = 0; t < threads; t++) ts.add(new Thread(() -> {
                    ExecutionState st = new ExecutionState();
                    for (int i = 0; i < runs; i++) e.execute(st, 0, 0, 0, 0, 0);
                }));
                for (Thread th : ts) th.start();
                for (Thread th : ts) th.join();
                byte[] all = m.lookup(u32(0));
                assertEquals(8 * BpfMap.possibleCpus(), all.length, type.toString());
                assertEquals((long) runs * threads, BpfMap.sumPerCpu(all, 8, 0), type.toString());
            }
        }
    }

    @Test void ringBufferReserveSubmitDiscardAndPoll() throws Exception {
        String asm = """
                lddw %r1, map_idx(0)
                mov %r2, 16
                mov %r3, 0
                call 131
                jeq %r0, 0, out
                stdw [%r0], 42
                stdw [%r0+8], 43
                mov %r1, %r0
                mov %r2, 0
                call 132
                lddw %r1, map_idx(0)
                mov %r2, 8
                mov %r3, 0
                call 131
                jeq %r0, 0, out
                mov %r1, %r0
                mov %r2, 0
                call 133
                stdw [%r10-8], 99
                lddw %r1, map_idx(0)
                mov %r2, %r10
                add %r2, -8
                mov %r3, 8
                mov %r4, 0
                call 130
                out:
                mov %r0, 0
                exit
                """;
        try (RingBuffer rb = (RingBuffer) BpfMap.create(new MapSpec("rb", MapType.RINGBUF, 0, 0, 4096, 0))) {
            Engine e = link(asm, rb);
            ExecutorService producer = Executors.newSingleThreadExecutor();
            List<byte[]> got = new ArrayList<>();
            Future<?> f = producer.submit(() -> {
                Thread.sleep(100);
                ExecutionState st = new ExecutionState();
                for (int i = 0; i < 200; i++) {
                    // each run needs 40 bytes (24 + 16, the discarded record frees its space only when consumed):
                    // wait for the consumer rather than lose records to a full ring
                    while (rb.query(RingBuffer.AVAIL_DATA) > 4096 - 128) Thread.onSpinWait();
                    e.execute(st, 0, 0, 0, 0, 0);
                }
                return null;
            });
            // 400 committed records of 24 and 16 bytes do not fit a 4 KiB ring at once: the consumer must keep up.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (got.size() < 400 && System.nanoTime() < deadline) rb.poll(64, 1, TimeUnit.SECONDS, got::add);
            f.get(20, TimeUnit.SECONDS);
            producer.shutdown();
            got.addAll(rb.drain());
            assertEquals(400, got.size());
            assertEquals(16, got.get(0).length);
            assertEquals(42, asLong(java.util.Arrays.copyOfRange(got.get(0), 0, 8)));
            assertEquals(99, asLong(got.get(1)));
            for (int i = 0; i < got.size(); i++) assertEquals(i % 2 == 0 ? 16 : 8, got.get(i).length);
            assertEquals(0, rb.query(RingBuffer.AVAIL_DATA));
        }
    }

    @Test void submitOfForeignPointerStopsProgram() {
        try (RingBuffer rb = (RingBuffer) BpfMap.create(new MapSpec("rb", MapType.RINGBUF, 0, 0, 4096, 0))) {
            Engine e = link("mov %r1, %r10\nadd %r1, -8\nmov %r2, 0\ncall 132\nexit", rb);
            ExecutionException ex = assertThrows(ExecutionException.class, () -> e.execute(new ExecutionState(), 0, 0, 0, 0, 0));
            assertEquals(ExecutionException.Kind.HELPER_ERROR, ex.kind());
        }
    }

    @Test void tailCallsChainUpToTheLimit() {
        for (EngineKind kind : engines()) tailCallsChainUpToTheLimit(kind);
    }

    void tailCallsChainUpToTheLimit(EngineKind kind) {
        try (ProgramArray pa = (ProgramArray) BpfMap.create(new MapSpec("jmp", MapType.PROG_ARRAY, 4, 4, 4, 0));
             BpfMap counter = BpfMap.create(new MapSpec("n", MapType.ARRAY, 4, 8, 1, 0))) {
            // Program 0 counts its runs in the array and tail-calls itself; when the limit stops it, it returns 7.
            String asm = """
                    mov %r6, %r1
                    stw [%r10-4], 0
                    mov %r2, %r10
                    add %r2, -4
                    lddw %r1, map_idx(1)
                    call 1
                    jeq %r0, 0, fail
                    mov %r1, 1
                    lock add [%r0+0], %r1
                    mov %r1, %r6
                    lddw %r2, map_idx(0)
                    mov %r3, 0
                    call 12
                    mov %r0, 7
                    exit
                    fail:
                    mov %r0, 1
                    exit
                    """;
            Engine e = link(kind, asm, pa, counter);
            pa.set(0, e);
            assertEquals(7, e.execute(new ExecutionState(), 0, 0, 0, 0, 0), kind.name());
            assertEquals(ExecutionState.MAX_TAIL_CALLS + 1, asLong(counter.lookup(u32(0))), kind.name());
            Engine toEmpty = link(kind, "lddw %r2, map_idx(0)\nmov %r3, 3\ncall 12\nmov %r0, 5\nexit", pa);
            assertEquals(5, toEmpty.execute(new ExecutionState(), 0, 0, 0, 0, 0), kind + ": a tail call to an empty slot falls through");
        }
    }

    @Test void loopCallbackAndTracePrintk() {
        for (EngineKind kind : engines()) loopCallbackAndTracePrintk(kind);
    }

    void loopCallbackAndTracePrintk(EngineKind kind) {
        String asm = """
                stdw [%r10-8], 0
                mov %r1, 10
                lddw %r2, func(cb)
                mov %r3, %r10
                add %r3, -8
                mov %r4, 0
                call 181
                mov %r6, %r0
                stdw [%r10-24], 0x64253d6e
                mov %r1, %r10
                add %r1, -24
                mov %r2, 5
                ldxdw %r3, [%r10-8]
                call 6
                ldxdw %r0, [%r10-8]
                lsh %r0, 8
                or %r0, %r6
                exit
                cb:
                ldxdw %r3, [%r2]
                add %r3, %r1
                stxdw [%r2], %r3
                mov %r0, 0
                jne %r1, 4, +1
                mov %r0, 1
                exit
                """;
        Engine e = link(kind, asm);
        ExecutionState st = new ExecutionState();
        List<String> lines = new ArrayList<>();
        st.attach(TraceSink.class, lines::add);
        // iterations 0..4 run (the fifth stops the loop): sum 0+1+2+3+4 = 10, loop returns 5
        assertEquals((10L << 8) | 5, e.execute(st, 0, 0, 0, 0, 0));
        assertEquals(List.of("n=10"), lines);
    }

    @Test void nestedLoopsRunOutOfBudget() {
        // loop(2^23) whose callback runs loop(2^23) again: 2^46 iterations without a single back-edge
        String asm = """
                mov %r1, 0x800000
                lddw %r2, func(outer)
                mov %r3, 0
                mov %r4, 0
                call 181
                exit
                outer:
                mov %r1, 0x800000
                lddw %r2, func(inner)
                mov %r3, 0
                mov %r4, 0
                call 181
                mov %r0, 0
                exit
                inner:
                mov %r0, 0
                exit
                """;
        Engine e = link(asm);
        ExecutionException ex = assertThrows(ExecutionException.class, () -> e.execute(new ExecutionState(1_000_000), 0, 0, 0, 0, 0));
        assertEquals(ExecutionException.Kind.BUDGET_EXHAUSTED, ex.kind());
    }

    @Test void spinLockSerialisesNonAtomicUpdates() throws Exception {
        // value: u32 lock, u32 pad, u64 counter; the increment is a plain load/add/store under the lock
        String asm = """
                stw [%r10-4], 0
                mov %r2, %r10
                add %r2, -4
                lddw %r1, map_idx(0)
                call 1
                jeq %r0, 0, out
                mov %r6, %r0
                mov %r1, %r6
                call 93
                ldxdw %r1, [%r6+8]
                add %r1, 1
                stxdw [%r6+8], %r1
                mov %r1, %r6
                call 94
                out:
                mov %r0, 0
                exit
                """;
        try (BpfMap m = BpfMap.create(new MapSpec("locked", MapType.ARRAY, 4, 16, 1, 0))) {
            Engine e = link(asm, m);
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < 4; t++) ts.add(new Thread(() -> {
                ExecutionState st = new ExecutionState();
                for (int i = 0; i < 20_000; i++) e.execute(st, 0, 0, 0, 0, 0);
            }));
            for (Thread t : ts) t.start();
            for (Thread t : ts) t.join();
            byte[] v = m.lookup(u32(0));
            assertEquals(80_000, asLong(java.util.Arrays.copyOfRange(v, 8, 16)));
        }
    }

    @Test void forgottenReservationsAreDiscardedAtTheEndOfARun() {
        try (RingBuffer rb = (RingBuffer) BpfMap.create(new MapSpec("rb", MapType.RINGBUF, 0, 0, 4096, 0))) {
            Engine leak = link("lddw %r1, map_idx(0)\nmov %r2, 8\nmov %r3, 0\ncall 131\nmov %r0, 0\nexit", rb);
            Engine out = link("stdw [%r10-8], 5\nlddw %r1, map_idx(0)\nmov %r2, %r10\nadd %r2, -8\nmov %r3, 8\nmov %r4, 0\ncall 130\nexit", rb);
            ExecutionState st = new ExecutionState();
            leak.execute(st, 0, 0, 0, 0, 0);
            assertEquals(0, out.execute(st, 0, 0, 0, 0, 0));
            assertEquals(0, rb.drain().size(), "the leaked record blocks the consumer");
            assertEquals(1, st.releaseHeld());
            List<byte[]> got = rb.drain();
            assertEquals(1, got.size());
            assertEquals(5, asLong(got.get(0)));
        }
    }

    @Test void locksHeldByAFailedProgramAreReleased() {
        try (BpfMap m = BpfMap.create(new MapSpec("locked", MapType.ARRAY, 4, 16, 1, 0))) {
            // takes the lock, then faults on a null load before unlocking
            Engine bad = link("stw [%r10-4], 0\nmov %r2, %r10\nadd %r2, -4\nlddw %r1, map_idx(0)\ncall 1\njeq %r0, 0, +3\n"
                    + "mov %r1, %r0\ncall 93\nldxdw %r0, [%r0]\nexit", m);
            ExecutionState st = new ExecutionState();
            assertThrows(ExecutionException.class, () -> bad.execute(st, 0, 0, 0, 0, 0));
            assertEquals(1, m.lookup(u32(0))[0], "still locked");
            assertEquals(1, st.releaseHeld());
            assertEquals(0, m.lookup(u32(0))[0]);
        }
    }

    @Test void closedMapPointersFault() {
        BpfMap m = BpfMap.create(new MapSpec("a", MapType.ARRAY, 4, 8, 1, 0));
        RegionTable table = new RegionTable();
        long p = RegionTable.pointer(table.indexOf(m), 0);
        Memory mem = new Memory();
        mem.use(table); // as an engine does when it enters a program handed the map
        assertEquals(0, mem.load64(p));
        long host = m.lookupPointer(java.lang.foreign.MemorySegment.ofArray(u32(0)));
        assertThrows(MemoryFault.class, () -> mem.load64(host), "host pointers are never mapped for programs");
        m.close();
        mem.use(table);
        assertThrows(MemoryFault.class, () -> mem.load64(p));
        assertNull(BpfMap.ofHandle(m.handle()));
    }
}
