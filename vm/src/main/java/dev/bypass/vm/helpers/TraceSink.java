package dev.bypass.vm.helpers;

/**
 * Where {@code bpf_trace_printk} output goes. A host attaches one to an execution state
 * ({@code state.attach(TraceSink.class, sink)}); without one, lines go to {@link #setDefault the default sink}
 * (standard error unless replaced).
 */
@FunctionalInterface
public interface TraceSink {
    void print(String line);

    static void setDefault(TraceSink sink) { Holder.sink = sink == null ? System.err::println : sink; }

    static TraceSink defaultSink() { return Holder.sink; }

    final class Holder {
        private Holder() {}

        static volatile TraceSink sink = System.err::println;
    }
}
