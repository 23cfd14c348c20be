package dev.bypass.vm.helpers;

import dev.bypass.vm.BpfException;

/** A helper refused its arguments in a way that must stop the program (not an error code returned in r0). */
public final class HelperException extends BpfException {
    public HelperException(String message) { super(message); }
}
