package dev.bypass.cli;

import dev.bypass.vm.asm.Disassembler;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.*;

@Command(name = "disasm", description = "Disassemble raw bytecode (or re-print assembly) in the assembler's syntax.")
final class DisasmCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE") Path file;

    @Option(names = "--labels", description = "print jump targets as labels instead of relative offsets") boolean labels;

    @Spec Model.CommandSpec spec;

    @Override public Integer call() throws Exception {
        var program = ProgramSource.read(file).program();
        var out = spec.commandLine().getOut();
        out.print(labels ? Disassembler.withLabels(program) : Disassembler.disassemble(program));
        out.flush();
        return 0;
    }
}
