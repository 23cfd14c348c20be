package dev.bypass.vm.helpers.standard;

import dev.bypass.vm.helpers.ArgType;
import dev.bypass.vm.helpers.Helper;
import dev.bypass.vm.helpers.HelperContext;
import dev.bypass.vm.helpers.HelperException;
import dev.bypass.vm.helpers.HelperIds;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.helpers.Prototype;
import dev.bypass.vm.helpers.ReturnType;
import dev.bypass.vm.helpers.TraceSink;
import static dev.bypass.vm.helpers.ArgType.*;

import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.memory.Memory;
import dev.bypass.vm.memory.Pointers;
import dev.bypass.vm.maps.BpfMap;
import dev.bypass.vm.maps.Errno;
import dev.bypass.vm.maps.ProgramArray;
import dev.bypass.vm.maps.QueueMap;
import dev.bypass.vm.maps.RingBuffer;
import dev.bypass.vm.exec.Engine;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * The Linux helpers that work on maps and on the execution itself: map lookup/update/delete, queue and stack
 * push/pop/peek, ring buffer output/reserve/submit/discard/query, {@code tail_call}, {@code loop},
 * {@code spin_lock}/{@code spin_unlock} and {@code trace_printk}. Ids, prototypes and return values follow Linux
 * (0 or a negated errno). Map arguments are handles ({@link BpfMap#handle()}); a value that is not one stops the
 * program with a {@link HelperException}.
 *
 * <p>{@link #registry()} is the standard set (these plus {@link BaseHelpers}). A host adds its own helpers with
 * {@code MapHelpers.registry().toBuilder().register(id, name, prototype, impl).build()}, ids from
 * {@link HelperRegistry#FIRST_HOST_ID}; the prototype is what the verifier checks call sites against.
 */
public final class MapHelpers {
    private MapHelpers() {}

    /** Linux's BPF_MAX_LOOPS. */
    public static final long MAX_LOOPS = 1 << 23;
    /** How long spin_lock spins before it gives up on a lock that is never released (a program bug). */
    private static final long SPIN_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** Built on first use, after this class's helper implementations exist. */
    private static final class Standard {
        static final HelperRegistry REGISTRY = CompatHelpers.register(register(BaseHelpers.register(HelperRegistry.builder()))).build();
    }

    /** Base helpers plus map, ring buffer, tail call, loop, lock and trace helpers, and {@link CompatHelpers}. */
    public static HelperRegistry registry() { return Standard.REGISTRY; }

    public static HelperRegistry.Builder register(HelperRegistry.Builder b) {
        b.register(HelperIds.MAP_LOOKUP_ELEM, "map_lookup_elem",
                Prototype.of(ReturnType.PTR_TO_MAP_VALUE_OR_NULL, CONST_MAP_PTR, PTR_TO_MAP_KEY), LOOKUP);
        b.register(HelperIds.MAP_UPDATE_ELEM, "map_update_elem",
                Prototype.of(ReturnType.INTEGER, CONST_MAP_PTR, PTR_TO_MAP_KEY, PTR_TO_MAP_VALUE, ANYTHING), UPDATE);
        b.register(HelperIds.MAP_DELETE_ELEM, "map_delete_elem",
                Prototype.of(ReturnType.INTEGER, CONST_MAP_PTR, PTR_TO_MAP_KEY), DELETE);
        b.register(HelperIds.MAP_PUSH_ELEM, "map_push_elem",
                Prototype.of(ReturnType.INTEGER, CONST_MAP_PTR, PTR_TO_MAP_VALUE, ANYTHING),
                (c, map, value, flags, y, z) -> {
                    if (!(MapArgs.map(c, map) instanceof QueueMap q)) return -Errno.EINVAL;
                    return q.push(c.memory().slice(value, q.spec().valueSize(), false), flags);
                });
        b.register(HelperIds.MAP_POP_ELEM, "map_pop_elem",
                Prototype.of(ReturnType.INTEGER, CONST_MAP_PTR, PTR_TO_UNINIT_MAP_VALUE),
                (c, map, value, x, y, z) -> take(c, map, value, true));
        b.register(HelperIds.MAP_PEEK_ELEM, "map_peek_elem",
                Prototype.of(ReturnType.INTEGER, CONST_MAP_PTR, PTR_TO_UNINIT_MAP_VALUE),
                (c, map, value, x, y, z) -> take(c, map, value, false));
        b.register(HelperIds.RINGBUF_OUTPUT, "ringbuf_output",
                Prototype.of(ReturnType.INTEGER, CONST_MAP_PTR, PTR_TO_MEM, CONST_SIZE_OR_ZERO, ANYTHING), RINGBUF_OUTPUT);
        b.register(HelperIds.RINGBUF_RESERVE, "ringbuf_reserve",
                Prototype.of(ReturnType.PTR_TO_ALLOC_MEM_OR_NULL, CONST_MAP_PTR, CONST_ALLOC_SIZE_OR_ZERO, ANYTHING), RINGBUF_RESERVE);
        b.register(HelperIds.RINGBUF_SUBMIT, "ringbuf_submit",
                Prototype.of(ReturnType.VOID, PTR_TO_ALLOC_MEM_RELEASE, ANYTHING), RINGBUF_SUBMIT);
        b.register(HelperIds.RINGBUF_DISCARD, "ringbuf_discard",
                Prototype.of(ReturnType.VOID, PTR_TO_ALLOC_MEM_RELEASE, ANYTHING), RINGBUF_DISCARD);
        b.register(HelperIds.RINGBUF_QUERY, "ringbuf_query",
                Prototype.of(ReturnType.INTEGER, CONST_MAP_PTR, ANYTHING),
                (c, map, flags, x, y, z) -> ring(c, map).query(flags));
        b.register(HelperIds.PERF_EVENT_OUTPUT, "perf_event_output",
                Prototype.of(ReturnType.INTEGER, PTR_TO_CTX, CONST_MAP_PTR, ANYTHING, PTR_TO_MEM, CONST_SIZE_OR_ZERO),
                (c, ctx, map, flags, data, size) -> {
                    if (!(MapArgs.map(c, map) instanceof dev.bypass.vm.maps.PerfEventArray pa)) return -Errno.EINVAL;
                    if ((flags >>> 32) != 0) return -Errno.EINVAL; // appending context bytes (BPF_F_CTXLEN_MASK) is not supported
                    return pa.output(flags & 0xffffffffL, c.cpu(), c.memory().slice(data, size, false));
                });
        b.register(HelperIds.TAIL_CALL, "tail_call", Prototype.of(ReturnType.VOID, PTR_TO_CTX, CONST_MAP_PTR, ANYTHING),
                (c, ctx, map, index, y, z) -> {
                    if (!(MapArgs.map(c, map) instanceof ProgramArray pa)) throw new HelperException("tail_call: map is not a program array");
                    Engine target = pa.get(index & 0xffffffffL);
                    if (target == null) return -Errno.ENOENT;
                    if (!(c instanceof ExecutionState st)) throw new HelperException("tail_call outside an execution");
                    return st.requestTailCall(target, ctx) ? 0 : -Errno.E2BIG;
                });
        b.register(HelperIds.LOOP, "loop", Prototype.of(ReturnType.INTEGER, ANYTHING, PTR_TO_FUNC, PTR_TO_STACK_OR_NULL, ANYTHING),
                (c, n, fn, ctx, flags, z) -> {
                    if (flags != 0) return -Errno.EINVAL;
                    if (Long.compareUnsigned(n, MAX_LOOPS) > 0) return -Errno.E2BIG;
                    if (!(c instanceof ExecutionState st)) throw new HelperException("loop outside an execution");
                    for (long i = 0; i < n; i++) {
                        // Each iteration counts against the run's budget like a back-edge, so nested loops cannot
                        // keep a host thread busy for hours.
                        st.chargeBudget("loop");
                        long ret = st.callback(fn, i, ctx, 0, 0, 0);
                        if (ret == 1) return i + 1;
                        if (ret != 0) throw new HelperException("loop callback returned " + ret + " (must be 0 or 1)");
                    }
                    return n;
                });
        b.register(HelperIds.SPIN_LOCK, "spin_lock", Prototype.of(ReturnType.VOID, PTR_TO_SPIN_LOCK),
                (c, lock, x, y, z, w) -> {
                    Memory mem = c.memory();
                    checkLock(mem, lock);
                    long start = 0;
                    for (int spins = 0; mem.atomic(dev.bypass.vm.isa.AtomicOp.CMPXCHG, false, lock, 1, 0) != 0; spins++) {
                        if (start == 0) start = System.nanoTime();
                        else if (System.nanoTime() - start > SPIN_LIMIT_NANOS)
                            throw new HelperException("spin_lock: lock at 0x" + Long.toHexString(lock) + " was not released");
                        // after a short spin, let the holder run: with more waiters than cores, spinning alone
                        // can keep a descheduled holder off the CPU until the limit strikes
                        if (spins < 100) Thread.onSpinWait();
                        else Thread.yield();
                    }
                    HeldLocks.of(c).add(mem.regionOf(lock), lock);
                    return 0;
                });
        b.register(HelperIds.SPIN_UNLOCK, "spin_unlock", Prototype.of(ReturnType.VOID, PTR_TO_SPIN_LOCK),
                (c, lock, x, y, z, w) -> {
                    checkLock(c.memory(), lock);
                    c.memory().atomic(dev.bypass.vm.isa.AtomicOp.XCHG, false, lock, 0, 0);
                    HeldLocks.of(c).remove(c.memory().regionOf(lock), lock);
                    return 0;
                });
        b.register(HelperIds.TRACE_PRINTK, "trace_printk",
                Prototype.of(ReturnType.INTEGER, PTR_TO_CONST_STR, CONST_SIZE, ANYTHING, ANYTHING, ANYTHING),
                (c, fmt, size, a1, a2, a3) -> {
                    if (size <= 0 || size > 4096) return -Errno.EINVAL;
                    String format = c.memory().readCString(fmt, (int) size);
                    String line = TraceFormat.line(c.memory(), format, a1, a2, a3);
                    TraceSink sink = c.attachment(TraceSink.class);
                    (sink != null ? sink : TraceSink.defaultSink()).print(line);
                    return line.length() + 1;
                });
        return b;
    }

    // ---- the hot helpers, as static methods: the registered implementations call them, compiled code calls them
    // directly (see direct), so both engines run the same code ----

    /** {@code bpf_map_lookup_elem}: the value's pointer in the program's region for the map, or 0. */
    public static long mapLookupElem(HelperContext c, long map, long key) { return mapLookupElem(MapArgs.map(c, map), c, map, key); }

    /**
     * {@code bpf_map_lookup_elem} on {@code m}, the map the program's handle {@code map} names (see {@link #bound}).
     * The other helpers taking a map have such a form too.
     */
    public static long mapLookupElem(BpfMap m, HelperContext c, long map, long key) {
        return MapArgs.valuePointer(map, m.lookupPointer(c, key));
    }

    /** {@code bpf_map_update_elem}. */
    public static long mapUpdateElem(HelperContext c, long map, long key, long value, long flags) {
        return mapUpdateElem(MapArgs.map(c, map), c, map, key, value, flags);
    }

    public static long mapUpdateElem(BpfMap m, HelperContext c, long map, long key, long value, long flags) {
        return m.update(c, key, c.memory().slice(value, m.spec().valueSize(), false), flags);
    }

    /** {@code bpf_map_delete_elem}. */
    public static long mapDeleteElem(HelperContext c, long map, long key) { return mapDeleteElem(MapArgs.map(c, map), c, map, key); }

    public static long mapDeleteElem(BpfMap m, HelperContext c, long map, long key) { return m.delete(c, key); }

    /** {@code bpf_ringbuf_reserve}: the record is lent to the program as a region of its own until its submit or discard. */
    public static long ringbufReserve(HelperContext c, long map, long size, long flags) {
        return ringbufReserve(MapArgs.map(c, map), c, map, size, flags);
    }

    public static long ringbufReserve(BpfMap m, HelperContext c, long map, long size, long flags) {
        RingBuffer ring = ring(m);
        long p = ring.reserve(size, flags);
        return p == 0 ? 0 : RingReservations.of(c).add(ring, p, ring.lend(c.memory(), p, size));
    }

    /** {@code bpf_ringbuf_submit}. */
    public static long ringbufSubmit(HelperContext c, long data, long flags) { return complete(c, data, flags, false); }

    /** {@code bpf_ringbuf_discard}. */
    public static long ringbufDiscard(HelperContext c, long data, long flags) { return complete(c, data, flags, true); }

    /** {@code bpf_ringbuf_output}. */
    public static long ringbufOutput(HelperContext c, long map, long data, long size, long flags) {
        return ringbufOutput(MapArgs.map(c, map), c, map, data, size, flags);
    }

    public static long ringbufOutput(BpfMap m, HelperContext c, long map, long data, long size, long flags) {
        return ring(m).output(c.memory().slice(data, size, false), flags);
    }

    private static final Helper LOOKUP = (c, map, key, x, y, z) -> mapLookupElem(c, map, key);
    private static final Helper UPDATE = (c, map, key, value, flags, z) -> mapUpdateElem(c, map, key, value, flags);
    private static final Helper DELETE = (c, map, key, x, y, z) -> mapDeleteElem(c, map, key);
    private static final Helper RINGBUF_RESERVE = (c, map, size, flags, y, z) -> ringbufReserve(c, map, size, flags);
    private static final Helper RINGBUF_SUBMIT = (c, data, flags, x, y, z) -> ringbufSubmit(c, data, flags);
    private static final Helper RINGBUF_DISCARD = (c, data, flags, x, y, z) -> ringbufDiscard(c, data, flags);
    private static final Helper RINGBUF_OUTPUT = (c, map, data, size, flags, z) -> ringbufOutput(c, map, data, size, flags);

    private static final java.util.Map<Helper, java.lang.reflect.Method> DIRECT = new java.util.IdentityHashMap<>();
    private static final java.util.Map<Helper, java.lang.reflect.Method> BOUND = new java.util.IdentityHashMap<>();

    static {
        try {
            Class<?> l = long.class;
            direct(LOOKUP, "mapLookupElem", true, l, l);
            direct(UPDATE, "mapUpdateElem", true, l, l, l, l);
            direct(DELETE, "mapDeleteElem", true, l, l);
            direct(RINGBUF_RESERVE, "ringbufReserve", true, l, l, l);
            direct(RINGBUF_SUBMIT, "ringbufSubmit", false, l, l);
            direct(RINGBUF_DISCARD, "ringbufDiscard", false, l, l);
            direct(RINGBUF_OUTPUT, "ringbufOutput", true, l, l, l, l);
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static void direct(Helper h, String name, boolean takesMap, Class<?>... args) throws NoSuchMethodException {
        Class<?>[] params = new Class<?>[args.length + 1];
        params[0] = HelperContext.class;
        System.arraycopy(args, 0, params, 1, args.length);
        DIRECT.put(h, MapHelpers.class.getMethod(name, params));
        if (!takesMap) return;
        Class<?>[] bound = new Class<?>[params.length + 1];
        bound[0] = BpfMap.class;
        System.arraycopy(params, 0, bound, 1, params.length);
        BOUND.put(h, MapHelpers.class.getMethod(name, bound));
    }

    /**
     * The public static method {@code long m(HelperContext, long...)} that {@code implementation} calls with its
     * first arguments, when it is one of the standard map and ring buffer helpers: compiled code calls that method
     * instead of dispatching through the {@link Helper} interface. These helpers never call back into the program
     * nor replace it, so compiled code also skips what it checks after other helpers. Null for any other helper
     * (including a host's replacement registered under the same id).
     */
    public static java.lang.reflect.Method direct(Helper implementation) { return DIRECT.get(implementation); }

    /**
     * For a {@link #direct} helper whose first argument is a map handle: the same method taking the map the handle names
     * first ({@code long m(BpfMap, HelperContext, long map, long...)}), for callers that resolved the handle once (compiled
     * code, where the handle is a constant of the program's straight-line code). A handle names the same map for as
     * long as its program exists (its region table only grows), so this is the same helper with the look-up done
     * earlier. Null for helpers without a map argument and for any other helper.
     */
    public static java.lang.reflect.Method bound(Helper implementation) { return BOUND.get(implementation); }

    private static RingBuffer ring(HelperContext c, long handle) { return ring(MapArgs.map(c, handle)); }

    private static RingBuffer ring(BpfMap m) {
        if (!(m instanceof RingBuffer r)) throw new HelperException("map is not a ring buffer");
        return r;
    }

    private static long take(HelperContext c, long map, long value, boolean remove) {
        if (!(MapArgs.map(c, map) instanceof QueueMap q)) return -Errno.EINVAL;
        return q.take(c.memory().slice(value, q.spec().valueSize(), true), remove);
    }

    private static long complete(HelperContext c, long data, long flags, boolean discard) {
        if (!RingReservations.of(c).complete(c.memory(), data, discard, flags))
            throw new HelperException("0x" + Long.toHexString(data) + " is not a reserved ring buffer record");
        return 0;
    }

    /** A lock must be an aligned word in a map value of the program's own. */
    private static void checkLock(Memory mem, long lock) {
        int region = Pointers.region(lock);
        if (region < Memory.FIRST_SHARED_REGION || region >= Memory.FIRST_LEASED_REGION || (lock & 3) != 0 || mem.regionOf(lock) == null)
            throw new HelperException("0x" + Long.toHexString(lock) + " is not an aligned lock inside a map value");
    }
}
