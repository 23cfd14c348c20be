package dev.bypass.cli;

import dev.bypass.programs.LoadedProgram;
import dev.bypass.programs.MapJson;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.*;

@Command(name = "prog", description = "Load, list, run and detach BPF programs kept in the state directory.",
        subcommands = {ProgCommand.Load.class, ProgCommand.List.class, ProgCommand.Run.class, ProgCommand.Detach.class})
final class ProgCommand extends CommandGroup {
    static String programJson(String object, LoadedProgram p) {
        return "{\"object\":" + MapJson.quote(object) + ",\"name\":" + MapJson.quote(p.name()) + ",\"section\":" + MapJson.quote(p.section())
                + ",\"type\":" + MapJson.quote(p.type().name()) + ",\"instructions\":" + p.instructionCount()
                + ",\"verified\":" + p.verified() + ",\"verifier\":" + MapJson.quote(p.verifiedBy()) + "}";
    }

    @Command(name = "load", description = "Load an object: verify its programs, create its maps, keep both.")
    static final class Load implements Callable<Integer> {
        @Parameters(paramLabel = "FILE") Path file;
        @Option(names = "--name", description = "object name (default: file name without .o)") String name;
        @Option(names = "--unverified", description = "skip the verifier (testing only)") boolean unverified;
        @Mixin StateOptions opts;
        @Spec Model.CommandSpec spec;

        @Override public Integer call() throws Exception {
            String n = name != null ? name : file.getFileName().toString().replaceFirst("\\.o$", "");
            try (StateStore s = opts.open()) {
                StateStore.Entry e = s.add(n, Files.readAllBytes(file), unverified, opts.engine, opts.budget);
                s.save();
                PrintWriter out = spec.commandLine().getOut();
                if (opts.json) {
                    StringBuilder sb = new StringBuilder("[");
                    for (LoadedProgram p : e.object().programs()) sb.append(sb.length() > 1 ? "," : "").append(programJson(n, p));
                    out.println(sb.append(']'));
                } else {
                    for (LoadedProgram p : e.object().programs())
                        out.printf("loaded %s/%s (%s, %d instructions, %s)%n", n, p.name(), p.section(), p.instructionCount(),
                                p.verified() ? "verified" : "UNVERIFIED");
                }
            }
            return 0;
        }
    }

    @Command(name = "list", description = {"List loaded programs.",
            "With --proxy HOST:PORT: the programs attached to a running proxy's hooks, with run count, run time and denies (SHOW PROGRAMS)."})
    static final class List implements Callable<Integer> {
        @Mixin StateOptions opts;
        @Mixin ProxyConsoleOptions console;
        @Spec Model.CommandSpec spec;

        @Override public Integer call() throws Exception {
            if (console.proxy != null) return console.run(spec.commandLine().getOut(), "SHOW PROGRAMS");
            try (StateStore s = opts.open()) {
                PrintWriter out = spec.commandLine().getOut();
                StringBuilder sb = new StringBuilder("[");
                for (StateStore.Entry e : s.entries())
                    for (LoadedProgram p : e.object().programs()) {
                        if (opts.json) sb.append(sb.length() > 1 ? "," : "").append(programJson(e.name(), p));
                        else out.printf("%-32s %-24s %-8s %6d insns  %s%n", e.name() + "/" + p.name(), p.section(), p.type().name(),
                                p.instructionCount(), p.verified() ? "verified" : "UNVERIFIED");
                    }
                if (opts.json) out.println(sb.append(']'));
            }
            return 0;
        }
    }

    @Command(name = "run", description = "Run a loaded program against its kept maps; prints r0 (maps keep the changes).")
    static final class Run implements Callable<Integer> {
        @Parameters(paramLabel = "PROGRAM", description = "program name, or object/program") String program;
        @Option(names = "--ctx", paramLabel = "HEX|@file", description = "context bytes") String ctx;
        @Option(names = "--repeat", defaultValue = "1", description = "run N times (default 1)") int repeat;
        @Mixin StateOptions opts;
        @Spec Model.CommandSpec spec;

        @Override public Integer call() throws Exception {
            if (repeat < 1) throw new CliException("--repeat must be at least 1", 2);
            byte[] context = ctx == null ? new byte[0] : ProgramSource.memoryArgument(ctx);
            try (StateStore s = opts.open()) {
                LoadedProgram p = s.program(program);
                long r0 = 0;
                byte[] last = context;
                for (int i = 0; i < repeat; i++) {
                    last = context.clone();
                    r0 = p.run(last);
                }
                s.save();
                PrintWriter out = spec.commandLine().getOut();
                if (opts.json) out.println("{\"r0\":" + r0 + ",\"ctx\":" + MapJson.quote(MapJson.hex(last)) + "}");
                else out.println("0x" + Long.toHexString(r0));
            }
            return 0;
        }
    }

    @Command(name = "detach", description = "Unload a program's object and drop its maps.")
    static final class Detach implements Callable<Integer> {
        @Parameters(paramLabel = "OBJECT|PROGRAM") String ref;
        @Mixin StateOptions opts;
        @Spec Model.CommandSpec spec;

        @Override public Integer call() throws Exception {
            try (StateStore s = opts.open()) {
                StateStore.Entry e = s.object(ref);
                s.remove(e);
                if (opts.json) spec.commandLine().getOut().println("{\"detached\":" + MapJson.quote(e.name()) + "}");
                else spec.commandLine().getOut().println("detached " + e.name());
            }
            return 0;
        }
    }
}
