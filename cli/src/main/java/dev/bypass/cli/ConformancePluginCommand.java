package dev.bypass.cli;

import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.isa.Decoder;
import dev.bypass.vm.isa.Program;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.*;

/**
 * The plugin protocol of the eBPF conformance suite's runner: memory as the first argument (hex bytes separated
 * by spaces) when present, options {@code --interpreter}, {@code --jit}, {@code --elf}; the program as hex bytes
 * on stdin; r0 in hex on stdout. Errors: a message on stderr and exit code 1.
 */
@Command(name = "conformance-plugin", hidden = true, description = "Run one program as the conformance runner's plugin.")
final class ConformancePluginCommand implements Callable<Integer> {
    @Unmatched List<String> args = new ArrayList<>();

    @Spec Model.CommandSpec spec;

    @Override public Integer call() throws Exception {
        String memoryHex = null;
        String engine = "interpreter";
        boolean elf = false;
        for (String a : args) {
            switch (a) {
                case "--interpreter" -> engine = "interpreter";
                case "--jit" -> engine = "jit";
                case "--elf" -> elf = true;
                default -> {
                    if (a.startsWith("--")) throw new CliException("unknown plugin option " + a, 1);
                    if (memoryHex != null) throw new CliException("more than one memory argument", 1);
                    memoryHex = a;
                }
            }
        }
        byte[] memory = memoryHex == null ? new byte[0] : parseHex(memoryHex);
        byte[] code = parseHex(new String(readAll(System.in), java.nio.charset.StandardCharsets.US_ASCII));
        Program program;
        dev.bypass.vm.exec.PseudoResolver resolver = dev.bypass.vm.exec.PseudoResolver.NONE;
        if (elf) {
            // The runner's objects hold function main in .text; like the raw path, the suite runs unverified.
            dev.bypass.vm.elf.ElfObject obj = dev.bypass.vm.elf.ElfLoader.load(code);
            dev.bypass.vm.elf.ElfProgram p = obj.program("main");
            if (p == null) {
                if (obj.programs().isEmpty()) throw new CliException("the ELF object contains no program", 1);
                p = obj.programs().get(0);
            }
            if (!obj.maps().isEmpty()) {
                java.util.List<dev.bypass.vm.maps.BpfMap> maps = new java.util.ArrayList<>();
                for (dev.bypass.vm.elf.MapDefinition d : obj.maps())
                    maps.add(d.isGlobalData() ? dev.bypass.vm.maps.ArrayMap.globalData(d.spec().name(), d.initialData(),
                            d.spec().valueSize(), d.kind() != dev.bypass.vm.elf.MapDefinition.Kind.RODATA) : dev.bypass.vm.maps.BpfMap.create(d.spec()));
                resolver = new dev.bypass.vm.maps.MapResolver(maps);
            }
            program = p.program();
        } else {
            program = Decoder.decode(code);
        }
        EngineOptions opts = new EngineOptions();
        opts.engine = engine;
        opts.budget = ExecutionState.DEFAULT_BUDGET;
        Engine e = opts.unverifiedEngine("conformance", program, resolver);
        ExecutionState state = opts.state();
        long r1 = memory.length == 0 ? 0 : EngineOptions.bindMemory(state, memory);
        long r0 = e.execute(state, r1, memory.length, 0, 0, 0);
        spec.commandLine().getOut().println(Long.toHexString(r0));
        return 0;
    }

    static byte[] parseHex(String s) {
        String hex = s.replaceAll("\\s+", "");
        try {
            return HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new CliException("input is not hex bytes: " + e.getMessage(), 1);
        }
    }

    private static byte[] readAll(InputStream in) throws java.io.IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }
}
