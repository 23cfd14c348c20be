/**
 * Observability: maps as Micrometer meters and Prometheus scrapes, ring buffer event streams, probe points, the
 * Java agent that attaches programs to methods of unmodified applications, and per-query telemetry.
 */
module dev.bypass.observability {
    requires transitive dev.bypass.programs;
    requires transitive micrometer.core;
    requires transitive micrometer.registry.prometheus;
    requires transitive jdk.httpserver;
    requires dev.bypass.verifier;
    requires org.objectweb.asm;
    requires org.objectweb.asm.commons;
    requires java.instrument;
    requires java.management;
    requires java.net.http;
    requires jdk.attach;
    requires jdk.management;

    exports dev.bypass.observability;
    exports dev.bypass.observability.acl;
    exports dev.bypass.observability.agent;
    exports dev.bypass.observability.metrics;
    exports dev.bypass.observability.probes;
    exports dev.bypass.observability.telemetry;
}
