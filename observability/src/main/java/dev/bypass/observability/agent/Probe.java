package dev.bypass.observability.agent;

import dev.bypass.observability.ProbeTypes;
import dev.bypass.programs.Hook;
import dev.bypass.vm.verification.ProgramType;

/**
 * What one attach point does when its method runs: the programs at entry and exit, what they read of the call
 * ({@link ContextUse}, settled before the method is instrumented), and for file opens the java.io or NIO class
 * whose open this is.
 */
final class Probe {
    final int id;
    final String where;
    final Hook<byte[]> entry, exit;
    volatile String denyWith;
    /** For file opens: the class whose open method this is; null for method probes. */
    final String fileMethod;
    private ContextUse entryUse = ContextUse.NONE, exitUse = ContextUse.NONE;

    /** A method probe, or, with {@code fileMethod} set, a file-open probe running programs of {@code entryType}. */
    Probe(int id, String where, ProgramType entryType, String fileMethod) {
        this.id = id;
        this.where = where;
        this.entry = new Hook<>(where + " entry", entryType, b -> b);
        this.exit = new Hook<>(where + " exit", ProbeTypes.METHOD, b -> b);
        this.fileMethod = fileMethod;
    }

    boolean fileOpen() { return fileMethod != null; }

    /** Settles what the attached programs read; called once every program is attached. */
    void settle() {
        // file-open programs see an open_request the agent builds from the path (argument 0) and mode (argument 1)
        entryUse = fileOpen() ? new ContextUse(0b10, 0b1, false, false, false, false) : ContextUse.of(entry.programs());
        exitUse = ContextUse.of(exit.programs());
    }

    ContextUse entryUse() { return entryUse; }

    ContextUse exitUse() { return exitUse; }

    boolean hasEntry() { return !entry.isEmpty(); }

    boolean hasExit() { return !exit.isEmpty(); }
}
