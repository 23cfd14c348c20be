package dev.bypass.observability;

import static dev.bypass.vm.helpers.ArgType.*;

import dev.bypass.programs.SqlText;
import dev.bypass.vm.helpers.HelperException;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.helpers.MapHelpers;
import dev.bypass.vm.helpers.Prototype;
import dev.bypass.vm.helpers.ReturnType;
import dev.bypass.vm.maps.Errno;
import java.nio.charset.StandardCharsets;

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
 * }</pre>
 */
public final class ObservabilityHelpers {
    private ObservabilityHelpers() {}

    public static final int ARG_BYTES = 10_300, NORMALIZE_SQL = 10_301;
    public static final int RECEIVER = 255, RETURN_VALUE = 254;

    /**
     * The Java values of the method call whose programs run on this thread, set by the agent's dispatcher. One
     * mutable holder per thread, reused call after call (the agent does not nest calls on a thread).
     */
    public static final class Invocation {
        Object receiver, returnValue;
        Object[] args;
        boolean exited, active;

        public void set(Object receiver, Object[] args, Object returnValue, boolean exited) {
            this.receiver = receiver;
            this.args = args;
            this.returnValue = returnValue;
            this.exited = exited;
            this.active = true;
        }

        /** Ends the call: drops the references so the values can be collected. */
        public void clear() {
            receiver = returnValue = null;
            args = null;
            active = false;
        }
    }

    private static final ThreadLocal<Invocation> CURRENT = ThreadLocal.withInitial(Invocation::new);
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[512]);

    /** This thread's invocation holder. */
    public static Invocation invocation() { return CURRENT.get(); }

    /** The runtime's map helpers plus these. */
    public static HelperRegistry registry() { return register(MapHelpers.registry().toBuilder()).build(); }

    public static HelperRegistry.Builder register(HelperRegistry.Builder b) {
        b.register(ARG_BYTES, "bypass_arg_bytes", Prototype.of(ReturnType.INTEGER, ANYTHING, PTR_TO_UNINIT_MEM, CONST_SIZE),
                (c, index, dst, size, x, y) -> {
                    Invocation inv = CURRENT.get();
                    if (!inv.active) throw new HelperException("bypass_arg_bytes is only available to programs attached to Java methods");
                    Object v;
                    int i = (int) index;
                    if (i == RECEIVER) v = inv.receiver;
                    else if (i == RETURN_VALUE) v = inv.exited ? inv.returnValue : null;
                    else if (i >= 0 && i < inv.args.length) v = inv.args[i];
                    else return -Errno.ENOENT;
                    if (v == null) return -Errno.ENOENT;
                    byte[] bytes = switch (v) {
                        case byte[] b1 -> b1;
                        case String s -> s.getBytes(StandardCharsets.UTF_8);
                        case char[] chars -> new String(chars).getBytes(StandardCharsets.UTF_8);
                        case Number n -> null;
                        case Boolean bo -> null;
                        case Character ch -> null;
                        default -> String.valueOf(v).getBytes(StandardCharsets.UTF_8);
                    };
                    if (bytes == null) return -Errno.EINVAL;
                    int n = (int) Math.min(bytes.length, size);
                    var seg = c.memory().slice(dst, size, true);
                    java.lang.foreign.MemorySegment.copy(bytes, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, n);
                    if (n < size) seg.set(java.lang.foreign.ValueLayout.JAVA_BYTE, n, (byte) 0);
                    return n;
                });
        b.register(NORMALIZE_SQL, "bypass_normalize_sql", Prototype.of(ReturnType.INTEGER, PTR_TO_MEM, CONST_SIZE),
                (c, text, size, x, y, z) -> {
                    var seg = c.memory().slice(text, size, true);
                    byte[] b1 = SCRATCH.get();
                    if (b1.length < size) SCRATCH.set(b1 = new byte[(int) size]);
                    java.lang.foreign.MemorySegment.copy(seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, b1, 0, (int) size);
                    long h = SqlText.normalize(b1, (int) size);
                    java.lang.foreign.MemorySegment.copy(b1, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (int) size);
                    return h;
                });
        return b;
    }
}
