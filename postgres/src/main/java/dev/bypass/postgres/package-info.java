/**
 * A private PostgreSQL server ({@link dev.bypass.postgres.EmbeddedPostgres}) run from the binaries published on
 * Maven Central, for the demo and the tests of the proxy and observability: a module of its own, so that production
 * modules do not carry PostgreSQL binaries or the JDBC driver.
 */
package dev.bypass.postgres;
