/**
 * The eBPF instruction set of RFC 9669, v4 included: one immutable {@link dev.bypass.vm.isa.Instruction} record per
 * instruction form, the operation enums ({@link dev.bypass.vm.isa.AluOp}, {@link dev.bypass.vm.isa.JumpOp},
 * {@link dev.bypass.vm.isa.AtomicOp}, ...) whose meaning is written once and shared by the interpreter, the JIT and
 * the verifier, the strict {@link dev.bypass.vm.isa.Decoder} and its inverse {@link dev.bypass.vm.isa.Encoder}, and
 * {@link dev.bypass.vm.isa.Program}, a checked sequence of instructions addressed by slot.
 */
package dev.bypass.vm.isa;
