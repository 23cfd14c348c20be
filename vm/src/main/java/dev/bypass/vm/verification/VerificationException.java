package dev.bypass.vm.verification;

import dev.bypass.vm.BpfException;

/** A program was rejected by the verifier; the message names the instruction and, when known, the C source line. */
public final class VerificationException extends BpfException {
    public VerificationException(String message) { super(message); }
}
