/**
 * The JIT: eBPF to JVM bytecode. {@link dev.bypass.vm.jit.JitCompiler} turns each bpf-to-bpf function of a linked
 * program into one static method of a hidden class, with the eBPF registers as {@code long} locals, so that C2 can
 * register-allocate them and optimise loops as it would Java code. Semantics come from the same
 * {@code dev.bypass.vm.semantics.Ops} the interpreter uses, memory goes through the same bounds-checked
 * {@code Memory}, and the budget of back-edges and calls is counted identically, so the two engines agree on every
 * result and every error (the differential tests hold them to it). {@link dev.bypass.vm.jit.AutoEngine} interprets
 * first and compiles a program once it is hot. Programs the compiler cannot express run in the interpreter.
 */
package dev.bypass.vm.jit;
