/**
 * The standard helpers, with Linux's ids and prototypes: {@link dev.bypass.vm.helpers.standard.BaseHelpers} (clocks,
 * random numbers, processor and process ids), {@link dev.bypass.vm.helpers.standard.MapHelpers} (maps, queues, ring
 * buffers, tail calls, {@code loop}, spin locks, {@code trace_printk}) and
 * {@link dev.bypass.vm.helpers.standard.CompatHelpers} (the rest of what common clang-built programs call). Ring
 * buffer records and spin locks a program holds across helper calls are kept in its execution state as
 * {@link dev.bypass.vm.exec.HeldResources}, so a run that ends early gives them back.
 */
package dev.bypass.vm.helpers.standard;
