package dev.bypass.bench;

import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.exec.*;
import dev.bypass.vm.engines.*;
import dev.bypass.vm.memory.*;
import dev.bypass.vm.facts.ProgramFacts;
import dev.bypass.vm.helpers.standard.MapHelpers;
import dev.bypass.vm.maps.*;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.*;

/**
 * Map costs as programs see them: a counter program (lookup in a hash or array map, then an atomic add on the value)
 * run by the interpreter, on 1 and 2 threads; the host-side hash lookup; a ring buffer record written by a program
 * and consumed by the host; and, as the plain-Java peer, a {@code ConcurrentHashMap<Long, AtomicLong>} increment.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class MapBenchmark {
    static final String COUNTER = """
            stdw [%r10-8], 42
            mov %r2, %r10
            add %r2, -8
            lddw %r1, map_idx(0)
            call 1
            jeq %r0, 0, out
            mov %r1, 1
            lock add [%r0+0], %r1
            out:
            mov %r0, 0
            exit
            """;
    static final String ARRAY_COUNTER = COUNTER.replace("stdw [%r10-8], 42", "stdw [%r10-8], 3");
    static final String RING = """
            stdw [%r10-8], 7
            stdw [%r10-16], 9
            lddw %r1, map_idx(0)
            mov %r2, %r10
            add %r2, -16
            mov %r3, 16
            mov %r4, 1
            call 130
            exit
            """;

    /** Reserve, fill and submit a 16-byte record: the record is lent to the program until its submit. */
    static final String RING_RESERVE = """
            lddw %r1, map_idx(0)
            mov %r2, 16
            mov %r3, 0
            call 131
            jeq %r0, 0, out
            stdw [%r0+0], 7
            stdw [%r0+8], 9
            mov %r1, %r0
            mov %r2, 0
            call 132
            out:
            mov %r0, 0
            exit
            """;

    BpfMap hash, array;
    RingBuffer ring;
    Engine hashCounter, arrayCounter, ringWriter, ringReserver;
    final ConcurrentHashMap<Long, AtomicLong> peer = new ConcurrentHashMap<>();
    final byte[] hostKey = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(42).array();

    @State(Scope.Thread)
    public static class PerThread {
        final ExecutionState state = new ExecutionState();
    }

    static Engine engine(String asm, BpfMap map) {
        LinkedProgram p = LinkedProgram.link("bench", Assembler.assemble(asm), MapHelpers.registry(), new MapResolver(List.of(map)));
        return Engines.create(p, EngineKind.INTERPRETER, ProgramFacts.NONE);
    }

    @Setup public void setup() {
        hash = BpfMap.create(new MapSpec("h", MapType.HASH, 8, 8, 1024, 0));
        for (long k = 0; k < 1000; k++)
            hash.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(k).array(), new byte[8], BpfMap.ANY);
        array = BpfMap.create(new MapSpec("a", MapType.ARRAY, 4, 8, 1024, 0));
        ring = (RingBuffer) BpfMap.create(new MapSpec("r", MapType.RINGBUF, 0, 0, 1 << 20, 0));
        hashCounter = engine(COUNTER, hash);
        arrayCounter = engine(ARRAY_COUNTER, array);
        ringWriter = engine(RING, ring);
        ringReserver = engine(RING_RESERVE, ring);
        for (long k = 0; k < 1000; k++) peer.put(k, new AtomicLong());
    }

    @TearDown public void close() {
        hash.close();
        array.close();
        ring.close();
    }

    @Benchmark public long programHashCounter(PerThread t) { return hashCounter.execute(t.state, 0, 0, 0, 0, 0); }

    @Benchmark @Threads(2) public long programHashCounter2Threads(PerThread t) { return hashCounter.execute(t.state, 0, 0, 0, 0, 0); }

    @Benchmark public long programArrayCounter(PerThread t) { return arrayCounter.execute(t.state, 0, 0, 0, 0, 0); }

    @Benchmark public byte[] hostHashLookup() { return hash.lookup(hostKey); }

    @Benchmark public long javaConcurrentHashMapCounter() { return peer.get(42L).incrementAndGet(); }

    /** One 16-byte record written by a program and consumed by the host. */
    @Benchmark public int ringBufferRecord(PerThread t) {
        ringWriter.execute(t.state, 0, 0, 0, 0, 0);
        return ring.drain(1, r -> {});
    }

    /** The same record reserved, written in place and submitted by the program, then consumed by the host. */
    @Benchmark public int ringBufferReserveSubmit(PerThread t) {
        ringReserver.execute(t.state, 0, 0, 0, 0, 0);
        return ring.drain(1, r -> {});
    }
}
