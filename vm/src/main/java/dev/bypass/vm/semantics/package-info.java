/**
 * One opcode table for every engine. Each ALU operation (per width), conditional jump (per width) and byte swap is
 * declared once, as an annotated static method of {@link dev.bypass.vm.semantics.Ops} (the pattern of Chicory's
 * {@code OpcodeImpl}); {@link dev.bypass.vm.semantics.Semantics} indexes the declarations by operation and checks,
 * when it loads, that every operation has exactly one of the right shape. The consumers:
 * <ul>
 *   <li>the interpreter calls the methods from its opcode switch (C2 inlines them);</li>
 *   <li>the JIT copies their bytecode into compiled code ({@code Intrinsics}): {@code add64} becomes one
 *       {@code LADD}, a jump condition one compare-and-branch; larger ones, such as division, are copied too, up to a
 *       size limit past which they are called;</li>
 *   <li>constant folding evaluates them through method handles: {@link dev.bypass.vm.semantics.Semantics#eval},
 *       {@link dev.bypass.vm.semantics.Semantics#test} and {@link dev.bypass.vm.semantics.Semantics#swapValue}, which
 *       {@code AluOp.eval64/eval32}, {@code JumpOp.test64/test32}, {@link dev.bypass.vm.semantics.Ops#compare64} and
 *       {@link dev.bypass.vm.semantics.Ops#endian} delegate to.</li>
 * </ul>
 * Code generators that need an operation's method (to emit it on {@code int} operands, say) ask
 * {@link dev.bypass.vm.semantics.Semantics#alu}, {@link dev.bypass.vm.semantics.Semantics#jump} or
 * {@link dev.bypass.vm.semantics.Semantics#swap} for its {@link dev.bypass.vm.semantics.Semantics.Impl} (owner,
 * name, descriptor, handle). Memory operations keep their one implementation in {@code Memory} (loads, stores,
 * atomics, the legacy packet load), which both engines call; sign-extending loads reuse the {@code movsx}
 * declarations.
 */
package dev.bypass.vm.semantics;
