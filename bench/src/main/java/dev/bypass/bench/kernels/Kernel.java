package dev.bypass.bench.kernels;

import dev.bypass.vm.SharedData;
import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.isa.Program;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/**
 * The six benchmark kernels of {@code shared/kernels}: their programs, inputs and expected results, read from the
 * shared data directory ({@link SharedData}).
 */
public enum Kernel {
    SUM("sum", null, 0x746a5a2920L),
    FNV1A("fnv1a", "text4k", 0xe3db629899874325L),
    XXH64("xxh64", "text4k", 0x796398cd432797ccL),
    PRIMES("primes", null, 0x4cdL),
    BUBBLE("bubble", "u64x64", 0xeb26da5900a88300L),
    CALLS("calls", null, 0x186a0L);

    public final String file;
    public final String input;
    public final long expected;

    Kernel(String file, String input, long expected) {
        this.file = file;
        this.input = input;
        this.expected = expected;
    }

    public Program program() {
        try {
            return Assembler.assemble(Files.readString(SharedData.kernels().resolve(file + ".s")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The input memory, generated as {@code inputs.txt} describes it (null when the kernel takes none). */
    public byte[] input() { return input == null ? null : SharedData.kernelInput(input); }

    public static Kernel named(String name) { return valueOf(name.toUpperCase(java.util.Locale.ROOT)); }

}
