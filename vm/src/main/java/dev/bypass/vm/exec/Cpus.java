package dev.bypass.vm.exec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The CPUs programs see: {@link #count()} cells, each the "CPU" of at most one running execution at a time, as a
 * Linux CPU runs one program at a time. Per-CPU maps keep one value per cell and a program's lookup sees its own
 * cell's, so plain (non-atomic) updates of per-CPU values stay exact however many threads run programs, and host
 * code reads every cell. {@code bpf_get_smp_processor_id} returns the cell.
 *
 * <p>An execution takes a cell at its first per-CPU access (or processor-id request) and gives it back when its
 * top-level run ends. Every thread has a home cell, handed out round robin when it first needs one, so threads
 * spread over the cells; taking it is one compare-and-set on a cache line of its own (no other cell's owner word
 * shares it), uncontended unless two threads with the same home run programs at the same moment, in which case the
 * later one takes another free cell and makes that its home. Only when every cell is taken does a thread wait, the
 * way a task waits for a CPU. Claims are per thread and re-entrant: a program started from inside another one's
 * helper on the same thread shares its cell, so a thread never waits while holding one (no deadlock).
 *
 * <p>The number of cells is the system property {@code bypass.cpus}, by default the available processors but at
 * least 16: more cells than cores, so that a thread descheduled while its program runs rarely makes another wait
 * (Linux never deschedules a running program; the JVM may).
 */
public final class Cpus {
    private Cpus() {}

    private static final int COUNT = Math.max(1, Integer.getInteger("bypass.cpus", Math.max(16, Runtime.getRuntime().availableProcessors())));
    /** Owner words, one per 128 bytes so that claiming one cell never touches another's cache line. */
    private static final int STRIDE = 16;
    private static final long[] OWNED = new long[COUNT * STRIDE];
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);
    private static final AtomicInteger NEXT_HOME = new AtomicInteger();
    private static final ThreadLocal<Claim> CLAIMS = ThreadLocal.withInitial(Claim::new);

    /** The number of cells: the range of processor ids and the number of values per key of per-CPU maps. */
    public static int count() { return COUNT; }

    /** One thread's claim: its home cell, the cell it holds (-1 when none) and how many nested holds it has. */
    static final class Claim {
        final Thread owner = Thread.currentThread();
        int home = -1;
        int cell = -1;
        int holds;
    }

    /** The calling thread's claim. */
    static Claim claim() { return CLAIMS.get(); }

    /** Takes a cell for {@code c}'s thread (re-entrant) and returns it; waits while every cell is taken. */
    static int acquire(Claim c) {
        if (c.holds++ > 0) return c.cell;
        if (c.home < 0) c.home = Math.floorMod(NEXT_HOME.getAndIncrement(), COUNT);
        for (int round = 0; ; round++) {
            for (int i = 0; i < COUNT; i++) {
                int cell = c.home + i < COUNT ? c.home + i : c.home + i - COUNT;
                int at = cell * STRIDE;
                if ((long) WORD.getOpaque(OWNED, at) == 0 && WORD.compareAndSet(OWNED, at, 0L, 1L)) {
                    c.home = cell;
                    c.cell = cell;
                    return cell;
                }
            }
            if (round < 64) Thread.onSpinWait();
            else if (round < 1024) Thread.yield();
            else LockSupport.parkNanos(50_000);
        }
    }

    /** Ends one hold of {@code c}; the cell is free again once the outermost hold ends. */
    static void release(Claim c) {
        if (c.holds == 0) throw new IllegalStateException("no CPU cell is held by this thread");
        if (--c.holds == 0) {
            WORD.setRelease(OWNED, c.cell * STRIDE, 0L);
            c.cell = -1;
        }
    }

    /** The calling thread's cell while it holds one, else its home cell (for code that runs outside programs). */
    public static int current() {
        Claim c = CLAIMS.get();
        if (c.cell >= 0) return c.cell;
        if (c.home < 0) c.home = Math.floorMod(NEXT_HOME.getAndIncrement(), COUNT);
        return c.home;
    }
}
