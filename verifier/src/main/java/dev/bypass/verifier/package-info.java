/**
 * Static verifier for eBPF programs: control-flow checks, abstract interpretation over register types, known bits
 * and 64- and 32-bit ranges, linked scalars, stack and reference tracking, helper prototypes; loops proven by
 * widening with thresholds where walking them would not end; per-instruction facts the JIT may use. The parts are
 * described on {@code Analyzer}.
 *
 * <p>Its rules are Linux's for privileged programs, checked against the kernel's own verifier selftests and the
 * running kernel. It differs on purpose where this runtime defines more or reuses memory: shifts past the width and
 * division by zero have RFC 9669's results (Linux refuses constant ones); a read of stack bytes the path never wrote
 * is refused (the stack is reused between runs, so it would show another run's data); a program of Bypass's own
 * types returns a number, never a pointer. The rejection messages say so.
 */
package dev.bypass.verifier;
