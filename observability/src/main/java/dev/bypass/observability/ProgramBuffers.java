package dev.bypass.observability;

import dev.bypass.vm.exec.Memory;
import dev.bypass.vm.exec.Pointers;
import dev.bypass.vm.exec.Region;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Copies between a helper's byte arrays and a program's buffer argument, checked as {@link Memory#slice} checks,
 * without the view object a slice costs per call. Buffers on the program's stack go through the checked word
 * accessors (so the stack-checking mode sees what is written or read); other regions are copied in one go.
 * Anything out of bounds or read-only goes to {@link Memory#slice}, which faults with the usual message.
 */
final class ProgramBuffers {
    private ProgramBuffers() {}

    private static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Writes {@code src[0..n)} to the {@code size}-byte buffer at {@code dst}, then a NUL when {@code n < size}. */
    static void write(Memory mem, long dst, long size, byte[] src, int n) {
        Region r = mem.regionOf(dst);
        long off = Pointers.offset(dst);
        boolean inside = r != null && off + size <= r.size();
        if (inside && r != mem.stack() && r.writable()) {
            MemorySegment.copy(src, 0, r.segment(), ValueLayout.JAVA_BYTE, off, n);
            if (n < size) r.segment().set(ValueLayout.JAVA_BYTE, off + n, (byte) 0);
        } else if (inside && r == mem.stack()) {
            int i = 0;
            for (; i + 8 <= n; i += 8) mem.store64(dst + i, (long) LE64.get(src, i));
            for (; i < n; i++) mem.store8(dst + i, src[i]);
            if (n < size) mem.store8(dst + n, 0);
        } else {
            MemorySegment seg = mem.slice(dst, size, true); // faults, unless the region is odd but fine
            MemorySegment.copy(src, 0, seg, ValueLayout.JAVA_BYTE, 0, n);
            if (n < size) seg.set(ValueLayout.JAVA_BYTE, n, (byte) 0);
        }
    }

    /** Reads the {@code n}-byte buffer at {@code src} into {@code dst[0..n)}. */
    static void read(Memory mem, long src, byte[] dst, int n) {
        Region r = mem.regionOf(src);
        long off = Pointers.offset(src);
        boolean inside = r != null && off + n <= r.size();
        if (inside && r != mem.stack()) {
            MemorySegment.copy(r.segment(), ValueLayout.JAVA_BYTE, off, dst, 0, n);
        } else if (inside) {
            int i = 0;
            for (; i + 8 <= n; i += 8) LE64.set(dst, i, mem.load64(src + i));
            for (; i < n; i++) dst[i] = (byte) mem.load8(src + i);
        } else {
            MemorySegment.copy(mem.slice(src, n, false), ValueLayout.JAVA_BYTE, 0, dst, 0, n);
        }
    }
}
