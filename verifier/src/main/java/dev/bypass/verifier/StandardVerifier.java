package dev.bypass.verifier;

import dev.bypass.vm.verification.ProgramVerifier;
import dev.bypass.vm.verification.VerificationException;
import dev.bypass.vm.verification.VerificationRequest;
import dev.bypass.vm.facts.ProgramFacts;

/**
 * The standard static verifier, registered with the runtime as its {@link ProgramVerifier} service. A program is
 * accepted only when every path was walked (or covered by a widened loop state) without finding an access outside
 * its region, a read of uninitialised state, an unchecked NULL, a leaked reference or a call that breaks a
 * helper's prototype, and every loop ends.
 */
public final class StandardVerifier implements ProgramVerifier {

    @Override public String name() { return "bypass static verifier"; }

    @Override public ProgramFacts verify(VerificationRequest request) {
        Result r = analyse(request, false);
        if (r.rejection() != null) throw VerificationException.rejected(request.programName(), r.rejection().message());
        return r.facts();
    }

    /** The outcome of one verification, for tools: the facts or the rejection, the work done, an optional log. */
    public record Result(ProgramFacts facts, Rejection rejection, long processedInstructions, long nanos, String log) {
        public boolean accepted() { return rejection == null; }
    }

    /** Verifies without throwing; {@code withLog} records the state before every processed instruction. */
    public static Result analyse(VerificationRequest request, boolean withLog) {
        Analyzer.Options d = Analyzer.Options.DEFAULT;
        return analyse(request, new Analyzer.Options(withLog, d.observer(), d.widening(), d.wideningAfter(), d.precision(), d.linuxUndefined()));
    }

    static Result analyse(VerificationRequest request, Analyzer.Options options) {
        Analyzer a = new Analyzer(request, options);
        long t0 = System.nanoTime();
        try {
            a.run();
            return new Result(new VerifiedFacts(a.facts), null, a.processed(), System.nanoTime() - t0, a.log == null ? null : a.log.toString());
        } catch (Analyzer.Reject e) {
            return new Result(null, e.rejection, a.processed(), System.nanoTime() - t0, a.log == null ? null : a.log.toString());
        } catch (StackOverflowError | RuntimeException e) {
            // A fault in the verifier itself never lets a program through.
            Rejection r = new Rejection(ErrorCode.INVALID_INSN, a.slot, null, null, "internal verifier error: " + e, "");
            return new Result(null, r, a.processed(), System.nanoTime() - t0, a.log == null ? null : a.log.toString());
        }
    }
}
