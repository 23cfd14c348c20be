package dev.bypass.bench;

import dev.bypass.programs.*;
import dev.bypass.vm.verification.*;
import dev.bypass.vm.maps.BpfMap;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * Bundled clang-built programs through the runtime, the way a host calls them: {@code LoadedProgram.run} (context
 * bound, per-CPU slot claimed when needed, leftover reservations checked) and {@code Hook.fire} (context encoded per
 * attached program). Interpreter, unverified runtime (the verifier had not landed when this was written).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class RuntimeBenchmark {
    record Event(long key) {}

    LoadedObject counter, acl, hist;
    LoadedProgram count, check, record;
    Hook<Event> hook;
    final byte[] key = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(42).array();
    final byte[] latency = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(123_456).array();
    byte[] open;

    @Setup public void setup() {
        ProgramRuntime rt = ProgramRuntime.builder().verifier(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY).types(BundledPrograms.types()).build();
        counter = rt.load("counter", BundledPrograms.object(BundledPrograms.COUNTER));
        acl = rt.load("acl", BundledPrograms.object(BundledPrograms.ACL_FILTER));
        hist = rt.load("hist", BundledPrograms.object(BundledPrograms.LATENCY_HISTOGRAM));
        count = counter.program("count_event");
        check = acl.program("check_open");
        record = hist.program("record_latency");
        hook = rt.declareHook("events", count.type(), e -> ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(e.key()).array());
        hook.attach(count);
        // one file record with an ACL of 8 entries, found through the (device, inode) index
        ByteBuffer rec = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN).putLong(1).putLong(2);
        rec.position(48).putInt(0).putInt(0).putInt(8).putInt(0);
        for (int i = 0; i < 8; i++) rec.putInt(100 + i).putInt(4);
        acl.map("files").update(new byte[4], rec.array(), BpfMap.ANY);
        acl.map("by_devino").update(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1).putLong(2).array(), new byte[4], BpfMap.ANY);
        open = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(1).putLong(2).position(48).putInt(107).putInt(4).array();
        if (check.run(open.clone()) != 1) throw new IllegalStateException("acl setup");
    }

    @TearDown public void close() {
        counter.close();
        acl.close();
        hist.close();
    }

    @Benchmark public long counterRun() { return count.run(key.clone()); }

    @Benchmark public long counterHookFire() { return hook.fire(new Event(42), -1); }

    /** Index lookup, record lookup, ACL scan to the last entry, per-CPU decision count. */
    @Benchmark public long aclCheckOpen() { return check.run(open.clone()); }

    /** bpf-to-bpf call and a bpf_loop of ~17 callback iterations. */
    @Benchmark public long latencyHistogram() { return record.run(latency.clone()); }
}
