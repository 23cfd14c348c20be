package dev.bypass.programs;

import dev.bypass.vm.verification.ProgramVerifier;

/** The runtime tests use. */
final class TestRuntimes {
    private TestRuntimes() {}

    static ProgramRuntime runtime() {
        return ProgramRuntime.builder().verifier(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY).types(BundledPrograms.types()).build();
    }
}
