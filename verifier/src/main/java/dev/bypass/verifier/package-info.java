/**
 * Static verifier for eBPF programs: control-flow checks, abstract interpretation over register types, known bits
 * and 64- and 32-bit ranges, linked scalars, stack and reference tracking, helper prototypes; loops proven by
 * widening with thresholds where walking them would not end; per-instruction facts the JIT may use. The parts are
 * described on {@code Analyzer}.
 *
 * <p>{@code may_goto} (Linux's {@code BPF_JMP|BPF_JCOND}, clang's {@code cond_break}/{@code can_loop}) is walked
 * both ways with nothing learnt on either; each call on a path counts its passes through it (Linux's
 * {@code may_goto_depth}). A path back at a {@code may_goto} inside the state of an ancestor there in the same call
 * with fewer passes is in a loop the call's loop budget ends and stops there; the same state with as many passes is
 * an infinite loop; a widened loop whose every way around passes a {@code may_goto} is ranked by that budget.
 * Open-coded iterators (the {@code bpf_iter_num_*} kfuncs of {@link dev.bypass.vm.helpers.Kfuncs}, what libbpf's
 * {@code bpf_for} is made of) are 8-byte stack slots only those kfuncs touch, each holding a reference until destroyed;
 * {@code bpf_iter_num_next} goes on both with NULL (the iterator drained) and with a read-only pointer to the value,
 * one value deeper, and a widened loop whose every way around takes a value from the same iterator is ranked by its
 * finite range. Inside a loop being widened, a path is pruned only against states of that round, so that every way
 * around reaches the head and is seen by the ranking. Where
 * the object's BTF declares a subprogram's type, a subprogram declared to return no number may not hold a legacy
 * packet load or a tail call (Linux's rule).
 *
 * <p>Its rules are Linux's for privileged programs, checked against the kernel's own verifier selftests and the
 * running kernel. It differs on purpose where this runtime defines more or reuses memory: shifts past the width and
 * division by zero have RFC 9669's results (Linux refuses constant ones); a program of Bypass's own types may not read
 * stack bytes the path never wrote (programs of Linux types may, and then run on a cleared stack, so that they never
 * see another run's data) and returns a number, never a pointer. The rejection messages say so.
 */
package dev.bypass.verifier;
