/**
 * Execution on the tagged-pointer memory model ({@code dev.bypass.vm.memory}): linking
 * ({@link dev.bypass.vm.exec.LinkedProgram}: helpers bound, {@code lddw} pseudo forms resolved, unknown helpers
 * refused at load time), the per-thread {@link dev.bypass.vm.exec.ExecutionState}, and engines
 * ({@link dev.bypass.vm.exec.Engine}): the {@link dev.bypass.vm.exec.Interpreter} here, the JIT behind
 * {@link dev.bypass.vm.engines.Engines}.
 *
 * <h2>Why tagged pointers</h2>
 * A register holding a pointer is an ordinary {@code long}: region id in the high half, offset in the low half. The
 * engines need no shadow type information to stay safe, pointer arithmetic is plain addition, and a corrupted or
 * forged pointer can only name a region the execution can see anyway, where the bounds check of {@link
 * dev.bypass.vm.memory.Memory} confines it.
 *
 * <h2>Isolation by construction</h2>
 * What an execution can see is exactly what its program was handed. Region ids below 16 belong to the execution
 * (stack, context, data, packet, scratch). Ids from 16 index the running program's {@link
 * dev.bypass.vm.memory.RegionTable}: the maps its object's programs were linked against, and nothing else; map handles
 * are indexes into the same table. Ids from {@link dev.bypass.vm.memory.Memory#FIRST_LEASED_REGION} are regions a
 * helper lent the execution (a ring buffer record from its reserve to its submit or discard). Process-wide ids of
 * maps ({@link dev.bypass.vm.memory.SharedObjects}) exist only on the host side and in what a resolver hands the linker,
 * which translates them. So an unverified program that forges a pointer or a handle reaches at most its own objects:
 * separation between loaded objects does not depend on the verifier, as host safety does not.

 * <h2>Budget</h2>
 * Every top-level execution gets a budget of backward jumps plus calls ({@link
 * dev.bypass.vm.exec.ExecutionState#DEFAULT_BUDGET} unless set); running out stops the program with a clear error
 * rather than hanging the host thread. Forward-only code needs no accounting: it ends by itself.
 *
 * <h2>Tail calls</h2>
 * The {@code tail_call} helper does not jump itself: it records the target engine and context in the {@link
 * dev.bypass.vm.exec.ExecutionState} ({@code requestTailCall}, at most {@link
 * dev.bypass.vm.exec.ExecutionState#MAX_TAIL_CALLS} per top-level run) and returns. An engine checks
 * {@code takeTailCall()} after every helper call; when it is set, the engine returns
 * {@code target.invoke(state, 0, baseDepth, state.tailCallContext(), 0, 0, 0, 0)}: the target replaces the whole
 * running program and its r0 is the result. When the helper fails (empty slot, limit reached) nothing is recorded
 * and execution continues after the call, as in Linux. The JIT supports this with the same few instructions after
 * its helper invocations.
 *
 * <h2>Map handles</h2>
 * {@code lddw} map forms resolve (through a {@link dev.bypass.vm.exec.PseudoResolver}) to host handles, which the
 * linker turns into the program's handles: region {@link dev.bypass.vm.memory.Pointers#MAP_HANDLE_REGION}, never
 * mapped, so a program that dereferences a handle faults, while helpers map it back to the map object through the
 * running program's table.
 */
package dev.bypass.vm.exec;

