package dev.bypass.vm.jit;

import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.LinkedProgram;

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
        return new JitEngine(program, JitCompiler.compile(program));
    }

    @Override public LinkedProgram program() { return program; }

    @Override
    public long invoke(ExecutionState st, int slot, int depth, long r1, long r2, long r3, long r4, long r5) {
        st.enter(this, depth);
        try {
            return compiled.run(this, st, st.memory(), slot, depth, r1, r2, r3, r4, r5);
        } catch (JitSupport.ProgramReturn r) {
            return r.r0;
        }
    }
}
