package dev.bypass.programs;

import dev.bypass.vm.verification.ProgramVerifier;
import dev.bypass.vm.verification.VerificationException;
import java.util.ServiceLoader;

/** Finds the standard verifier. */
public final class Verifiers {
    private Verifiers() {}

    /**
     * The verifier registered as a {@link ProgramVerifier} service (the {@code verifier} module provides one).
     * Fails when none is present rather than run programs unchecked.
     */
    public static ProgramVerifier standard() {
        for (ProgramVerifier v : ServiceLoader.load(ProgramVerifier.class)) return v;
        throw new VerificationException("no program verifier is available in this build; programs cannot be loaded "
                + "(tests may choose ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY explicitly)");
    }
}
