package dev.bypass.vm.helpers;

import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.maps.RingBuffer;

/**
 * Ring buffer records a thread reserved and has not yet submitted or discarded. The verifier proves every
 * reservation is released; this is the safety net when it is not (a program that stopped with an error, or one
 * run unverified): whoever ends the execution calls {@link #discardAll(ExecutionState)}, so a forgotten record
 * never blocks the consumer for good. Kept as an attachment of the {@link ExecutionState}.
 */
public final class RingReservations {
    private long[] pointers = new long[4];
    private int count;
    /** The state whose {@code heldResources} this keeps current (null for a throwaway instance). */
    private ExecutionState owner;

    static RingReservations of(HelperContext c) {
        RingReservations r = c.attachment(RingReservations.class);
        if (r == null && c instanceof ExecutionState st) {
            r = new RingReservations();
            r.owner = st;
            st.attach(RingReservations.class, r);
        }
        return r == null ? new RingReservations() : r;
    }

    void add(long p) {
        if (owner != null) owner.heldResources++;
        if (count == pointers.length) pointers = java.util.Arrays.copyOf(pointers, count * 2);
        pointers[count++] = p;
    }

    void remove(long p) {
        for (int i = count - 1; i >= 0; i--)
            if (pointers[i] == p) {
                pointers[i] = pointers[--count];
                if (owner != null) owner.heldResources--;
                return;
            }
    }

    /** Discards every record the state's thread still holds; returns how many there were. */
    public static int discardAll(ExecutionState state) {
        RingReservations r = state.attachment(RingReservations.class);
        if (r == null || r.count == 0) return 0;
        int n = r.count;
        for (int i = 0; i < n; i++) {
            RingBuffer rb = RingBuffer.ofRecord(r.pointers[i]);
            if (rb != null) rb.complete(r.pointers[i], true, 0);
        }
        r.count = 0;
        state.heldResources -= n;
        return n;
    }
}
