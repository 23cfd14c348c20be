package dev.bypass.cli;

import dev.bypass.vm.exec.*;
import dev.bypass.vm.facts.ProgramFacts;
import dev.bypass.vm.isa.Program;
import picocli.CommandLine.Option;

/** Options shared by commands that run a program from assembly or bytecode. */
public final class EngineOptions {
    @Option(names = "--engine", description = "interpreter, jit or auto (default: ${DEFAULT-VALUE})", defaultValue = "interpreter")
    String engine;

    @Option(names = "--budget", description = "back-edges plus calls allowed per run (default: ${DEFAULT-VALUE})",
            defaultValue = "" + ExecutionState.DEFAULT_BUDGET)
    long budget;

    Engine engineFor(String name, Program program) { return engineFor(name, program, PseudoResolver.NONE); }

    Engine engineFor(String name, Program program, PseudoResolver resolver) {
        EngineKind kind;
        try {
            kind = EngineKind.parse(engine);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), 2);
        }
        LinkedProgram linked = LinkedProgram.link(name, program, dev.bypass.vm.helpers.MapHelpers.registry(), resolver);
        return Engines.create(linked, kind, ProgramFacts.NONE);
    }

    ExecutionState state() {
        if (budget <= 0) throw new CliException("--budget must be positive", 2);
        return new ExecutionState(budget);
    }

    /** Binds input memory (if any) and returns r1; r2 is its length. */
    static long bindMemory(ExecutionState state, byte[] memory) {
        if (memory == null || memory.length == 0) return 0;
        return state.memory().bind(Memory.DATA_REGION, Region.of("input", memory, true));
    }
}
