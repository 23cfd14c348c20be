package dev.bypass.vm.verification;

import dev.bypass.vm.facts.ProgramFacts;

/**
 * The verification step of the pipeline, as a service: the static verifier (module {@code bypass.verifier})
 * provides one, which the runtime ({@code bypass.programs}) finds through {@link java.util.ServiceLoader}; a
 * runtime is built with exactly one. {@link #UNVERIFIED_FOR_TESTS_ONLY} runs programs unchecked: it exists for
 * tests of other layers, is named so that nobody uses it by accident, and marks every program it passes as
 * unverified (facts whose {@code verified()} is false).
 */
public interface ProgramVerifier {
    /** Checks a program; returns what was proven (facts with {@code verified() == true}) or throws {@link VerificationException}. */
    ProgramFacts verify(VerificationRequest request);

    String name();

    ProgramVerifier UNVERIFIED_FOR_TESTS_ONLY = new ProgramVerifier() {
        @Override public ProgramFacts verify(VerificationRequest request) { return ProgramFacts.NONE; }

        @Override public String name() { return "unverified (test-only)"; }
    };
}
