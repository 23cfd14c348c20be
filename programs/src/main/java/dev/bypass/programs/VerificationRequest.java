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
 * their prototypes, and the source line of each slot (null when unknown) for error messages.
 */
public record VerificationRequest(String programName, Program program, ProgramType type, List<MapSpec> maps,
                                  HelperRegistry helpers, IntFunction<LineInfo> lines) {
    public VerificationRequest {
        maps = List.copyOf(maps);
    }
}
