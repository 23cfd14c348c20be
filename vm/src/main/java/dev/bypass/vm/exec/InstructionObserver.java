package dev.bypass.vm.exec;

/**
 * Sees the machine before every instruction the interpreter executes: the slot, the registers of the running
 * frame (r0-r10; the array is the interpreter's own, read it, do not keep it) and the call depth. For checking
 * tools only (the verifier's state-embedding test); the interpreter tests for one once per run, so an execution
 * without an observer pays nothing per instruction.
 */
@FunctionalInterface
public interface InstructionObserver {
    void before(int slot, long[] registers, int depth);
}
