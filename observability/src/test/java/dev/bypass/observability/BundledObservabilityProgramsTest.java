package dev.bypass.observability;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.observability.agent.AgentSession;
import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.LoadedProgram;
import dev.bypass.programs.ProgramRuntime;
import dev.bypass.vm.exec.EngineKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The observability objects load, pass the verifier, and carry the program types their sections name. */
class BundledObservabilityProgramsTest {
    @ParameterizedTest
    @ValueSource(strings = {"query_telemetry", "ou_collector"})
    void verifiedUnderTheirTypes(String name) throws Exception {
        try (ProgramRuntime rt = ProgramRuntime.builder().types(ProbeTypes.all()).helpers(ObservabilityHelpers.registry())
                .engine(EngineKind.JIT).build()) {
            LoadedObject o = rt.load(name, AgentSession.bundled(name));
            assertFalse(o.programs().isEmpty());
            for (LoadedProgram p : o.programs()) {
                assertTrue(p.verified(), p + " verified");
                assertTrue(p.type() == ProbeTypes.METHOD || p.type() == ProbeTypes.PROBE, p + " has type " + p.type().name());
            }
        }
    }
}
