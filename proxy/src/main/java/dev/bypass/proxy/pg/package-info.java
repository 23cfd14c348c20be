/**
 * A private PostgreSQL server for demos and tests ({@link dev.bypass.proxy.pg.EmbeddedPostgres}), run from the
 * PostgreSQL binaries published on Maven Central, as an unprivileged user when the JVM runs as root.
 */
package dev.bypass.proxy.pg;
