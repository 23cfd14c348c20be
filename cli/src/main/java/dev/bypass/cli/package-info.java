/**
 * The {@code bypass} command (picocli): run, verify, assemble and disassemble programs, generate headers and
 * skeletons, serve the proxy and the store, inspect a running proxy's or agent's programs and maps, run the demos,
 * and act as the conformance suite's plugin. A thin client of the library modules: each subcommand parses its
 * options, calls their public API, and turns user errors into a one-line message and an exit status.
 */
package dev.bypass.cli;
