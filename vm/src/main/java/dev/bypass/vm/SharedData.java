package dev.bypass.vm;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the data the tests and benchmarks read from {@code shared/} beside the checkout: the eBPF conformance
 * suite ({@code conformance/tests}) and the benchmark kernels ({@code kernels}). {@code -Dbypass.shared=DIR} names
 * it (the build passes {@code ../shared}); without it, the first {@code shared/} in or beside a parent of the working
 * directory is used. A missing folder fails with its path and what belongs in it.
 */
public final class SharedData {
    private SharedData() {}

    static final String CONFORMANCE = "conformance/tests", KERNELS = "kernels";

    /** The conformance suite's {@code .data} files. */
    public static Path conformance() { return require(dir(), CONFORMANCE); }

    /** The benchmark kernels ({@code *.s} and {@code inputs.txt}). */
    public static Path kernels() { return require(dir(), KERNELS); }

    /**
     * A kernel's input memory as {@code kernels/inputs.txt} describes it by name: {@code text4k} (bytes
     * {@code (i*7+3) & 0xff}), {@code u64x64} (little-endian {@code i * 0x9E3779B97F4A7C15}), {@code none} (null).
     */
    public static byte[] kernelInput(String name) {
        return switch (name) {
            case "none" -> null;
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
            default -> throw new IllegalArgumentException("no kernel input named " + name + " (inputs.txt names text4k, u64x64, none)");
        };
    }

    /** The shared directory itself (it may lack a folder: {@link #conformance()} and {@link #kernels()} check). */
    public static Path dir() {
        String prop = System.getProperty("bypass.shared");
        if (prop != null) return Path.of(prop).toAbsolutePath().normalize();
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            for (Path candidate : new Path[] {p.resolve("shared"), p.resolveSibling("shared")})
                if (Files.isDirectory(candidate.resolve(CONFORMANCE)) || Files.isDirectory(candidate.resolve(KERNELS))) return candidate;
        }
        return Path.of("").toAbsolutePath().resolveSibling("shared");
    }

    static Path require(Path shared, String folder) {
        Path p = shared.resolve(folder);
        if (Files.isDirectory(p)) return p;
        String what = folder.equals(CONFORMANCE)
                ? "the .data files of the public eBPF conformance suite (bpf_conformance's tests/ folder)"
                : "the six benchmark kernels (*.s) and their inputs.txt";
        throw new IllegalStateException("test data missing: no folder " + p + "; it should hold " + what
                + ". The tests read shared/ beside the checkout (-Dbypass.shared=DIR names another); see the README, \"Test data\"");
    }
}
