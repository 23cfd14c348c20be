package dev.bypass.vm.facts;

/**
 * Per-instruction results of verification that engines may use to drop checks. Defined here so that {@code vm}
 * never depends on the verifier: the verifier produces an implementation, the JIT consumes it. Without facts
 * ({@link #NONE}) every access stays checked.
 */
public interface ProgramFacts {
    /** True when the program passed verification; engines must ignore facts otherwise. */
    boolean verified();

    /** Whether the instruction at {@code slot} can execute (false for dead code). */
    boolean reachable(int slot);

    /** Proven state of register {@code reg} before the instruction at {@code slot}; null when unknown. */
    RegisterFact register(int slot, int reg);

    /** Proven facts about the memory access at {@code slot}; null when unknown or not an access. */
    AccessFact access(int slot);

    /**
     * True when no pointer into the stack frame of the function starting at {@code entrySlot} ever escapes
     * (stored to memory, passed to a helper or callee, or used with a variable offset), so every stack access in it
     * is at a constant offset from r10 and a JIT may keep the slots in JVM locals.
     */
    boolean stackConfined(int entrySlot);

    /**
     * True when the program may read stack bytes it did not write in the same run (the verifier allows it to programs
     * of Linux types, as privileged Linux does): the runtime then clears the stack before every run, so that no run
     * sees what an earlier one, of this program or another, left there.
     */
    default boolean readsUnwrittenStack() { return false; }

    ProgramFacts NONE = new ProgramFacts() {
        @Override public boolean verified() { return false; }
        @Override public boolean reachable(int slot) { return true; }
        @Override public RegisterFact register(int slot, int reg) { return null; }
        @Override public AccessFact access(int slot) { return null; }
        @Override public boolean stackConfined(int entrySlot) { return false; }
    };
}
