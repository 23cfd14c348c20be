/**
 * Helpers: host functions programs call by Linux id. {@link dev.bypass.vm.helpers.standard.BaseHelpers} has the ones that
 * need only the JVM (clocks, random numbers, processor and process ids); {@link dev.bypass.vm.helpers.standard.MapHelpers}
 * adds maps, queues, ring buffers, tail calls, {@code loop}, spin locks and {@code trace_printk} (to a
 * {@link dev.bypass.vm.helpers.TraceSink}). Each has a {@link dev.bypass.vm.helpers.Prototype} the verifier reads.
 *
 * <p>Host-defined helpers: build a registry from the standard one and register more, with ids from
 * {@link dev.bypass.vm.helpers.HelperRegistry#FIRST_HOST_ID}:
 * <pre>{@code
 * HelperRegistry helpers = MapHelpers.registry().toBuilder()
 *         .register(10_000, "store_get", Prototype.of(ReturnType.INTEGER, ArgType.PTR_TO_MEM, ArgType.CONST_SIZE),
 *                 (ctx, key, len, a, b, c) -> store.get(ctx.memory().read(key, (int) len)))
 *         .build();
 * }</pre>
 * Pointer arguments are tagged addresses: read and write them only through {@code ctx.memory()}, which checks
 * bounds. Return 0 or a negated errno for failures the program should handle; throw
 * {@link dev.bypass.vm.helpers.HelperException} to stop the program.
 */
package dev.bypass.vm.helpers;

