package dev.bypass.programs;

import dev.bypass.vm.verification.ProgramType;
import dev.bypass.vm.verification.ProgramVerifier;
import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.ctx.ContextLayout;
import dev.bypass.vm.elf.ElfObject;
import dev.bypass.vm.elf.ElfProgram;
import dev.bypass.vm.elf.LineInfo;
import dev.bypass.vm.elf.MapDefinition;
import dev.bypass.vm.exec.EngineKind;
import dev.bypass.vm.exec.ExecutionException;
import dev.bypass.vm.maps.MapSpec;
import dev.bypass.vm.maps.MapType;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two objects loaded into one runtime cannot reach each other's maps, even unverified: a program that moves its map
 * value pointer to the neighbouring region, or to any other, faults cleanly instead of reading the other object's
 * value; the other object keeps its data.
 */
class ObjectIsolationTest {
    static final ProgramType RAW = new ProgramType("raw", "test/raw", ContextLayout.raw(8));

    static ElfObject object(String asm) {
        MapDefinition values = new MapDefinition(new MapSpec("values", MapType.ARRAY, 4, 8, 1, 0), MapDefinition.Kind.LEGACY, 0, 0, null, List.of());
        return new ElfObject("GPL", List.of(values), List.of(new ElfProgram("prog", "test/raw", Assembler.assemble(asm), new LineInfo[0])), null, List.of());
    }

    /** Looks up element 0 of the object's map; r0 = the value pointer (the program exits with -1 if absent). */
    static final String LOOKUP = "stw [%r10-4], 0\nmov %r2, %r10\nadd %r2, -4\nlddw %r1, map_idx(0)\ncall 1\njne %r0, 0, +2\nmov %r0, -1\nexit\n";

    @ParameterizedTest
    @EnumSource(value = EngineKind.class, names = {"INTERPRETER", "JIT"})
    void aForgedPointerToAnotherObjectsMapFaults(EngineKind engine) {
        ProgramTypes types = new ProgramTypes().register(RAW);
        try (ProgramRuntime rt = ProgramRuntime.builder().verifier(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY).types(types).engine(engine).build()) {
            LoadedObject victim = rt.load("victim", object(LOOKUP + "stdw [%r0+0], 0x5ec7e7\nmov %r0, 0\nexit"));
            victim.program("prog").run(new byte[8]);
            assertEquals(0x5ec7e7, Le.u64At(victim.map("values").lookup(new byte[4]), 0));
            for (String move : new String[] {"sub %r0, %r2", "add %r0, %r2"}) {
                LoadedObject attacker = rt.load("attacker", object(LOOKUP + "lddw %r2, 0x100000000\n" + move + "\nldxdw %r0, [%r0]\nexit"));
                ProgramRunException e = assertThrows(ProgramRunException.class, () -> attacker.program("prog").run(new byte[8]));
                assertEquals(ExecutionException.Kind.MEMORY_FAULT, e.kind(), e.getMessage());
                attacker.close();
            }
            assertEquals(0x5ec7e7, Le.u64At(victim.map("values").lookup(new byte[4]), 0));
        }
    }
}
