/**
 * Loader for clang-built BPF objects ({@code clang -O2 -g -target bpf}), in the spirit of libbpf's object loading
 * but written for this runtime.
 *
 * <p>{@link dev.bypass.vm.elf.ElfLoader} reads the section headers and symbol table, parses {@code .BTF}
 * ({@link dev.bypass.vm.elf.Btf}) and {@code .BTF.ext} line info, collects maps (BTF-defined maps in {@code .maps},
 * whose {@code __uint}/{@code __type} fields are decoded from pointer-to-array and pointer-to-type members; legacy
 * {@code maps} definitions; and {@code .data}/{@code .rodata}/{@code .bss} as one-element array maps with their
 * variables' offsets taken from the symbol table), and builds one self-contained program per function of every
 * program section: the function followed by each {@code .text} function it reaches by call or function pointer, with
 * calls re-targeted and map references rewritten to {@code PSEUDO_MAP_IDX}/{@code PSEUDO_MAP_IDX_VALUE} forms that
 * index {@link dev.bypass.vm.elf.ElfObject#maps()}. Every slot keeps its C source line for error messages.
 *
 * <p>Hostile input: every size, offset and count is checked against the file before use, type chains are followed
 * a bounded number of steps, objects over 64 MiB are refused; all failures are one
 * {@link dev.bypass.vm.elf.ElfException} naming the section and offset. A call relocated against an extern function
 * ({@code __ksym}) becomes a kfunc call when the runtime provides the function ({@link dev.bypass.vm.helpers.Kfuncs});
 * CO-RE relocations, other kfuncs and other extern symbols are refused with such an error rather than loaded
 * half-right. A seeded mutation test in {@code programs}
 * feeds tens of thousands of corrupted objects through the loader.
 */
package dev.bypass.vm.elf;
