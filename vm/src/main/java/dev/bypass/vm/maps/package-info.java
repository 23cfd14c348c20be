/**
 * Maps: the shared state between programs and host code, with Linux's types, flags and error codes.
 *
 * <p><b>Memory.</b> Values live off-heap in {@code Slab}s (one {@link java.lang.foreign.MemorySegment} per map,
 * 8-byte aligned, preallocated to {@code max_entries}), one region per map, which the programs handed the map
 * address through their {@link dev.bypass.vm.memory.RegionTable}. {@code map_lookup_elem} returns a tagged pointer
 * into that region, so every program access is bounds-checked by {@link dev.bypass.vm.memory.Memory} and atomic
 * instructions on values are real atomics (VarHandles on aligned native memory). Closing a map unmaps its region
 * first (stale pointers fault); the memory itself is GC-managed, so no host thread can touch freed memory. A map never grows past its declared
 * size: inserts into a full hash fail with {@code -E2BIG}, LRU maps evict.
 *
 * <p><b>Handles.</b> {@link dev.bypass.vm.maps.MapResolver} resolves map references at link time (by index for ELF
 * objects, by id for assembly) to {@link dev.bypass.vm.maps.BpfMap#handle()}, the host handle (region
 * {@link dev.bypass.vm.memory.Pointers#MAP_HANDLE_REGION}, offset = map id); the linker turns it into the program's
 * handle, the map's index in the object's region table, and helpers turn that back into the map. Host code names
 * maps with {@link dev.bypass.vm.maps.BpfMap#ofHandle}.
 *
 * <p><b>Concurrency.</b> Hash maps are built as Linux's preallocated hash table ({@link HashTableMap}): lookups
 * take no lock and allocate nothing (the key is hashed and compared where it lies); as in Linux, updating an
 * existing key fills a fresh element and swaps it in under the bucket's lock; freed elements queue FIFO before
 * reuse, approximating the kernel's RCU grace period; LRU maps stamp elements with an insert clock and evict the
 * oldest of a sample. Per-CPU maps keep one value per CPU cell ({@link dev.bypass.vm.exec.Cpus}): an execution
 * holds a cell of its own from its first per-CPU access to its end, so plain updates are exact, and the host reads
 * every cell. Queues/stacks and ring buffer reservation take short per-map locks, as their kernel counterparts
 * take spinlocks.
 *
 * <p><b>Ring buffer.</b> Linux's record format (8-byte header with BUSY/DISCARD bits, 8-byte aligned records);
 * records never wrap (a discarded padding record fills the tail instead of a double mapping); the host consumes with
 * a blocking, batching {@link dev.bypass.vm.maps.RingBuffer#poll}. A program never addresses the ring itself: the
 * reserve helper lends it the record's bytes as a region of their own, taken back at submit or discard, so it can
 * neither touch headers nor other records, nor write a record after handing it over.
 *
 * <p><b>Program arrays</b> hold engines; {@code bpf_tail_call} records the target in the
 * {@link dev.bypass.vm.exec.ExecutionState} and the engine switches to it after the helper returns (at most
 * {@link dev.bypass.vm.exec.ExecutionState#MAX_TAIL_CALLS} per run).
 */
package dev.bypass.vm.maps;
