/**
 * Execution: the tagged-pointer memory model ({@link dev.bypass.vm.exec.Memory}, {@link dev.bypass.vm.exec.Region},
 * {@link dev.bypass.vm.exec.GlobalRegions}), linking ({@link dev.bypass.vm.exec.LinkedProgram}: helpers bound,
 * {@code lddw} pseudo forms resolved, unknown helpers refused at load time), and engines
 * ({@link dev.bypass.vm.exec.Engine}): the {@link dev.bypass.vm.exec.Interpreter} and the JIT.
 *
 * <h2>Why tagged pointers</h2>
 * A register holding a pointer is an ordinary {@code long}: region id in the high half, offset in the low half. The
 * engines need no shadow type information to stay safe, pointer arithmetic is plain addition, and a corrupted or
 * forged pointer can only name a region the execution can see anyway, where the bounds check of {@link
 * dev.bypass.vm.exec.Memory} confines it. Region ids below 16 belong to one execution (stack, context, data, packet,
 * scratch); higher ids are process-wide (map values) and never reused, so a stale pointer faults.
 *
 * <h2>Budget</h2>
 * Every top-level execution gets a budget of backward jumps plus calls ({@link
 * dev.bypass.vm.exec.ExecutionState#DEFAULT_BUDGET} unless set); running out stops the program with a clear error
 * rather than hanging the host thread. Forward-only code needs no accounting: it ends by itself.
 */
package dev.bypass.vm.exec;
