package dev.bypass.cli;

import dev.bypass.programs.MapJson;
import dev.bypass.vm.verification.ProgramType;
import dev.bypass.programs.ProgramTypes;
import dev.bypass.programs.UnsupportedProgramTypeException;
import dev.bypass.vm.verification.VerificationRequest;
import dev.bypass.verifier.Rejection;
import dev.bypass.verifier.StandardVerifier;
import dev.bypass.vm.BpfException;
import dev.bypass.vm.elf.ElfLoader;
import dev.bypass.vm.elf.ElfObject;
import dev.bypass.vm.elf.ElfProgram;
import dev.bypass.vm.isa.BytecodeException;
import dev.bypass.vm.helpers.HelperRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bypass verify}: runs the static verifier on every program of an ELF object (or one, with --program) or on
 * an assembly or bytecode file. Assembly and bytecode verify as buffer programs, the calling convention {@code run}
 * and {@code bench} use: r1 = the input memory, r2 = its length, proven in bounds by comparisons with the length;
 * {@code --mem} or {@code --mem-size} give the length when it is known. An object's program whose section names a
 * Linux program type this runtime does not model, or that uses an instruction it does not have, is reported as not
 * verifiable. Exit code 0 when all are accepted, 1 when one is rejected or cannot be verified, 2 for usage errors and
 * unreadable files.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Verify the programs of an ELF object or an assembly file; print why a program is rejected.")
final class VerifyCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "ELF object (clang -target bpf), eBPF assembly text or raw bytecode")
    Path file;

    @Option(names = "--program", paramLabel = "NAME", description = "verify only this program of the object")
    String program;

    @Option(names = "--mem", paramLabel = "HEX|@file", description = "assembly and bytecode: verify for this input memory (its length)")
    String mem;

    @Option(names = "--mem-size", paramLabel = "BYTES", description = "assembly and bytecode: verify for input memory of exactly this many bytes")
    Integer memSize;

    @Option(names = "--log", description = "print the state before every processed instruction")
    boolean log;

    @Option(names = "--json", description = "one JSON object per program")
    boolean json;

    /**
     * One program to report on: its request, or why it cannot be verified at all; {@code verdict} says whether that
     * is a rejection of the code (it does not decode or link) or a program this runtime does not model.
     */
    private record Item(String name, VerificationRequest request, String verdict, String error) {
        Item(String name, VerificationRequest request) { this(name, request, null, null); }
    }

    private static final String REJECTED = "rejected", NOT_VERIFIABLE = "not verifiable";

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage(), 2);
        }
        List<Item> items = new ArrayList<>();
        if (bytes.length >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F') {
            if (mem != null || memSize != null) throw new CliException("--mem and --mem-size apply to assembly and bytecode", 2);
            try {
                items.addAll(fromElf(ElfLoader.loadEachProgram(bytes)));
            } catch (BpfException e) {
                throw new CliException(file + ": " + e.getMessage(), 2);
            }
        } else {
            if (program != null) throw new CliException("--program applies to ELF objects only", 2);
            items.add(fromCode(file.getFileName().toString()));
        }
        boolean allAccepted = true;
        for (Item it : items) {
            if (it.error() != null) {
                allAccepted = false;
                if (json) out.println("{\"program\":" + MapJson.quote(it.name()) + ",\"accepted\":false,\"error\":" + MapJson.quote(it.verdict() + ": " + it.error()) + "}");
                else out.println(it.name() + ": " + it.verdict() + ": " + it.error());
                continue;
            }
            StandardVerifier.Result res = StandardVerifier.analyse(it.request(), log);
            allAccepted &= res.accepted();
            if (log && res.log() != null) out.print(res.log());
            if (json) out.println(json(it.request(), res));
            else if (res.accepted())
                out.printf("%s: accepted (%d instructions processed, %.1f ms)%n", it.name(), res.processedInstructions(), res.nanos() / 1e6);
            else out.println(it.name() + ": rejected: " + res.rejection().message());
        }
        out.flush();
        return allAccepted ? 0 : 1;
    }

    /** An assembly or bytecode file: a buffer program, of known length when --mem or --mem-size says. */
    private Item fromCode(String name) throws IOException {
        if (mem != null && memSize != null) throw new CliException("give --mem or --mem-size, not both", 2);
        ProgramSource src;
        try {
            src = ProgramSource.read(file);
        } catch (BpfException e) {
            return new Item(name, null, REJECTED, e.getMessage()); // does not decode, assemble or link
        }
        ProgramType type = src.memory() != null ? ProgramType.buffer(src.memory().length) : ProgramType.BUFFER;
        if (mem != null) type = ProgramType.buffer(ProgramSource.memoryArgument(mem).length);
        else if (memSize != null) {
            if (memSize < 0 || memSize > dev.bypass.vm.ctx.ContextLayout.BUFFER_MAX) throw new CliException("--mem-size must be between 0 and "
                    + dev.bypass.vm.ctx.ContextLayout.BUFFER_MAX, 2);
            type = ProgramType.buffer(memSize);
        }
        return new Item(name, VerificationRequest.forBuffer(name, src.program(), type, KnownPrograms.helpers()));
    }

    private List<Item> fromElf(ElfObject elf) {
        List<Item> out = new ArrayList<>();
        ProgramTypes types = KnownPrograms.types();
        HelperRegistry helpers = KnownPrograms.helpers();
        for (ElfProgram p : elf.programs()) {
            if (program != null && !program.equals(p.name())) continue;
            try {
                out.add(new Item(p.name(), VerificationRequest.forProgram(elf, p, types.forSection(p.section()), helpers)));
            } catch (UnsupportedProgramTypeException e) {
                out.add(new Item(p.name(), null, NOT_VERIFIABLE, e.getMessage()));
            }
        }
        for (ElfObject.ProgramFailure f : elf.failures())
            if (program == null || program.equals(f.name()))
                out.add(new Item(f.name(), null, f.error().getCause() instanceof BytecodeException ? REJECTED : NOT_VERIFIABLE, f.error().getMessage()));
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
