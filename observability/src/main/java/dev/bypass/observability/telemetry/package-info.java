/**
 * Per-query telemetry: {@link dev.bypass.observability.telemetry.QueryTelemetry} reads what the bundled
 * {@code query_telemetry} programs collected per normalised statement (count, rows, latency percentiles), and
 * {@link dev.bypass.observability.telemetry.StatementCache} keeps each statement's normalised text and fingerprint so
 * that probes on JDBC drivers do not normalise the same statement on every execution.
 */
package dev.bypass.observability.telemetry;
