package dev.bypass.observability.metrics;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.maps.BpfMap;
import dev.bypass.vm.maps.MapSpec;
import dev.bypass.vm.maps.MapType;
import dev.bypass.vm.maps.RingBuffer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RingBufferEventsTest {
    @Test void everyRecordReachesEveryListenerInOrderAndIsCounted() throws Exception {
        RingBuffer ring = (RingBuffer) BpfMap.create(new MapSpec("events", MapType.RINGBUF, 0, 0, 1 << 12, 0));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<Integer> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        RingBufferEvents events = RingBufferEvents.listen(ring, registry, "bypass", List.of(
                r -> seen.add((int) r[0]),
                r -> { if (r[0] == 3) throw new IllegalStateException("listener bug"); }));
        for (int i = 0; i < 10; i++) assertEquals(0, ring.output(MemorySegment.ofArray(new byte[] {(byte) i, 0, 0, 0}), 0));
        events.close();
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), seen);
        assertEquals(10, registry.get("bypass.ringbuf.events").tag("map", "events").counter().count());
        assertEquals(1, registry.get("bypass.ringbuf.listener.errors").counter().count());
        ring.close();
    }
}
