/**
 * Maps and ring buffers as telemetry: {@link dev.bypass.observability.metrics.MapMeterBinder} turns the maps of a
 * loaded object into Micrometer meters (counters per key, gauges, log2 histograms as distribution summaries),
 * {@link dev.bypass.observability.metrics.ScrapeEndpoint} serves them to Prometheus,
 * {@link dev.bypass.observability.metrics.RingBufferEvents} hands ring-buffer records to listeners, and
 * {@link dev.bypass.observability.metrics.RecordStream} with {@link dev.bypass.observability.metrics.RecordWriter}
 * writes them as JSON lines or CSV training data.
 */
package dev.bypass.observability.metrics;
