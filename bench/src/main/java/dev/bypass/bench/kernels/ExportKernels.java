package dev.bypass.bench.kernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes each kernel's bytecode ({@code NAME.bin}, as the assembler encodes it) and input memory ({@code NAME.mem},
 * empty when it takes none) to a directory, with {@code NAME.expected} holding its r0 in hex, so that another eBPF
 * runtime can time the very bytes the JMH benchmark runs.
 */
public final class ExportKernels {
    private ExportKernels() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ExportKernels DIRECTORY");
            System.exit(2);
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        for (Kernel k : Kernel.values()) {
            byte[] input = k.input();
            Files.write(dir.resolve(k.file + ".bin"), k.program().bytes());
            Files.write(dir.resolve(k.file + ".mem"), input == null ? new byte[0] : input);
            Files.writeString(dir.resolve(k.file + ".expected"), Long.toHexString(k.expected) + "\n");
        }
    }
}
