/**
 * Static verifier for eBPF programs: control-flow checks, abstract interpretation over register types, known bits
 * and ranges, stack and reference tracking, helper prototypes; produces per-instruction facts the JIT may use.
 */
package dev.bypass.verifier;
