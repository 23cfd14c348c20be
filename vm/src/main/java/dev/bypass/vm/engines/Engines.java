package dev.bypass.vm.engines;

import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.EngineKind;
import dev.bypass.vm.exec.Interpreter;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.facts.ProgramFacts;

/** Creates the engine of a given kind for a linked program. */
public final class Engines {
    private Engines() {}

    public static Engine create(LinkedProgram program, EngineKind kind, ProgramFacts facts) {
        return switch (kind) {
            case INTERPRETER -> new Interpreter(program);
            // never fail to run: the interpreter takes what the JIT declines, and the reason is logged
            case JIT -> dev.bypass.vm.jit.JitEngine.compileOrInterpret(program, facts);
            case AUTO -> new dev.bypass.vm.jit.AutoEngine(program, facts);
        };
    }
}
