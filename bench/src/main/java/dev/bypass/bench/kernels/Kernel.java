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
    public byte[] input() {
        if (input == null) return null;
        return switch (input) {
            case "text4k" -> {
                byte[] b = new byte[4096];
                for (int i = 0; i < b.length; i++) b[i] = (byte) ((i * 7 + 3) & 0xff);
                yield b;
            }
            case "u64x64" -> {
                byte[] b = new byte[512];
                for (int i = 0; i < 64; i++) {
                    long v = i * 0x9E3779B97F4A7C15L;
                    for (int k = 0; k < 8; k++) b[i * 8 + k] = (byte) (v >>> (8 * k));
                }
                yield b;
            }
            default -> throw new IllegalArgumentException(input);
        };
    }

    public static Kernel named(String name) { return valueOf(name.toUpperCase(java.util.Locale.ROOT)); }

}
