package dev.bypass.vm.verification;

import dev.bypass.vm.elf.DeclaredFunction;
import dev.bypass.vm.elf.ElfObject;
import dev.bypass.vm.elf.ElfProgram;
import dev.bypass.vm.elf.LineInfo;
import dev.bypass.vm.elf.MapDefinition;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.maps.MapSpec;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Everything a verifier needs: the unlinked program (map references are {@code lddw} with {@code PSEUDO_MAP_IDX}
 * or {@code PSEUDO_MAP_IDX_VALUE} indexing {@code maps}), its type (context layout), the helpers it may call with
 * their prototypes, the source line of each slot (null when unknown) for error messages, and the contents of
 * frozen maps ({@code .rodata}, {@link MapSpec#readOnlyForPrograms()}), which never change after load and so may
 * be treated as constants (null for other maps), and the BTF declaration of the function starting at a slot (null
 * when unknown).
 */
public record VerificationRequest(String programName, Program program, ProgramType type, List<MapSpec> maps,
                                  HelperRegistry helpers, IntFunction<LineInfo> lines, List<byte[]> frozenContents,
                                  IntFunction<DeclaredFunction> functions) {
    /** A request without BTF function declarations. */
    public VerificationRequest(String programName, Program program, ProgramType type, List<MapSpec> maps,
                               HelperRegistry helpers, IntFunction<LineInfo> lines, List<byte[]> frozenContents) {
        this(programName, program, type, maps, helpers, lines, frozenContents, slot -> null);
    }

    public VerificationRequest {
        maps = List.copyOf(maps);
        frozenContents = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(frozenContents));
        if (frozenContents.size() != maps.size()) throw new IllegalArgumentException("one frozen-contents entry per map");
    }

    /**
     * The request for one program of an object as declared, before any map exists: map specs from the object, and
     * {@code .rodata}'s initial bytes as its frozen contents (libbpf freezes it at load).
     */
    public static VerificationRequest forProgram(ElfObject elf, ElfProgram p, ProgramType type, HelperRegistry helpers) {
        List<MapSpec> specs = new java.util.ArrayList<>();
        List<byte[]> frozen = new java.util.ArrayList<>();
        for (MapDefinition d : elf.maps()) {
            specs.add(d.spec());
            frozen.add(d.kind() == MapDefinition.Kind.RODATA && d.initialData() != null
                    ? java.util.Arrays.copyOf(d.initialData(), d.spec().valueSize()) : null);
        }
        return new VerificationRequest(p.name(), p.program(), type, specs, helpers, p::lineAt, frozen, p::functionAt);
    }

    /** A buffer program without maps (assembly, raw bytecode): r1 = the buffer, r2 = its length. */
    public static VerificationRequest forBuffer(String name, Program program, ProgramType type, HelperRegistry helpers) {
        return new VerificationRequest(name, program, type, List.of(), helpers, s -> null, List.of());
    }

    /** The frozen contents of map {@code index}, or null when the map can change. */
    public byte[] frozenContents(int index) {
        byte[] b = frozenContents.get(index);
        return b == null ? null : b.clone();
    }
}
