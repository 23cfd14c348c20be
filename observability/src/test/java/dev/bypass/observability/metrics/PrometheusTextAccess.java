package dev.bypass.observability.metrics;

import java.util.Map;

/** The Prometheus text parser for tests of other packages. */
public final class PrometheusTextAccess {
    private PrometheusTextAccess() {}

    public interface Parsed {
        double value(String name, Map<String, String> labels);
    }

    public static Parsed parse(String text) {
        PrometheusText p = PrometheusText.parse(text);
        return p::value;
    }
}
