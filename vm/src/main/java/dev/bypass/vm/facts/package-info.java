/**
 * What verification proved, in a form the engines can use without depending on the verifier:
 * {@link dev.bypass.vm.facts.ProgramFacts} per instruction (register types and ranges, and for each memory access
 * whether it is proven in bounds), produced by the verifier and consumed by the JIT to drop checks it no longer
 * needs. {@link dev.bypass.vm.facts.ProgramFacts#NONE} keeps every check.
 */
package dev.bypass.vm.facts;
