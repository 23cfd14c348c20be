/**
 * The runtime: program types and their context layouts, the {@code load → verify → compile → attach} pipeline,
 * hook points, tail calls, typed skeletons, and the bundled C programs with their clang-built objects.
 *
 * <p>{@link dev.bypass.programs.ProgramRuntime#load} reads an object, creates its maps, and for each program asks
 * the runtime's one {@link dev.bypass.vm.verification.ProgramVerifier} (plugged in through {@link java.util.ServiceLoader},
 * or given explicitly), links it (helpers bound, map references resolved to handles and value pointers) and
 * creates its engine; a failure anywhere frees everything. There is no silent unverified path: without a verifier
 * the runtime refuses to build, and the only way around it is the explicitly named
 * {@link dev.bypass.vm.verification.ProgramVerifier#UNVERIFIED_FOR_TESTS_ONLY}, whose programs report
 * {@code verified() == false}.
 *
 * <p>A {@link dev.bypass.vm.verification.ProgramType} ties a section prefix to a context layout; a host declares
 * {@link dev.bypass.programs.Hook}s of a type and attaches or detaches programs while other threads fire them
 * (copy-on-write attachment lists). Sections no type claims load as {@code raw}: the context is the caller's bytes.
 * Context fields of kind packet start/end receive pointers to packet bytes the hook passes (as {@code xdp_md}'s
 * {@code data}/{@code data_end}), so programs can parse wire messages with Linux's bounds-check idiom.
 * {@code .rodata} is frozen once loaded, so verified constants stay constant; a program array holds programs of one
 * type. A run that touches per-CPU state holds a CPU cell of its own until it ends ({@link dev.bypass.vm.exec.Cpus}),
 * which keeps per-CPU values single-writer even with more threads than cells.
 * Tail calls go through program arrays filled by the host ({@link dev.bypass.programs.LoadedObject#setTailCall}) or
 * statically in the map's C declaration ({@code .values = { [i] = &prog }}). Ring buffer events reach host code
 * through {@link dev.bypass.programs.RingBufferConsumer}, a background thread delivering batches in commit order.
 *
 * <p>Bundled programs ({@link dev.bypass.programs.BundledPrograms}) live as C sources next to their committed
 * objects under {@code src/main/resources/dev/bypass/programs/bpf}, rebuilt by {@code build.sh} there.
 */
package dev.bypass.programs;

