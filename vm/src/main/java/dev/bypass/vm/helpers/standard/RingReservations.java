package dev.bypass.vm.helpers.standard;

import dev.bypass.vm.helpers.HelperContext;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.HeldResources;
import dev.bypass.vm.memory.Memory;
import dev.bypass.vm.maps.RingBuffer;

/**
 * Ring buffer records a thread's programs reserved and have not yet submitted or discarded: for each, the ring, the
 * record's host pointer, and the pointer the program holds (a region its {@link Memory} lends until the record is
 * completed, so a write after submit faults). The verifier proves every reservation is released; this is also the
 * safety net when it is not (a program that stopped with an error, or one run unverified): whoever ends the
 * execution calls {@link ExecutionState#releaseHeld()}, so a forgotten record never blocks the consumer for good.
 * Kept by the {@link ExecutionState}.
 */
final class RingReservations implements HeldResources {
    private RingBuffer[] rings = new RingBuffer[4];
    private long[] records = new long[4], lent = new long[4];
    private int count;
    /** The memory that lends the records to the programs. */
    private final Memory memory;

    private RingReservations(Memory memory) { this.memory = memory; }

    static RingReservations of(HelperContext c) {
        return c instanceof ExecutionState st ? st.held(RingReservations.class, s -> new RingReservations(s.memory()))
                : new RingReservations(c.memory());
    }

    /** Records a reservation; returns {@code lent}, the program's pointer to it. */
    long add(RingBuffer ring, long record, long lent) {
        if (count == records.length) {
            rings = java.util.Arrays.copyOf(rings, count * 2);
            records = java.util.Arrays.copyOf(records, count * 2);
            this.lent = java.util.Arrays.copyOf(this.lent, count * 2);
        }
        rings[count] = ring;
        records[count] = record;
        this.lent[count++] = lent;
        return lent;
    }

    /**
     * Submits or discards the record the program's pointer {@code lent} names and takes the lent region back; false
     * when {@code lent} is not the pointer of a record this thread holds.
     */
    boolean complete(Memory memory, long lent, boolean discard, long flags) {
        for (int i = count - 1; i >= 0; i--)
            if (this.lent[i] == lent) {
                memory.revoke(lent);
                rings[i].complete(records[i], discard, flags);
                count--;
                rings[i] = rings[count];
                records[i] = records[count];
                this.lent[i] = this.lent[count];
                rings[count] = null;
                return true;
            }
        return false;
    }

    /** Discards every record still held; returns how many there were. */
    @Override public int releaseAll() {
        int n = count;
        for (int i = 0; i < n; i++) {
            memory.revoke(lent[i]);
            rings[i].complete(records[i], true, 0);
            rings[i] = null;
        }
        count = 0;
        return n;
    }
}
