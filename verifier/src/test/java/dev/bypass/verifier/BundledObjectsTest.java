package dev.bypass.verifier;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.BundledPrograms;
import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.LoadedProgram;
import dev.bypass.programs.ProgramRuntime;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every bundled clang-built object passes verification through the runtime's normal path. */
class BundledObjectsTest {
    @TestFactory
    Stream<DynamicTest> everyBundledProgramIsAccepted() {
        return BundledPrograms.ALL.stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            try (ProgramRuntime rt = ProgramRuntime.builder().verifier(new StandardVerifier()).types(BundledPrograms.types()).build()) {
                LoadedObject o = rt.load(name, BundledPrograms.object(name));
                assertFalse(o.programs().isEmpty());
                for (LoadedProgram p : o.programs()) assertTrue(p.verified(), p.name());
            }
        }));
    }
}
