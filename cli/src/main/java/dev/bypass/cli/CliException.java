package dev.bypass.cli;

/** A usage or input error detected by a command: printed as one line, with the given exit code. */
public final class CliException extends RuntimeException {
    private final int exitCode;

    public CliException(String message) { this(message, 2); }

    public CliException(String message, int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    public int exitCode() { return exitCode; }
}
