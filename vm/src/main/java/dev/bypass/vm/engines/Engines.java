package dev.bypass.vm.engines;

import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.EngineKind;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.Interpreter;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.facts.ProgramFacts;

/** Creates the engine of a given kind for a linked program. */
public final class Engines {
    private Engines() {}

    public static Engine create(LinkedProgram program, EngineKind kind, ProgramFacts facts) {
        Engine engine = switch (kind) {
            case INTERPRETER -> new Interpreter(program);
            // never fail to run: the interpreter takes what the JIT declines, and the reason is logged
            case JIT -> dev.bypass.vm.jit.JitEngine.compileOrInterpret(program, facts);
            case AUTO -> new dev.bypass.vm.jit.AutoEngine(program, facts);
        };
        return facts.verified() && facts.readsUnwrittenStack() ? new ClearedStack(engine) : engine;
    }

    /**
     * Runs a program that may read stack bytes it did not write ({@link ProgramFacts#readsUnwrittenStack}) on a
     * cleared stack, so that it reads zeros, never what an earlier run on the thread left there.
     */
    private record ClearedStack(Engine inner) implements Engine {
        @Override public LinkedProgram program() { return inner.program(); }

        @Override public long execute(ExecutionState state, long r1, long r2, long r3, long r4, long r5) {
            state.beginExecution();
            try {
                if (!state.nested()) state.memory().clearStack();
                return inner.invoke(state, 0, 0, r1, r2, r3, r4, r5);
            } finally {
                state.endExecution();
            }
        }

        @Override public long invoke(ExecutionState state, int slot, int depth, long r1, long r2, long r3, long r4, long r5) {
            return inner.invoke(state, slot, depth, r1, r2, r3, r4, r5);
        }
    }
}
