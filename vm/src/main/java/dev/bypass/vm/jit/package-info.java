/**
 * The JIT: eBPF to JVM bytecode. {@link dev.bypass.vm.jit.JitCompiler} turns each bpf-to-bpf function of a linked
 * program into one static method of a hidden class (a function too long for one method HotSpot will compile is
 * split into chunks), with the eBPF registers as {@code long} locals, so that C2 can register-allocate them and
 * optimise loops as it would Java code. Semantics come from the same {@code dev.bypass.vm.semantics.Ops} the
 * interpreter uses; aligned stack accesses are emitted inline against the stack's backing array and everything else
 * goes through the same bounds-checked {@code Memory}; the budget of back-edges and calls is counted identically, so
 * the two engines agree on every result and every error (the differential tests hold them to it). With the
 * verifier's facts, dead code is left out and proven constant-offset stack accesses skip even the inline test.
 * {@link dev.bypass.vm.jit.AutoEngine} interprets first and compiles a program once it is hot. Programs the compiler
 * cannot express run in the interpreter.
 */
package dev.bypass.vm.jit;
