package dev.bypass.cli;

import dev.bypass.programs.*;
import dev.bypass.vm.verification.*;
import dev.bypass.vm.exec.EngineKind;
import dev.bypass.vm.maps.BpfMap;
import java.io.PrintWriter;
import java.util.List;

/** Shared pieces of the commands that load BPF objects through the runtime pipeline. */
final class ElfRun {
    private ElfRun() {}

    static boolean isElf(byte[] b) { return b.length >= 4 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F'; }

    /**
     * A runtime with the standard verifier, or, only when the user asked for it by name, without verification.
     */
    static ProgramRuntime runtime(boolean unverified, String engine, long budget) {
        ProgramVerifier v;
        if (unverified) {
            v = ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY;
        } else {
            try {
                v = Verifiers.standard();
            } catch (VerificationException e) {
                throw new CliException(e.getMessage() + "; pass --unverified to run without verification", 2);
            }
        }
        EngineKind kind;
        try {
            kind = EngineKind.parse(engine);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), 2);
        }
        if (budget <= 0) throw new CliException("--budget must be positive", 2);
        return ProgramRuntime.builder().verifier(v).types(KnownPrograms.types()).helpers(KnownPrograms.helpers()).engine(kind).budget(budget).trace(line -> System.err.println("trace: " + line)).build();
    }

    static LoadedProgram pick(LoadedObject o, String program) {
        List<LoadedProgram> all = o.programs();
        if (all.isEmpty()) throw new CliException(o.name() + " contains no programs", 2);
        if (program == null) return all.get(0);
        for (LoadedProgram p : all) if (p.name().equals(program)) return p;
        // also accept a section name when exactly one program lives there
        List<LoadedProgram> inSection = all.stream().filter(p -> p.section().equals(program)).toList();
        if (inSection.size() == 1) return inSection.get(0);
        return o.program(program); // fails naming the programs there are
    }

    /** Every map of an object as one JSON object keyed by map name, decoded through the object's BTF. */
    static void printMaps(PrintWriter out, LoadedObject o) {
        List<BpfMap> maps = o.maps();
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < maps.size(); i++)
            sb.append(i > 0 ? "," : "").append(MapJson.quote(maps.get(i).name())).append(':').append(MapJson.toJson(maps.get(i), types(o, maps.get(i))));
        out.println(sb.append('}'));
    }

    /** BTF decoding for a map of a loaded object (maps and definitions share their order). */
    static BtfJson types(LoadedObject o, BpfMap m) { return BtfJson.of(o, m); }
}
