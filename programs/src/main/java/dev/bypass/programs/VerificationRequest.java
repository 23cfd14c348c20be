package dev.bypass.programs;

import dev.bypass.vm.elf.LineInfo;
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
 * be treated as constants (null for other maps).
 */
public record VerificationRequest(String programName, Program program, ProgramType type, List<MapSpec> maps,
                                  HelperRegistry helpers, IntFunction<LineInfo> lines, List<byte[]> frozenContents) {
    public VerificationRequest {
        maps = List.copyOf(maps);
        frozenContents = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(frozenContents));
        if (frozenContents.size() != maps.size()) throw new IllegalArgumentException("one frozen-contents entry per map");
    }

    /** The frozen contents of map {@code index}, or null when the map can change. */
    public byte[] frozenContents(int index) {
        byte[] b = frozenContents.get(index);
        return b == null ? null : b.clone();
    }
}
