package dev.bypass.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options of the commands that work on loaded objects kept in the state directory. */
final class StateOptions {
    @Option(names = "--state", paramLabel = "DIR", description = "state directory (default: $BYPASS_STATE or ~/.bypass/state)")
    Path state;

    @Option(names = "--json", description = "machine-readable output") boolean json;

    @Option(names = "--engine", description = "interpreter, jit or auto (default: ${DEFAULT-VALUE})", defaultValue = "interpreter")
    String engine;

    @Option(names = "--budget", description = "back-edges plus calls allowed per run (default: ${DEFAULT-VALUE})",
            defaultValue = "" + dev.bypass.vm.exec.ExecutionState.DEFAULT_BUDGET)
    long budget;

    StateStore open() throws java.io.IOException {
        return StateStore.open(state != null ? state : StateStore.defaultRoot(), engine, budget);
    }
}
