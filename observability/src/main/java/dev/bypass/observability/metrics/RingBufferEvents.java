package dev.bypass.observability.metrics;

import dev.bypass.programs.RingBufferConsumer;
import dev.bypass.vm.maps.RingBuffer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.function.Consumer;

/**
 * A ring buffer as an event stream: a background consumer hands each record to the listeners in commit order and
 * counts them in {@code <prefix>.ringbuf.events} (tagged by map); listener failures are counted in
 * {@code <prefix>.ringbuf.listener.errors} and do not stop the stream. Closing delivers what was committed, then stops.
 */
public final class RingBufferEvents implements AutoCloseable {
    private final RingBufferConsumer consumer;

    private RingBufferEvents(RingBufferConsumer consumer) { this.consumer = consumer; }

    public static RingBufferEvents listen(RingBuffer ring, MeterRegistry registry, String prefix, List<Consumer<byte[]>> listeners) {
        Tags tags = Tags.of("map", ring.name());
        Counter events = Counter.builder(prefix + ".ringbuf.events").tags(tags).description("records delivered to listeners").register(registry);
        Counter errors = Counter.builder(prefix + ".ringbuf.listener.errors").tags(tags).description("records a listener failed on").register(registry);
        List<Consumer<byte[]>> all = List.copyOf(listeners);
        return new RingBufferEvents(RingBufferConsumer.start(ring, 256, batch -> {
            for (byte[] record : batch) {
                for (Consumer<byte[]> l : all) {
                    try {
                        l.accept(record);
                    } catch (RuntimeException e) {
                        errors.increment();
                    }
                }
                events.increment();
            }
        }, e -> errors.increment()));
    }

    /** Records delivered so far. */
    public long delivered() { return consumer.delivered(); }

    @Override public void close() { consumer.close(); }
}
