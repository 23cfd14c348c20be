package dev.bypass.vm.helpers;


import java.util.concurrent.ThreadLocalRandom;

/** Helpers that need nothing but the JVM: clocks, random numbers, processor and process ids. */
public final class BaseHelpers {
    private BaseHelpers() {}

    private static final long PID = ProcessHandle.current().pid();

    public static HelperRegistry registry() { return register(HelperRegistry.builder()).build(); }

    public static HelperRegistry.Builder register(HelperRegistry.Builder b) {
        Prototype noArgs = Prototype.of(ReturnType.INTEGER);
        b.register(HelperIds.KTIME_GET_NS, "ktime_get_ns", noArgs, (c, a, b1, c1, d, e) -> System.nanoTime());
        // The JVM has one clock that counts through suspend as well as any: boot time is monotonic time here.
        b.register(HelperIds.KTIME_GET_BOOT_NS, "ktime_get_boot_ns", noArgs, (c, a, b1, c1, d, e) -> System.nanoTime());
        b.register(HelperIds.GET_PRANDOM_U32, "get_prandom_u32", noArgs,
                (c, a, b1, c1, d, e) -> ThreadLocalRandom.current().nextInt() & 0xffffffffL);
        b.register(HelperIds.GET_SMP_PROCESSOR_ID, "get_smp_processor_id", noArgs,
                (c, a, b1, c1, d, e) -> processorId());
        b.register(HelperIds.GET_CURRENT_PID_TGID, "get_current_pid_tgid", noArgs,
                (c, a, b1, c1, d, e) -> (PID << 32) | (Thread.currentThread().threadId() & 0xffffffffL));
        return b;
    }

    /**
     * The CPU id as programs see it: the slot index per-CPU maps use. A thread that holds a processor
     * ({@link #claimProcessor()}) gets that slot, which no other thread uses meanwhile, so per-CPU values have one
     * writer at a time, as on Linux where a CPU runs one program at a time. Other threads map to
     * {@code threadId % cpuCount()}, which threads may share.
     */
    public static int processorId() {
        Claim c = CLAIM.get();
        return c.slot >= 0 ? c.slot : (int) (Thread.currentThread().threadId() % CPUS);
    }

    /** The number of per-CPU slots: the processors available when the JVM started (asking each time is slow). */
    public static int cpuCount() { return CPUS; }

    private static final int CPUS = Runtime.getRuntime().availableProcessors();
    private static final java.util.concurrent.atomic.AtomicIntegerArray OWNED = new java.util.concurrent.atomic.AtomicIntegerArray(CPUS);
    private static final ThreadLocal<Claim> CLAIM = ThreadLocal.withInitial(Claim::new);

    private static final class Claim {
        int slot = -1;
        int holds;
    }

    /**
     * Takes a processor slot for the calling thread until the matching {@link #releaseProcessor()}, waiting while
     * all are taken (the way a program waits for a CPU). Re-entrant: nested claims on one thread share the slot.
     * Runtimes call this around executions of programs that use per-CPU maps.
     */
    public static void claimProcessor() {
        Claim c = CLAIM.get();
        if (c.holds++ > 0) return;
        int start = (int) (Thread.currentThread().threadId() % CPUS);
        for (int spins = 0; ; spins++) {
            for (int i = 0; i < CPUS; i++) {
                int s = (start + i) % CPUS;
                if (OWNED.get(s) == 0 && OWNED.compareAndSet(s, 0, 1)) {
                    c.slot = s;
                    return;
                }
            }
            if (spins < 100) Thread.onSpinWait();
            else Thread.yield();
        }
    }

    /** Gives back the slot taken by {@link #claimProcessor()} once the outermost claim ends. */
    public static void releaseProcessor() {
        Claim c = CLAIM.get();
        if (c.holds == 0) throw new IllegalStateException("releaseProcessor without claimProcessor");
        if (--c.holds == 0) {
            OWNED.set(c.slot, 0);
            c.slot = -1;
        }
    }
}
