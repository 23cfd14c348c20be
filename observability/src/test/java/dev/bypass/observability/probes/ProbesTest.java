package dev.bypass.observability.probes;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.observability.ObservabilityHelpers;
import dev.bypass.observability.ProbeTypes;
import dev.bypass.observability.agent.AgentSession;
import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.ProgramRuntime;
import dev.bypass.vm.exec.EngineKind;
import dev.bypass.vm.maps.RingBuffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** TScout-style probe points with the bundled operating-unit collector. */
class ProbesTest {
    record OuRecord(int unit, int nfeatures, long thread, long start, long elapsed, long cpu, long alloc, long[] features) {
        static OuRecord of(byte[] b) {
            ByteBuffer x = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            long[] f = new long[8];
            for (int i = 0; i < 8; i++) f[i] = x.getLong(48 + 8 * i);
            return new OuRecord(x.getInt(0), x.getInt(4), x.getLong(8), x.getLong(16), x.getLong(24), x.getLong(32), x.getLong(40), f);
        }
    }

    @Test void beginEndFeaturesFlushBecomeOneTrainingRecordPerUnitRun() throws Exception {
        try (ProgramRuntime rt = ProgramRuntime.builder().types(ProbeTypes.all()).helpers(ObservabilityHelpers.registry())
                .engine(EngineKind.JIT).build()) {
            Probes probes = new Probes(rt);
            OperatingUnit scan = probes.unit("seq_scan"), sort = probes.unit("sort");
            scan.begin(); // nothing attached: no effect
            LoadedObject collector = rt.load("ou_collector", AgentSession.bundled("ou_collector"));
            var attachment = probes.attach(collector.program("collect"));
            RingBuffer training = (RingBuffer) collector.map("training");

            Runnable work = () -> {
                for (int i = 0; i < 3; i++) {
                    scan.begin();
                    long sum = 0;
                    List<long[]> garbage = new ArrayList<>();
                    for (int k = 0; k < 200_000; k++) {
                        sum += k * 31L;
                        if (k % 1000 == 0) garbage.add(new long[64]);
                    }
                    scan.end();
                    scan.features(200_000, garbage.size(), sum & 0xff);
                    scan.flush();
                }
                sort.begin();
                sort.end();
                sort.flush();
            };
            Thread other = Thread.ofPlatform().start(work);
            work.run();
            other.join();
            sort.end(); // END without BEGIN: ignored by the program

            List<OuRecord> records = new ArrayList<>();
            for (byte[] r : training.drain()) records.add(OuRecord.of(r));
            assertEquals(8, records.size());
            List<OuRecord> scans = records.stream().filter(r -> r.unit() == scan.id()).toList();
            assertEquals(6, scans.size());
            for (OuRecord r : scans) {
                assertEquals(3, r.nfeatures());
                assertEquals(200_000, r.features()[0]);
                assertEquals(200, r.features()[1]);
                assertTrue(r.elapsed() > 0 && r.cpu() > 0, r.toString());
                assertTrue(r.alloc() >= 200 * 64 * 8, "allocation delta covers the arrays: " + r.alloc());
            }
            assertEquals(2, scans.stream().map(OuRecord::thread).distinct().count(), "per-thread units do not mix");
            attachment.close();
            scan.begin();
            scan.flush();
            assertEquals(0, training.drain().size(), "detached");
        }
    }
}
