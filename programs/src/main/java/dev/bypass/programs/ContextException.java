package dev.bypass.programs;

import dev.bypass.vm.BpfException;

/** The context given to a program does not fit its program type's layout. */
public final class ContextException extends BpfException {
    public ContextException(String message) { super(message); }
}
