/**
 * The JIT: eBPF to JVM bytecode. {@link dev.bypass.vm.jit.JitCompiler} turns each bpf-to-bpf function of a linked
 * program into one static method of a hidden class (a function too long for one method HotSpot will compile is
 * split into chunks), with the eBPF registers as {@code long} locals, so that C2 can register-allocate them and
 * optimise loops as it would Java code. Operations are what the opcode table declares
 * ({@code dev.bypass.vm.semantics.Semantics}): {@link dev.bypass.vm.jit.Intrinsics} copies each declaration's own
 * bytecode into the compiled method, so the JIT restates no operation. Aligned stack accesses are emitted inline
 * against the stack's backing array and everything else goes through the same bounds-checked {@code Memory}; the
 * budget of back-edges and calls is counted identically, so the two engines agree on every result and every error
 * (the differential tests hold them to it). With the verifier's facts, dead code is left out, proven
 * constant-offset stack accesses skip even the inline test, and accesses proven inside the packet (a buffer
 * program's input) or inside the stack at an aligned variable offset index the backing array directly with the
 * pointer's offset, the low half of the register: no region decode, no call, and the JVM's index check is still the
 * one that keeps the host safe should a proof be wrong. Unsigned comparisons of values proven non-negative become
 * signed ones, a compare C2 recognises as a loop's exit test.
 *
 * <p>Compilation is linear in the program's size and bounded before it starts (slots, functions, bytes of code;
 * {@link dev.bypass.vm.jit.JitCompiler#MAX_SLOTS} and the others). A program the compiler declines (over the
 * budget, or a shape it cannot express) runs in the interpreter: {@link dev.bypass.vm.jit.JitEngine#compileOrInterpret}
 * logs why ({@code System.Logger} {@value dev.bypass.vm.jit.JitEngine#LOGGER}), and
 * {@link dev.bypass.vm.jit.AutoEngine} interprets first, compiles a program once it is hot and reports a refusal in
 * {@link dev.bypass.vm.jit.AutoEngine#fallbackReason()}.
 */
package dev.bypass.vm.jit;
