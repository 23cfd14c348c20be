package dev.bypass.vm.exec;

/**
 * Something that runs a {@link LinkedProgram}: the interpreter or JIT-compiled code. Thread-safe; all mutable state
 * lives in the {@link ExecutionState} passed in, which belongs to the calling thread.
 */
public interface Engine {
    LinkedProgram program();

    /** Runs the program from its first instruction with r1..r5 as given; returns r0. */
    default long execute(ExecutionState state, long r1, long r2, long r3, long r4, long r5) {
        state.beginExecution();
        try {
            return invoke(state, 0, 0, r1, r2, r3, r4, r5);
        } finally {
            state.endExecution();
        }
    }

    /**
     * Runs the subprogram starting at {@code slot} as if called at call depth {@code depth} (used for callbacks
     * such as the {@code loop} helper's); returns its r0.
     */
    long invoke(ExecutionState state, int slot, int depth, long r1, long r2, long r3, long r4, long r5);
}
