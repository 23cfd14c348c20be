/**
 * The program runtime: program types and their contexts, loading (verify, link, compile) and attaching programs to
 * hooks, and the bundled programs. The entry point of a host: {@link dev.bypass.programs.ProgramRuntime}.
 */
module dev.bypass.programs {
    requires transitive dev.bypass.vm;

    exports dev.bypass.programs;
    exports dev.bypass.programs.skeleton;

    uses dev.bypass.vm.verification.ProgramVerifier;
}
