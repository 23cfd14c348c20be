package dev.bypass.cli;

import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionState;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.*;

@Command(name = "run", description = {"Run a program (assembly text, .data file, raw bytecode, or a clang-built BPF object) and print r0.",
        "Assembly and bytecode run as buffer programs: r1 = the input memory, r2 = its length; they are verified for "
                + "that input first (a rejection exits 1 with the reason) and run with what the verifier proved.",
        "BPF objects: loads, verifies and runs one program (the first unless --program is given) with --ctx as its context "
                + "--repeat times, prints r0 of the last run on the first line, then every map's contents as JSON."})
final class RunCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE") Path file;

    @Option(names = "--mem", paramLabel = "HEX|@file", description = "input memory as hex bytes, or @file") String mem;

    @Option(names = "--program", paramLabel = "NAME", description = "BPF objects: the program (function name) to run") String program;

    @Option(names = "--ctx", paramLabel = "HEX|@file", description = "BPF objects: the context bytes (hex, or @file)") String ctx;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "1", description = "BPF objects: run N times (default 1)") int repeat;

    @Option(names = "--unverified", description = "run without the verifier (testing only; no facts reach the JIT)") boolean unverified;

    @Mixin EngineOptions engine;

    @Spec Model.CommandSpec spec;

    @Override public Integer call() throws Exception {
        byte[] head = new byte[4];
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, 4);
            if (n == 4 && ElfRun.isElf(head)) return runObject();
        }
        if (program != null || ctx != null || repeat != 1)
            throw new CliException("--program, --ctx and --repeat apply to BPF objects; " + file + " is not one", 2);
        ProgramSource src = ProgramSource.read(file);
        byte[] memory = mem != null ? ProgramSource.memoryArgument(mem) : src.memory();
        String name = file.getFileName().toString();
        Engine e = engine.engine(name, src.program(), memory, unverified);
        ExecutionState state = engine.state();
        long r1 = EngineOptions.bindMemory(state, memory);
        long r0 = e.execute(state, r1, memory == null ? 0 : memory.length, 0, 0, 0);
        spec.commandLine().getOut().println("0x" + Long.toHexString(r0));
        return 0;
    }

    private int runObject() throws Exception {
        if (mem != null) throw new CliException("--mem applies to assembly and bytecode; use --ctx for BPF objects", 2);
        if (repeat < 1) throw new CliException("--repeat must be at least 1", 2);
        byte[] context = ctx == null ? new byte[0] : ProgramSource.memoryArgument(ctx);
        dev.bypass.programs.ProgramRuntime rt = ElfRun.runtime(unverified, engine.engine, engine.budget);
        try (dev.bypass.programs.LoadedObject o = rt.load(file)) {
            dev.bypass.programs.LoadedProgram p = ElfRun.pick(o, program);
            long r0 = 0;
            for (int i = 0; i < repeat; i++) r0 = p.run(context.clone());
            java.io.PrintWriter out = spec.commandLine().getOut();
            out.println("0x" + Long.toHexString(r0));
            ElfRun.printMaps(out, o);
            out.flush();
        }
        return 0;
    }
}
