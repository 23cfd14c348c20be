package dev.bypass.cli;

import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.isa.Program;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.*;

@Command(name = "asm", description = "Assemble eBPF assembly text into raw little-endian bytecode.")
final class AsmCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "assembly text") Path file;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "write bytecode here (default: hex words on stdout)")
    Path output;

    @Spec Model.CommandSpec spec;

    @Override public Integer call() throws Exception {
        Program p = Assembler.assemble(Files.readString(file, StandardCharsets.UTF_8));
        if (output != null) {
            Files.write(output, p.bytes());
        } else {
            for (long w : p.words()) spec.commandLine().getOut().printf("0x%016x%n", w);
        }
        return 0;
    }
}
