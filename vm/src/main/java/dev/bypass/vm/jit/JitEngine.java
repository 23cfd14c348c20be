package dev.bypass.vm.jit;

import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionException;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.Interpreter;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.facts.ProgramFacts;

/** A program compiled to JVM bytecode by {@link JitCompiler}. */
public final class JitEngine implements Engine {
    private final LinkedProgram program;
    private final JitCompiler.Compiled compiled;

    JitEngine(LinkedProgram program, JitCompiler.Compiled compiled) {
        this.program = program;
        this.compiled = compiled;
    }

    /** Compiles {@code program}; throws {@link JitCompiler.Unsupported} when only the interpreter can run it. */
    public static JitEngine compile(LinkedProgram program) throws JitCompiler.Unsupported {
        return compile(program, ProgramFacts.NONE);
    }

    /** Compiles {@code program} using what its verification proved ({@link JitCompiler#compile(LinkedProgram, ProgramFacts)}). */
    public static JitEngine compile(LinkedProgram program, ProgramFacts facts) throws JitCompiler.Unsupported {
        return new JitEngine(program, JitCompiler.compile(program, facts));
    }

    /**
     * Compiles {@code program}, or runs it in the interpreter when the JIT declines it (too large for its budget, or
     * a shape it cannot express); the reason is logged ({@code System.Logger} {@value #LOGGER}, level INFO).
     */
    public static Engine compileOrInterpret(LinkedProgram program, ProgramFacts facts) {
        try {
            return compile(program, facts);
        } catch (JitCompiler.Unsupported e) {
            logFallback(program, e);
            return new Interpreter(program);
        }
    }

    /** The logger that names programs the JIT left to the interpreter, and why. */
    public static final String LOGGER = "dev.bypass.vm.jit";

    static void logFallback(LinkedProgram program, JitCompiler.Unsupported why) {
        System.getLogger(LOGGER).log(System.Logger.Level.INFO,
                () -> "program " + program.name() + " runs in the interpreter: the JIT declined it: " + why.getMessage());
    }

    /** Compiles {@code program} with functions longer than {@code chunkSlots} split into chunks (for tests and tuning). */
    public static JitEngine compileSplit(LinkedProgram program, int chunkSlots) throws JitCompiler.Unsupported {
        return new JitEngine(program, JitCompiler.compile(program, ProgramFacts.NONE, chunkSlots));
    }

    @Override public LinkedProgram program() { return program; }

    @Override
    public long invoke(ExecutionState st, int slot, int depth, long r1, long r2, long r3, long r4, long r5) {
        st.enter(this, depth);
        try {
            return compiled.run(this, st, st.memory(), slot, depth, r1, r2, r3, r4, r5);
        } catch (JitSupport.ProgramReturn r) {
            return r.r0;
        } catch (ArrayIndexOutOfBoundsException e) {
            // Only a stack access the verifier wrongly proved in range gets here; the JVM's index check stopped it.
            throw new ExecutionException(ExecutionException.Kind.MEMORY_FAULT, -1, "stack access outside the stack (" + e.getMessage() + ")");
        }
    }
}
