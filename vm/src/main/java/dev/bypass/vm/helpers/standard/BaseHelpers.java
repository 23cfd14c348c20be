package dev.bypass.vm.helpers.standard;

import dev.bypass.vm.helpers.HelperIds;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.helpers.Prototype;
import dev.bypass.vm.helpers.ReturnType;
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
                (c, a, b1, c1, d, e) -> c.cpu());
        b.register(HelperIds.GET_CURRENT_PID_TGID, "get_current_pid_tgid", noArgs,
                (c, a, b1, c1, d, e) -> (PID << 32) | (Thread.currentThread().threadId() & 0xffffffffL));
        return b;
    }
}
