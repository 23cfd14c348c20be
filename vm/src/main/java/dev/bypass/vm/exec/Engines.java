package dev.bypass.vm.exec;

import dev.bypass.vm.facts.ProgramFacts;

/** Creates the engine of a given kind for a linked program. */
public final class Engines {
    private Engines() {}

    public static Engine create(LinkedProgram program, EngineKind kind, ProgramFacts facts) {
        return switch (kind) {
            case INTERPRETER -> new Interpreter(program);
            case JIT, AUTO -> throw new LoadException("engine " + kind.name().toLowerCase(java.util.Locale.ROOT)
                    + " is not part of this build; use the interpreter");
        };
    }
}
