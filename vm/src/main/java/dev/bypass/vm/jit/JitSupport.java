package dev.bypass.vm.jit;

import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionException;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.memory.Memory;
import dev.bypass.vm.memory.MemoryFault;
import dev.bypass.vm.helpers.HelperException;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.helpers.HelperSpec;
import dev.bypass.vm.isa.AtomicOp;

/**
 * What compiled code calls for everything that is not a plain arithmetic or control-flow bytecode: checked memory
 * access (every address still goes through {@link Memory}), helpers, atomics, and the error paths. Each method
 * takes the instruction's slot so that failures name it exactly as the interpreter does. These are small static
 * methods, which C2 inlines into the compiled program.
 */
public final class JitSupport {
    private JitSupport() {}

    /** Unwinds every JVM frame of a compiled program when it ends early (tail call done, packet load out of range). */
    static final class ProgramReturn extends RuntimeException {
        final long r0;

        ProgramReturn(long r0) {
            super(null, null, false, false);
            this.r0 = r0;
        }
    }

    public static long load8(Memory m, long a, int slot) {
        try { return m.load8(a); } catch (MemoryFault f) { throw fault(slot, f); }
    }

    public static long load16(Memory m, long a, int slot) {
        try { return m.load16(a); } catch (MemoryFault f) { throw fault(slot, f); }
    }

    public static long load32(Memory m, long a, int slot) {
        try { return m.load32(a); } catch (MemoryFault f) { throw fault(slot, f); }
    }

    public static long load64(Memory m, long a, int slot) {
        try { return m.load64(a); } catch (MemoryFault f) { throw fault(slot, f); }
    }

    public static void store8(Memory m, long a, long v, int slot) {
        try { m.store8(a, v); } catch (MemoryFault f) { throw fault(slot, f); }
    }

    public static void store16(Memory m, long a, long v, int slot) {
        try { m.store16(a, v); } catch (MemoryFault f) { throw fault(slot, f); }
    }

    public static void store32(Memory m, long a, long v, int slot) {
        try { m.store32(a, v); } catch (MemoryFault f) { throw fault(slot, f); }
    }

    public static void store64(Memory m, long a, long v, int slot) {
        try { m.store64(a, v); } catch (MemoryFault f) { throw fault(slot, f); }
    }

    /** An atomic read-modify-write; returns the old value (the caller assigns it as the instruction says). */
    public static long atomicAdd64(Memory m, long a, long operand, int slot) {
        try {
            return m.atomicAdd64(a, operand);
        } catch (MemoryFault f) {
            throw fault(slot, f);
        }
    }

    /** {@link #atomicAdd64} where the verifier proved the address is in a map value ({@link Memory#sharedAtomicAdd64}). */
    public static long sharedAtomicAdd64(Memory m, long a, long operand, int slot) {
        try {
            return m.sharedAtomicAdd64(a, operand);
        } catch (MemoryFault f) {
            throw fault(slot, f);
        }
    }

    public static long atomic(Memory m, int imm, boolean wide, long a, long operand, long r0, int slot) {
        try {
            return m.atomic(AtomicOp.ofImm(imm), wide, a, operand, r0);
        } catch (MemoryFault f) {
            throw fault(slot, f);
        }
    }


    public static long helper(ExecutionState st, Engine self, HelperSpec spec, int slot, int depth, int baseDepth,
                              long r1, long r2, long r3, long r4, long r5) {
        long r0;
        try {
            r0 = spec.implementation().call(st, r1, r2, r3, r4, r5);
        } catch (RuntimeException e) {
            throw helperFailed(e, slot, spec.name());
        }
        afterHelper(st, self, depth, baseDepth);
        return r0;
    }

    /**
     * After a helper compiled code called through its implementation: a tail call it requested replaces the running
     * program (its r0 becomes the result), and the state is re-entered, as a helper may have run other code on it.
     */
    public static void afterHelper(ExecutionState st, Engine self, int depth, int baseDepth) {
        Engine tail = st.takeTailCall();
        // A successful tail call replaces the whole running program: its r0 is the result of this invocation.
        if (tail != null) throw new ProgramReturn(tail.invoke(st, 0, baseDepth, st.tailCallContext(), 0, 0, 0, 0));
        st.enter(self, depth);
    }

    /**
     * The error of a helper that failed at {@code slot}, worded as the interpreter words it; anything but a helper
     * error or a memory fault (a callback's own error, a host bug) is rethrown as it is.
     */
    public static ExecutionException helperFailed(RuntimeException e, int slot, String helper) {
        if (e instanceof MemoryFault) return new ExecutionException(ExecutionException.Kind.MEMORY_FAULT, slot, helper + ": " + e.getMessage());
        if (e instanceof HelperException) return new ExecutionException(ExecutionException.Kind.HELPER_ERROR, slot, helper + ": " + e.getMessage());
        throw e;
    }

    public static long callx(ExecutionState st, Engine self, HelperRegistry helpers, long id, int slot, int depth, int baseDepth,
                             long r1, long r2, long r3, long r4, long r5) {
        HelperSpec spec = id > 0 && id <= Integer.MAX_VALUE ? helpers.get((int) id) : null;
        if (spec == null) throw new ExecutionException(ExecutionException.Kind.UNKNOWN_HELPER, slot, "callx to unknown helper id " + id);
        return helper(st, self, spec, slot, depth, baseDepth, r1, r2, r3, r4, r5);
    }

    /**
     * Runs the function at {@code slot} in {@code interpreter} instead, for compiled code whose direct accesses cannot
     * be used in this call (the packet is not a whole heap array, or is read-only where the code writes it); the
     * state is re-entered for the compiled caller afterwards.
     */
    public static long interpret(Engine interpreter, ExecutionState st, Engine self, int slot, int depth,
                                 long r1, long r2, long r3, long r4, long r5) {
        long r0 = interpreter.invoke(st, slot, depth, r1, r2, r3, r4, r5);
        st.enter(self, depth);
        return r0;
    }

    /** A legacy packet load ({@link Memory#packetLoad}); outside the packet it ends the program with r0 = 0. */
    public static long packetLoad(Memory mem, int op, long srcValue, int imm) {
        long v = mem.packetLoad(op, srcValue, imm);
        if (v < 0) throw new ProgramReturn(0);
        return v;
    }

    /** The chunk of a split function that holds {@code slot}: the last chunk start at or before it. */
    public static int chunkIndex(int[] starts, int slot) {
        int i = java.util.Arrays.binarySearch(starts, slot);
        return i >= 0 ? i : -i - 2;
    }

    /** The index of the function starting at {@code entry}. */
    public static int functionIndex(int[] entries, int entry) {
        int i = java.util.Arrays.binarySearch(entries, entry);
        if (i < 0) throw new IllegalArgumentException("no function starts at slot " + entry);
        return i;
    }

    public static ExecutionException budget(ExecutionState st, int slot) {
        return new ExecutionException(ExecutionException.Kind.BUDGET_EXHAUSTED, slot,
                "program exceeded its budget of " + st.budgetLimit() + " back-edges and calls");
    }

    public static ExecutionException callDepth(int slot) {
        return new ExecutionException(ExecutionException.Kind.CALL_DEPTH, slot,
                "call depth exceeds " + dev.bypass.vm.isa.Registers.MAX_CALL_DEPTH + " frames");
    }

    public static ExecutionException fellOffEnd(int slot) {
        return new ExecutionException(ExecutionException.Kind.FELL_OFF_END, slot, "execution ran past the last instruction without exit");
    }

    private static ExecutionException fault(int slot, MemoryFault f) {
        return new ExecutionException(ExecutionException.Kind.MEMORY_FAULT, slot, f.getMessage());
    }
}
