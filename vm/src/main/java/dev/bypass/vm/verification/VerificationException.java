package dev.bypass.vm.verification;

import dev.bypass.vm.BpfException;

/**
 * A program was rejected by the verifier; the message names the program, the instruction and, when known, the C
 * source line. {@link #reason()} is the verifier's own words, for tools that name the program themselves.
 */
public final class VerificationException extends BpfException {
    private final String reason;

    public VerificationException(String message) {
        super(message);
        this.reason = message;
    }

    /** The rejection {@code cause}, restated with where it happened (which program of which object). */
    public VerificationException(String message, VerificationException cause) {
        super(message, cause);
        this.reason = cause.reason;
    }

    private VerificationException(String message, String reason) {
        super(message);
        this.reason = reason;
    }

    /** The verifier rejected {@code program} for {@code reason}. */
    public static VerificationException rejected(String program, String reason) {
        return new VerificationException("program " + program + ": " + reason, reason);
    }

    /** Why the program was rejected, without which program it was. */
    public String reason() { return reason; }
}
