/**
 * The command's log: an SLF4J backend writing one line per event on standard error in PgBouncer's manner, under one
 * process-wide level ({@code --log-level}, {@code BYPASS_LOG_LEVEL}); the JDK's {@code System.Logger} events go
 * through it too.
 */
package dev.bypass.cli.log;
