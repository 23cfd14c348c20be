package dev.bypass.vm.jit;

import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionException;
import dev.bypass.vm.exec.ExecutionState;
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
