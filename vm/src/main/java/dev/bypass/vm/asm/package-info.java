/**
 * eBPF assembly text: {@link dev.bypass.vm.asm.Assembler} reads the syntax of the eBPF conformance suite (labels,
 * {@code lddw}, atomics, v4 instructions) into instructions, {@link dev.bypass.vm.asm.Disassembler} prints them back
 * so that assembling the output gives the same program, and {@link dev.bypass.vm.asm.DataFile} reads the suite's
 * {@code .data} test files. Errors name the line ({@link dev.bypass.vm.asm.AssemblyException}).
 */
package dev.bypass.vm.asm;
