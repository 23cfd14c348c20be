/**
 * The observability demos of {@code bypass demo}: query telemetry from pgjdbc through the agent
 * ({@link dev.bypass.cli.demo.TelemetryDemo}, driving {@link dev.bypass.cli.demo.JdbcWorkload}) and access control of
 * file opening by the bundled {@code acl_filter} program ({@link dev.bypass.cli.demo.AclDemo}).
 */
package dev.bypass.cli.demo;
