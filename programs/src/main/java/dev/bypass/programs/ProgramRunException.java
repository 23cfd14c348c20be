package dev.bypass.programs;

import dev.bypass.vm.BpfException;
import dev.bypass.vm.exec.ExecutionException;

/** A program stopped with an error while running; names the program, instruction and C source line when known. */
public final class ProgramRunException extends BpfException {
    private final transient ExecutionException cause;

    ProgramRunException(String message, ExecutionException cause) {
        super(message, cause);
        this.cause = cause;
    }

    public ExecutionException.Kind kind() { return cause.kind(); }

    public int pc() { return cause.pc(); }
}
