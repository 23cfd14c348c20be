/** What the query-telemetry agent costs an application thread per statement (JMH), without a database. */
package dev.bypass.bench.agent;
