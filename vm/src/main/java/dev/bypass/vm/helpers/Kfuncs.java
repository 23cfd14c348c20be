package dev.bypass.vm.helpers;

import dev.bypass.vm.memory.Memory;
import java.util.Collection;
import java.util.List;

/**
 * The kernel functions (kfuncs) this runtime provides to programs: Linux's open-coded number iterator
 * ({@code bpf_iter_num_new}, {@code bpf_iter_num_next}, {@code bpf_iter_num_destroy}), which libbpf's
 * {@code bpf_for}/{@code bpf_repeat} loops are made of.
 *
 * <p>A program calls a kfunc with {@code call} and source 2 ({@code BPF_PSEUDO_KFUNC_CALL}) and the kfunc's id in
 * the immediate. Linux's ids are BTF ids of one running kernel; this runtime's are its own ({@link #ITER_NUM_NEW}...),
 * which the object loader fills in from the extern symbol a call is relocated against, as libbpf does from the
 * kernel's BTF. The verifier models each kfunc by id (an iterator is a state of its stack slot); the prototypes here
 * only describe the registers for tools.
 *
 * <p>An iterator is 8 bytes of the program's stack holding two 32-bit numbers, the last value handed out and the end
 * of the range (Linux's {@code struct bpf_iter_num}); the pointer {@code bpf_iter_num_next} returns points at the
 * first of them.
 */
public final class Kfuncs {
    private Kfuncs() {}

    /** Ids start far above Linux's helper ids, so that no kfunc is ever taken for a helper. */
    public static final int ITER_NUM_NEW = 1 << 20, ITER_NUM_NEXT = ITER_NUM_NEW + 1, ITER_NUM_DESTROY = ITER_NUM_NEW + 2;
    /** The longest range an iterator may cover (Linux's {@code BPF_MAX_LOOPS}). */
    public static final long MAX_ITERATIONS = 8L * 1024 * 1024;
    private static final long EINVAL = 22, E2BIG = 7;

    private static final HelperRegistry ALL = HelperRegistry.builder()
            .register(ITER_NUM_NEW, "bpf_iter_num_new", Prototype.of(ReturnType.INTEGER, ArgType.ANYTHING, ArgType.ANYTHING, ArgType.ANYTHING),
                    (ctx, it, start, end, r4, r5) -> numNew(ctx.memory(), it, (int) start, (int) end))
            .register(ITER_NUM_NEXT, "bpf_iter_num_next", Prototype.of(ReturnType.INTEGER, ArgType.ANYTHING),
                    (ctx, it, r2, r3, r4, r5) -> numNext(ctx.memory(), it))
            .register(ITER_NUM_DESTROY, "bpf_iter_num_destroy", Prototype.of(ReturnType.VOID, ArgType.ANYTHING),
                    (ctx, it, r2, r3, r4, r5) -> {
                        ctx.memory().store64(it, 0);
                        return 0;
                    })
            .build();

    /** The kfunc with this id, or null. */
    public static HelperSpec get(int id) { return ALL.get(id); }

    /** The kfunc of this name (as C declares it), or null. */
    public static HelperSpec named(String name) {
        for (HelperSpec k : ALL.all()) if (k.name().equals(name)) return k;
        return null;
    }

    public static Collection<HelperSpec> all() { return ALL.all(); }

    /** The names of the kfuncs, for messages. */
    public static List<String> names() { return ALL.all().stream().map(HelperSpec::name).toList(); }

    /**
     * Starts an iterator over [start, end): 0, or -EINVAL when start > end and -E2BIG for a range longer than
     * {@link #MAX_ITERATIONS}; a failed iterator is empty (its first next returns NULL) and must still be destroyed.
     */
    private static long numNew(Memory m, long it, int start, int end) {
        if (start > end) return empty(m, it, -EINVAL);
        if ((long) end - start > MAX_ITERATIONS) return empty(m, it, -E2BIG);
        m.store32(it, start - 1); // next hands out one more than the last value
        m.store32(it + 4, end);
        return 0;
    }

    private static long empty(Memory m, long it, long error) {
        m.store64(it, 0);
        return error;
    }

    /** The next value's address (the iterator's own first word), or 0 when the range is exhausted. */
    private static long numNext(Memory m, long it) {
        int last = (int) m.load32(it), end = (int) m.load32(it + 4);
        if ((long) last + 1 >= end) return empty(m, it, 0);
        m.store32(it, last + 1);
        return it;
    }
}
