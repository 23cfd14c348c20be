package dev.bypass.vm;

/**
 * Base of every error a user can cause with a program: bad bytecode or assembly, a failed load, a fault while
 * running. The message is one line that names what and where.
 */
public abstract class BpfException extends RuntimeException {
    protected BpfException(String message) { super(message, null, false, false); }

    protected BpfException(String message, Throwable cause) { super(message, cause, false, false); }
}
