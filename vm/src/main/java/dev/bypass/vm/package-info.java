/**
 * The eBPF virtual machine: the instruction set of RFC 9669 ({@code isa}), assembly text ({@code asm}), the one
 * table of operation semantics ({@code semantics}), helpers ({@code helpers}), and execution ({@code exec}): the
 * tagged-pointer memory model, linking, and the interpreter. Around them: clang objects with their BTF and maps
 * ({@code elf}), the maps of Linux ({@code maps}), program contexts ({@code ctx}), the JIT to JVM bytecode
 * ({@code jit}) and what verification proved, in the form the JIT uses ({@code facts}). Embedders usually reach this
 * module through the runtime ({@code dev.bypass.programs}) and use the maps and contexts directly.
 *
 * <h2>Memory model</h2>
 * Registers are {@code long}s. A pointer carries a region id in its high 32 bits and an offset in its low 32 bits;
 * regions are the stack (512 bytes per frame, 8 frames), the context, data and packet buffers, and process-wide
 * regions such as map values. Every access is checked against its region's bounds and permissions by
 * {@link dev.bypass.vm.memory.Memory} before the JVM's own checked segment access, so the host stays safe even if
 * a program was never verified; at worst a program reads or corrupts memory that was handed to it.
 */
package dev.bypass.vm;
