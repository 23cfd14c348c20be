/**
 * The verifier's service interface: what a verifier is given ({@link dev.bypass.vm.verification.VerificationRequest}:
 * the program, its {@link dev.bypass.vm.verification.ProgramType}, maps, helpers and source lines), what it returns
 * (the facts it proved, {@link dev.bypass.vm.facts.ProgramFacts}) and how it refuses
 * ({@link dev.bypass.vm.verification.VerificationException}). The static verifier ({@code dev.bypass.verifier})
 * provides a {@link dev.bypass.vm.verification.ProgramVerifier} as a service, which the runtime finds with
 * {@link java.util.ServiceLoader}; neither depends on the other.
 */
package dev.bypass.vm.verification;
