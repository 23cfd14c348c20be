package dev.bypass.proxy.wire;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes all connections together may hold in messages being gathered whole: a decoder reserves a message's full
 * length when it starts gathering it and the reservation ends when the message is released. A reservation that does
 * not fit waits in line (its connection stops reading meanwhile), and is granted, in order, as others end. Every
 * holder owns its whole message's room before it reads on, so holders never wait on each other. Messages larger
 * than the whole budget can never be held: the decoder refuses them.
 */
public final class BufferBudget {
    private final long limit;
    private final AtomicLong held = new AtomicLong();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private final AtomicLong peak = new AtomicLong(), waits = new AtomicLong();

    private record Waiter(long bytes, Runnable granted) {}

    public BufferBudget(long limit) { this.limit = limit; }

    public long limit() { return limit; }

    /** Bytes held now. */
    public long held() { return held.get(); }

    /** The most bytes ever held at once. */
    public long peak() { return peak.get(); }

    /** Reservations that had to wait. */
    public long waits() { return waits.get(); }

    /** Reserves {@code bytes} now if they fit and nobody waits before; false otherwise. */
    public boolean tryReserve(long bytes) {
        synchronized (this) {
            if (!waiters.isEmpty()) return false; // first come, first served
            return take(bytes);
        }
    }

    /** Reserves {@code bytes} when they fit, then runs {@code granted} (on the releasing thread). */
    public void await(long bytes, Runnable granted) {
        synchronized (this) {
            if (waiters.isEmpty() && take(bytes)) {
                granted.run();
                return;
            }
            waits.incrementAndGet();
            waiters.add(new Waiter(bytes, granted));
        }
    }

    private boolean take(long bytes) {
        long now = held.get();
        if (now + bytes > limit) return false;
        held.addAndGet(bytes);
        peak.accumulateAndGet(now + bytes, Math::max);
        return true;
    }

    public void release(long bytes) {
        java.util.List<Runnable> granted = new java.util.ArrayList<>();
        synchronized (this) {
            held.addAndGet(-bytes);
            Waiter w;
            while ((w = waiters.peek()) != null && take(w.bytes())) {
                waiters.poll();
                granted.add(w.granted());
            }
        }
        for (Runnable r : granted) r.run();
    }
}
