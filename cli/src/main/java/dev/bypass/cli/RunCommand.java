package dev.bypass.cli;

import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionState;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.*;

@Command(name = "run", description = {"Run a program (assembly text, .data file or raw bytecode) once and print r0.",
        "Input memory is passed as r1 (address) and r2 (length)."})
final class RunCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE") Path file;

    @Option(names = "--mem", paramLabel = "HEX|@file", description = "input memory as hex bytes, or @file") String mem;

    @Mixin EngineOptions engine;

    @Spec Model.CommandSpec spec;

    @Override public Integer call() throws Exception {
        ProgramSource src = ProgramSource.read(file);
        byte[] memory = mem != null ? ProgramSource.memoryArgument(mem) : src.memory();
        Engine e = engine.engineFor(file.getFileName().toString(), src.program());
        ExecutionState state = engine.state();
        long r1 = EngineOptions.bindMemory(state, memory);
        long r0 = e.execute(state, r1, memory == null ? 0 : memory.length, 0, 0, 0);
        spec.commandLine().getOut().println("0x" + Long.toHexString(r0));
        return 0;
    }
}
