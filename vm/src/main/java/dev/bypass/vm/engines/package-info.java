/**
 * Where engines are made: {@link dev.bypass.vm.engines.Engines#create} turns a linked program into the interpreter,
 * JIT-compiled code, or an engine that interprets first and compiles once the program is hot. The JIT itself is not
 * exported; hosts that load objects get their engines from the runtime ({@code dev.bypass.programs}) instead.
 */
package dev.bypass.vm.engines;
