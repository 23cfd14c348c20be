/**
 * The memory model: what a program's pointers address and how every access is checked. A pointer is a {@code long}
 * with a region id in its high half and an offset in its low half ({@link dev.bypass.vm.memory.Pointers}); an
 * execution's {@link dev.bypass.vm.memory.Memory} maps region ids to {@link dev.bypass.vm.memory.Region}s (its stack,
 * context, data and packet, and through the running program's {@link dev.bypass.vm.memory.RegionTable} the maps it
 * was linked against) and checks each load, store and atomic against the region's bounds and permissions before
 * the JVM's own checked access, so the host stays safe whatever the program does. A failed check is a
 * {@link dev.bypass.vm.memory.MemoryFault}.
 *
 * <p>This package depends on the instruction set alone: helpers, maps and engines are built on it.
 */
package dev.bypass.vm.memory;
