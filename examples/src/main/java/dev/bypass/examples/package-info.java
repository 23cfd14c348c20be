/**
 * Small programs that show how an embedder uses Bypass, each a {@code main} next to the C source of the program it
 * loads, and each run by a test of this module in the build:
 * <ul>
 *   <li>{@link dev.bypass.examples.RunProgram}: run a verified clang program from Java and read its map;
 *   <li>{@link dev.bypass.examples.StoredProcedure}: embed the store and call a stored procedure in a serializable
 *       transaction;
 *   <li>{@link dev.bypass.examples.HookMetrics}: attach a program to a hook in a host application and export its
 *       maps to Prometheus;
 *   <li>{@link dev.bypass.examples.ProxyQueryHook}: load a program into the proxy's query hook from a configuration
 *       file.
 * </ul>
 * The C sources and their committed objects are under {@code src/main/resources/dev/bypass/examples}, rebuilt by
 * {@code build.sh} there.
 */
package dev.bypass.examples;
