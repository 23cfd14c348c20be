/**
 * The static verifier: proves programs safe before they load, and hands the JIT what it proved. Hosts reach it as
 * the {@link dev.bypass.vm.verification.ProgramVerifier} service the runtime finds by itself.
 */
module dev.bypass.verifier {
    requires transitive dev.bypass.vm;

    exports dev.bypass.verifier;

    provides dev.bypass.vm.verification.ProgramVerifier with dev.bypass.verifier.StandardVerifier;
}
