package dev.bypass.vm.jit;

import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.Interpreter;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.facts.ProgramFacts;

/**
 * Interprets a program until it has run {@link #THRESHOLD} times, then compiles it (once, on the thread that
 * crossed the threshold) and runs the compiled code from then on; a program the JIT cannot express stays
 * interpreted.
 */
public final class AutoEngine implements Engine {
    static final int THRESHOLD = 1_000;
    private final LinkedProgram program;
    private final ProgramFacts facts;
    private final Interpreter interpreter;
    private volatile Engine compiled;
    private int runs; // racy on purpose: an approximate count is enough
    private volatile boolean gaveUp;
    private volatile String fallbackReason;

    public AutoEngine(LinkedProgram program) { this(program, ProgramFacts.NONE); }

    public AutoEngine(LinkedProgram program, ProgramFacts facts) {
        this.program = program;
        this.facts = facts;
        this.interpreter = new Interpreter(program);
    }

    @Override public LinkedProgram program() { return program; }

    /** The engine currently used: the interpreter, or the compiled code once the program is hot. */
    public Engine current() {
        Engine c = compiled;
        return c != null ? c : interpreter;
    }

    /** Why the JIT declined the program (it stays interpreted), or null while it is not known to have. */
    public String fallbackReason() { return fallbackReason; }

    @Override
    public long invoke(ExecutionState st, int slot, int depth, long r1, long r2, long r3, long r4, long r5) {
        Engine c = compiled;
        if (c == null && !gaveUp && ++runs >= THRESHOLD) c = compileNow();
        return (c != null ? c : interpreter).invoke(st, slot, depth, r1, r2, r3, r4, r5);
    }

    private synchronized Engine compileNow() {
        if (compiled != null || gaveUp) return compiled;
        try {
            compiled = JitEngine.compile(program, facts);
        } catch (JitCompiler.Unsupported e) {
            fallbackReason = e.getMessage();
            JitEngine.logFallback(program, e);
            gaveUp = true;
        }
        return compiled;
    }
}
