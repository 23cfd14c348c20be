package dev.bypass.vm.memory;

import dev.bypass.vm.exec.PseudoResolver;

/**
 * Tagged pointers: the high 32 bits name a region (see {@link Memory} for the id ranges), the low 32 bits are an
 * offset into it. Region 0 is never mapped, so null and small integers are never valid addresses. Pointer arithmetic is plain 64-bit arithmetic;
 * an offset that under- or overflows changes the region id and then fails the bounds check of whatever region
 * it lands in.
 */
public final class Pointers {
    private Pointers() {}

    public static long make(int regionId, long offset) { return ((long) regionId << 32) + offset; }

    public static int region(long address) { return (int) (address >>> 32); }

    /** Offset within the region, as an unsigned 32-bit value. */
    public static long offset(long address) { return address & 0xffffffffL; }

    /** Region id of code pointers (lddw with the function source): never a mapped region, so never dereferenceable. */
    public static final int CODE_REGION = -1;

    /** A pointer to the subprogram starting at {@code slot}, as callbacks receive them. */
    public static long code(int slot) { return make(CODE_REGION, slot); }

    public static boolean isCode(long value) { return region(value) == CODE_REGION; }

    public static int codeSlot(long value) { return (int) value; }

    /**
     * Region id of map handles (lddw with a map source). In a program the low 32 bits are the map's index in its
     * {@link RegionTable}; in host code (and what a {@link PseudoResolver} returns) the map's process-wide id, which
     * the linker turns into the index. Never mapped, so a program that dereferences a handle faults; helpers turn it
     * back into the map.
     */
    public static final int MAP_HANDLE_REGION = -2;
}
