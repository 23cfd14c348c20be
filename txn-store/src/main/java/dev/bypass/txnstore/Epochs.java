package dev.bypass.txnstore;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Epoch-based reclamation of old versions. Every open transaction (and a running checkpoint) holds a slot with a
 * timestamp at or below its snapshot; the reclamation horizon is the minimum over held slots and the newest
 * visible timestamp. A version older than the newest version at or below the horizon can be reached by no
 * snapshot, present or future, and is cut from its chain.
 *
 * <p>Race-freedom: a transaction publishes {@code visible} (read once) in its slot before it reads {@code visible}
 * again for its snapshot. A reclaimer that missed the slot read the horizon before the slot was published, so the
 * horizon is at most the transaction's (later, larger) snapshot.
 */
final class Epochs {
    private static final long FREE = Long.MAX_VALUE;
    private final AtomicLongArray slots;

    Epochs(int capacity) {
        slots = new AtomicLongArray(capacity);
        for (int i = 0; i < capacity; i++) slots.set(i, FREE);
    }

    /** Claims a slot holding {@code ts}; returns its index. Spins only if every slot is held. */
    int enter(long ts) {
        int n = slots.length();
        int start = (int) (Thread.currentThread().threadId() * 7 % n);
        for (int spins = 0; ; spins++) {
            for (int i = 0; i < n; i++) {
                int s = (start + i) % n;
                if (slots.get(s) == FREE && slots.compareAndSet(s, FREE, ts)) return s;
            }
            if (spins > 100) Thread.yield();
            else Thread.onSpinWait();
        }
    }

    void exit(int slot) { slots.set(slot, FREE); }

    /** The oldest timestamp any holder may still read at; {@code visible} when no slot is held. */
    long horizon(long visible) {
        long min = visible;
        for (int i = 0, n = slots.length(); i < n; i++) min = Math.min(min, slots.get(i));
        return min;
    }

    int held() {
        int c = 0;
        for (int i = 0, n = slots.length(); i < n; i++) if (slots.get(i) != FREE) c++;
        return c;
    }
}
