package dev.bypass.observability.agent;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.observability.ObservabilityHelpers;
import dev.bypass.observability.ProbeTypes;
import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.ProgramRuntime;
import dev.bypass.vm.verification.ProgramVerifier;
import org.junit.jupiter.api.Test;

/** What the agent finds programs read of a call, from their code and the verifier's facts. */
class ContextUseTest {
    static LoadedObject load(ProgramRuntime rt, String name, String resource) throws Exception {
        try (var in = ContextUseTest.class.getResourceAsStream(resource)) {
            return rt.load(name, in.readAllBytes());
        }
    }

    @Test void fieldsLoadedAndValuesAskedFor() throws Exception {
        try (ProgramRuntime rt = ProgramRuntime.builder().types(ProbeTypes.all()).helpers(ObservabilityHelpers.registry()).build()) {
            LoadedObject probe = load(rt, "t", "/bpf/method_probe.o");
            // on_enter: reads probe, nargs, flags and args[0]; copies argument 1 and the receiver
            assertEquals(new ContextUse(0b1, 0b10, false, false, true, false), ContextUse.of(probe.program("on_enter")));
            // on_exit: reads ret and elapsed_ns
            assertEquals(new ContextUse(0, 0, true, false, false, true), ContextUse.of(probe.program("on_exit")));

            LoadedObject telemetry = load(rt, "q", "/dev/bypass/observability/bpf/query_telemetry.o");
            assertEquals(new ContextUse(0, 0b1, false, false, false, false), ContextUse.of(telemetry.program("on_execute")), "the SQL");
            assertEquals(new ContextUse(0, 0, false, true, false, false), ContextUse.of(telemetry.program("on_status")), "the tag");
            assertEquals(new ContextUse(0, 0, false, false, false, true), ContextUse.of(telemetry.program("on_done")), "the time");
        }
    }

    @Test void unverifiedProgramsReadEverything() throws Exception {
        try (ProgramRuntime rt = ProgramRuntime.builder().types(ProbeTypes.all()).helpers(ObservabilityHelpers.registry())
                .verifier(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY).build()) {
            assertEquals(ContextUse.ALL, ContextUse.of(load(rt, "t", "/bpf/method_probe.o").program("on_exit")));
        }
    }
}
