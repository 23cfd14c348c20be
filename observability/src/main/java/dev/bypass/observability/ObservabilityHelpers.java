package dev.bypass.observability;

import static dev.bypass.vm.helpers.ArgType.*;

import dev.bypass.observability.telemetry.StatementCache;
import dev.bypass.observability.telemetry.ValueText;
import dev.bypass.programs.SqlText;
import dev.bypass.vm.memory.Memory;
import dev.bypass.vm.helpers.HelperException;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.helpers.standard.MapHelpers;
import dev.bypass.vm.helpers.Prototype;
import dev.bypass.vm.helpers.ReturnType;
import dev.bypass.vm.maps.Errno;

/**
 * Helpers for programs attached to Java methods and probe points.
 *
 * <pre>{@code
 * // Copies argument `index` of the current method call into dst: a String as UTF-8, a byte[] as is, a char[] as
 * // UTF-8, any other object as the UTF-8 of its toString(). Index 255 is the receiver, 254 the return value (exit
 * // only). Returns the number of bytes copied (truncated to size, NUL-terminated when shorter), -ENOENT when there
 * // is no such argument or it is null, -EINVAL when it is a primitive (read ctx->args[index] instead).
 * static long (*bypass_arg_bytes)(__u32 index, void *dst, __u32 size) = (void *) 10300;
 * // Normalises SQL text in place (literals and $n become ?, spacing collapsed) and returns its 64-bit fingerprint.
 * static __u64 (*bypass_normalize_sql)(void *text, __u32 size) = (void *) 10301;
 * // What bypass_arg_bytes then bypass_normalize_sql give, without reading the argument again: the normalised text
 * // of argument `index` (its first `size` bytes, normalised) goes to dst, NUL-terminated when shorter, and its
 * // fingerprint to *fingerprint; returns the text's length, or -ENOENT / -EINVAL as bypass_arg_bytes. Each argument
 * // object's text is read and normalised once, then found by identity: for objects whose text never changes
 * // (String, pgjdbc's Query); use the two helpers above for others.
 * static long (*bypass_arg_sql)(__u32 index, void *dst, __u32 size, __u64 *fingerprint) = (void *) 10302;
 * }</pre>
 */
public final class ObservabilityHelpers {
    private ObservabilityHelpers() {}

    public static final int ARG_BYTES = 10_300, NORMALIZE_SQL = 10_301, ARG_SQL = 10_302;
    public static final int RECEIVER = 255, RETURN_VALUE = 254;

    /** What a primitive argument reads as through {@link CallValues#value}: helpers copy objects only. */
    public static final Object PRIMITIVE = new Object() {
        @Override public String toString() { return "a primitive value"; }
    };

    /** The Java values of the method call whose programs run on this thread. */
    public interface CallValues {
        /**
         * Argument {@code index}, or the receiver ({@link #RECEIVER}) or result ({@link #RETURN_VALUE}); null when
         * there is none or it is null, {@link #PRIMITIVE} for a primitive.
         */
        Object value(int index);
    }

    /**
     * This thread's current call, set by the agent around the programs it runs. One mutable holder per thread,
     * reused call after call (the agent does not nest calls on a thread).
     */
    public static final class Invocation {
        CallValues values;

        public void begin(CallValues values) { this.values = values; }

        /** Ends the call: the helpers see no values until the next one begins. */
        public void end() { values = null; }
    }

    private static final ThreadLocal<Invocation> CURRENT = ThreadLocal.withInitial(Invocation::new);
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[512]);
    private static final StatementCache SHARED_CACHE = new StatementCache(StatementCache.DEFAULT_ENTRIES);

    /** This thread's invocation holder. */
    public static Invocation invocation() { return CURRENT.get(); }

    /** The runtime's map helpers plus these, {@code bypass_arg_sql} with a cache shared by every such registry. */
    public static HelperRegistry registry() { return registry(SHARED_CACHE); }

    /** The runtime's map helpers plus these, {@code bypass_arg_sql} caching in {@code statements}. */
    public static HelperRegistry registry(StatementCache statements) {
        return register(MapHelpers.registry().toBuilder(), statements).build();
    }

    public static HelperRegistry.Builder register(HelperRegistry.Builder b) { return register(b, SHARED_CACHE); }

    public static HelperRegistry.Builder register(HelperRegistry.Builder b, StatementCache statements) {
        b.register(ARG_BYTES, "bypass_arg_bytes", Prototype.of(ReturnType.INTEGER, ANYTHING, PTR_TO_UNINIT_MEM, CONST_SIZE),
                (c, index, dst, size, x, y) -> {
                    Object v = value("bypass_arg_bytes", (int) index);
                    if (v == null) return -Errno.ENOENT;
                    if (v == PRIMITIVE) return -Errno.EINVAL;
                    byte[] bytes;
                    int n;
                    if (v instanceof String s && (n = ascii(s, (int) size, bytes = scratch((int) size))) >= 0) {
                        // the common case (a status tag, a name): no encoding, no allocation
                    } else {
                        bytes = ValueText.bytes(v);
                        if (bytes == null) return -Errno.EINVAL;
                        n = (int) Math.min(bytes.length, size);
                    }
                    writeText(c.memory(), dst, size, bytes, n);
                    return n;
                });
        b.register(NORMALIZE_SQL, "bypass_normalize_sql", Prototype.of(ReturnType.INTEGER, PTR_TO_MEM, CONST_SIZE),
                (c, text, size, x, y, z) -> {
                    byte[] b1 = scratch((int) size);
                    c.memory().copyOut(text, b1, 0, (int) size);
                    long h = SqlText.normalize(b1, (int) size);
                    c.memory().copyIn(text, b1, 0, (int) size); // faults on a read-only buffer
                    return h;
                });
        b.register(ARG_SQL, "bypass_arg_sql", Prototype.of(ReturnType.INTEGER, ANYTHING, PTR_TO_UNINIT_MEM, CONST_SIZE, PTR_TO_LONG),
                (c, index, dst, size, fingerprint, y) -> {
                    Object v = value("bypass_arg_sql", (int) index);
                    if (v == null) return -Errno.ENOENT;
                    StatementCache.Statement s = v == PRIMITIVE ? null : statements.statement(v, (int) size);
                    if (s == null) return -Errno.EINVAL;
                    c.memory().store64(fingerprint, s.fingerprint());
                    int n = (int) Math.min(s.text().length, size);
                    writeText(c.memory(), dst, size, s.text(), n);
                    return n;
                });
        return b;
    }

    /** Writes {@code src[0..n)} to the {@code size}-byte buffer at {@code dst}, then a NUL when {@code n < size}; checked, no view. */
    private static void writeText(Memory mem, long dst, long size, byte[] src, int n) {
        mem.copyIn(dst, src, 0, n);
        if (n < size) mem.store8(dst + n, 0);
    }

    private static Object value(String helper, int index) {
        CallValues values = CURRENT.get().values;
        if (values == null) throw new HelperException(helper + " is only available to programs attached to Java methods");
        return values.value(index);
    }

    /** This thread's scratch array of at least {@code size} bytes. */
    private static byte[] scratch(int size) {
        byte[] b = SCRATCH.get();
        if (b.length < size) SCRATCH.set(b = new byte[size]);
        return b;
    }

    /**
     * The first {@code limit} bytes of the UTF-8 of {@code s} into {@code out} when its first {@code limit}
     * characters are ASCII (then bytes and characters are the same); returns how many, or -1 otherwise.
     */
    private static int ascii(String s, int limit, byte[] out) {
        int n = Math.min(s.length(), limit);
        for (int i = 0; i < n; i++) {
            char ch = s.charAt(i);
            if (ch >= 0x80) return -1;
            out[i] = (byte) ch;
        }
        return n;
    }
}
