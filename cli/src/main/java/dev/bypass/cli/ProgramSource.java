package dev.bypass.cli;

import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.asm.DataFile;
import dev.bypass.vm.isa.Decoder;
import dev.bypass.vm.isa.Program;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * Reads a program given on the command line: assembly text ({@code .s}, {@code .asm}, or any text), a
 * conformance-suite {@code .data} file (its program and input memory), or raw little-endian bytecode.
 */
public record ProgramSource(Program program, byte[] memory) {

    public static ProgramSource read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String name = file.getFileName().toString();
        if (bytes.length >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F')
            throw new CliException(name + " is a BPF object; this command takes assembly text or raw bytecode (bypass run loads objects)", 2);
        if (name.endsWith(".data")) {
            DataFile data = DataFile.parse(new String(bytes, StandardCharsets.UTF_8));
            return new ProgramSource(Assembler.assemble(data.asm()), data.memory());
        }
        if (name.endsWith(".bin") || name.endsWith(".o") || !isText(bytes)) return new ProgramSource(Decoder.decode(bytes), null);
        return new ProgramSource(Assembler.assemble(new String(bytes, StandardCharsets.UTF_8)), null);
    }

    private static boolean isText(byte[] b) {
        for (byte x : b) if (x == 0 || (x < 0x09 && x >= 0)) return false;
        return true;
    }

    /** Parses {@code --mem}: hex bytes (spaces allowed) or {@code @file} for a file's raw bytes. */
    public static byte[] memoryArgument(String arg) throws IOException {
        if (arg == null) return null;
        if (arg.startsWith("@")) return Files.readAllBytes(Path.of(arg.substring(1)));
        String hex = arg.replaceAll("\\s+", "");
        if (hex.startsWith("0x")) hex = hex.substring(2);
        try {
            return HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new CliException("--mem: not hex bytes: " + e.getMessage(), 2);
        }
    }
}
