package dev.bypass.cli;

import dev.bypass.programs.BundledPrograms;
import dev.bypass.programs.MapJson;
import dev.bypass.programs.ProgramRuntime;
import dev.bypass.programs.ProgramType;
import dev.bypass.programs.VerificationRequest;
import dev.bypass.verifier.Rejection;
import dev.bypass.verifier.StandardVerifier;
import dev.bypass.vm.BpfException;
import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.ctx.ContextLayout;
import dev.bypass.vm.elf.ElfLoader;
import dev.bypass.vm.elf.ElfObject;
import dev.bypass.vm.elf.ElfProgram;
import dev.bypass.vm.elf.MapDefinition;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.maps.MapSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bypass verify}: runs the static verifier on every program of an ELF object (or one, with --program) or on
 * an assembly file (program type {@code raw}: r1 points to a read-write context of --ctx-size bytes). Exit code 0
 * when all are accepted, 1 when one is rejected, 2 for usage or load errors.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Verify the programs of an ELF object or an assembly file; print why a program is rejected.")
final class VerifyCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "ELF object (clang -target bpf) or eBPF assembly text")
    Path file;

    @Option(names = "--program", paramLabel = "NAME", description = "verify only this program of the object")
    String program;

    @Option(names = "--ctx-size", defaultValue = "64", description = "context size in bytes for assembly programs (default: ${DEFAULT-VALUE})")
    int ctxSize;

    @Option(names = "--log", description = "print the state before every processed instruction")
    boolean log;

    @Option(names = "--json", description = "one JSON object per program")
    boolean json;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage(), 2);
        }
        List<VerificationRequest> requests = new ArrayList<>();
        try {
            if (bytes.length >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F') {
                requests.addAll(fromElf(ElfLoader.load(bytes)));
            } else {
                if (program != null) throw new CliException("--program applies to ELF objects only", 2);
                if (ctxSize < 0 || ctxSize > ProgramType.RAW_CONTEXT_MAX) throw new CliException("--ctx-size must be between 0 and " + ProgramType.RAW_CONTEXT_MAX, 2);
                Program p = Assembler.assemble(new String(bytes, StandardCharsets.UTF_8));
                ProgramType raw = new ProgramType("raw", "", ContextLayout.raw(ctxSize));
                try (ProgramRuntime rt = ProgramRuntime.builder().verifier(new StandardVerifier()).build()) {
                    requests.add(new VerificationRequest(file.getFileName().toString(), p, raw, List.of(), rt.helpers(), s -> null, List.of()));
                }
            }
        } catch (BpfException e) {
            throw new CliException(file + ": " + e.getMessage(), 2);
        }
        boolean allAccepted = true;
        for (VerificationRequest r : requests) {
            StandardVerifier.Result res = StandardVerifier.analyse(r, log);
            allAccepted &= res.accepted();
            if (log && res.log() != null) out.print(res.log());
            if (json) out.println(json(r, res));
            else if (res.accepted())
                out.printf("%s: accepted (%d instructions processed, %.1f ms)%n", r.programName(), res.processedInstructions(), res.nanos() / 1e6);
            else out.println(r.programName() + ": rejected: " + res.rejection().message());
        }
        out.flush();
        return allAccepted ? 0 : 1;
    }

    private List<VerificationRequest> fromElf(ElfObject elf) {
        List<MapSpec> specs = new ArrayList<>();
        List<byte[]> frozen = new ArrayList<>();
        for (MapDefinition d : elf.maps()) {
            specs.add(d.spec());
            frozen.add(d.kind() == MapDefinition.Kind.RODATA && d.initialData() != null
                    ? Arrays.copyOf(d.initialData(), d.spec().valueSize()) : null);
        }
        List<VerificationRequest> out = new ArrayList<>();
        try (ProgramRuntime rt = ProgramRuntime.builder().verifier(new StandardVerifier()).types(KnownPrograms.types()).helpers(KnownPrograms.helpers()).build()) {
            for (ElfProgram p : elf.programs()) {
                if (program != null && !program.equals(p.name())) continue;
                out.add(new VerificationRequest(p.name(), p.program(), rt.types().forSection(p.section()), specs, rt.helpers(), p::lineAt, frozen));
            }
        }
        if (out.isEmpty()) throw new CliException(program == null ? file + " contains no programs" : "no program named " + program + " in " + file, 2);
        return out;
    }

    private static String json(VerificationRequest r, StandardVerifier.Result res) {
        StringBuilder b = new StringBuilder("{\"program\":").append(MapJson.quote(r.programName()))
                .append(",\"accepted\":").append(res.accepted())
                .append(",\"processed_instructions\":").append(res.processedInstructions())
                .append(",\"nanos\":").append(res.nanos());
        Rejection rej = res.rejection();
        if (rej != null) {
            b.append(",\"code\":").append(MapJson.quote(rej.code().name()))
                    .append(",\"instruction_index\":").append(rej.slot())
                    .append(",\"instruction\":").append(rej.instruction() == null ? "null" : MapJson.quote(rej.instruction()))
                    .append(",\"source\":").append(rej.sourceLine() == null ? "null" : MapJson.quote(rej.sourceLine()))
                    .append(",\"detail\":").append(MapJson.quote(rej.detail()))
                    .append(",\"registers\":").append(MapJson.quote(rej.registers()))
                    .append(",\"message\":").append(MapJson.quote(rej.message()));
        }
        return b.append('}').toString();
    }
}
