/**
 * The runtime: program types and their context layouts, the load, verify, compile and attach pipeline, hook
 * points, tail calls, typed skeletons, and the bundled C programs with their clang-built objects.
 */
package dev.bypass.programs;
