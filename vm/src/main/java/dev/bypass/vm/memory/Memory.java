package dev.bypass.vm.memory;

import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.isa.AtomicOp;
import dev.bypass.vm.isa.Opcodes;
import dev.bypass.vm.isa.Width;
import dev.bypass.vm.semantics.Ops;
import dev.bypass.vm.isa.Registers;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The address space of one executing thread. Region ids: 1..15 per execution (stack, context, data, packet,
 * scratch), from {@link #FIRST_SHARED_REGION} the memory of the running program's objects by their index in its
 * {@link RegionTable}, from {@link #FIRST_LEASED_REGION} regions helpers lent this execution (ring buffer records,
 * until submitted). Nothing else is mapped: host-side ids ({@link #FIRST_HOST_REGION} up) never are, so a program
 * can address exactly what it was handed. Every load, store and atomic is checked against the region's bounds and
 * write permission before the JVM's own checked access; a bad address raises {@link MemoryFault}.
 * Not thread-safe: one {@code Memory} per thread (see {@link ExecutionState}).
 */
public final class Memory {
    public static final int STACK_REGION = 1;
    public static final int CTX_REGION = 2;
    public static final int DATA_REGION = 3;
    public static final int PACKET_REGION = 4;
    public static final int FIRST_SCRATCH_REGION = 5;
    /** Region id of the running program's {@link RegionTable} entry 0. */
    public static final int FIRST_SHARED_REGION = 16;
    /** Region ids of leased regions ({@link #lease}): handed out in turn, never two live at once under one id. */
    public static final int FIRST_LEASED_REGION = 1 << 29;
    /** Region ids of host-side pointers ({@link SharedObjects#hostPointer}): never mapped in any program's memory. */
    public static final int FIRST_HOST_REGION = 1 << 30;

    /** All frames' stacks in one region: frame k owns [STACK_SIZE*(MAX-1-k), STACK_SIZE*(MAX-k)). */
    public static final int STACK_BYTES = Registers.STACK_SIZE * Registers.MAX_CALL_DEPTH;

    static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle ATOMIC32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle ATOMIC64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    private final Region[] local = new Region[FIRST_SHARED_REGION];
    private static final RegionTable NO_OBJECTS = new RegionTable();
    /** The running program's table, and its regions by index (read on every access to shared memory). */
    private RegionTable table = NO_OBJECTS;
    private Region[] shared = table.regions();
    /** Leased regions: ids and regions of the first {@code leases} entries; few at a time, so searched in order. */
    private int[] leaseIds = new int[4];
    private Region[] leased = new Region[4];
    private int leases;
    private int nextLease = FIRST_LEASED_REGION;
    /** Windows made for {@link #lend}, reused once their lease is revoked (one per record held at a time). */
    private Region[] windows = new Region[2];
    private int windowCount;
    /** Scratch words for reading a key that is not on the stack ({@link #loadWords}). */
    private long[] scratchWords = new long[8];
    /**
     * Checking mode (soundness tests): which stack bytes the running frames have written. Null when off, which is
     * the normal case: the memory model keeps the host safe without it; it exists to catch verifier bugs that let
     * a program read stack bytes it never wrote.
     */
    private boolean[] stackWritten;
    private int nextScratch = FIRST_SCRATCH_REGION;

    /** The stack's backing words: stack loads and stores at aligned offsets read and write them directly. */
    private final long[] stackWords = new long[STACK_BYTES / 8];
    private static final boolean LITTLE_ENDIAN_HOST = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    private static final VarHandle BYTES16 = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BYTES32 = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BYTES64 = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    public Memory() {
        // long[]-backed so the stack is 8-byte aligned and atomics on it need no special case.
        local[STACK_REGION] = new Region("stack", MemorySegment.ofArray(stackWords), true);
    }

    /**
     * The stack word holding an aligned access of {@code size} bytes at {@code a}, or -1 when the access takes the
     * general path (not the stack, misaligned, out of range, checking mode). The array index is still checked by
     * the JVM; this only skips the region table and the segment interface.
     */
    private int stackWord(long a, int size) {
        if ((int) (a >>> 32) != STACK_REGION || stackWritten != null || !LITTLE_ENDIAN_HOST) return -1;
        long off = a & 0xffffffffL;
        if ((off & (size - 1)) != 0 || off + size > STACK_BYTES) return -1;
        return (int) (off >>> 3);
    }

    /**
     * The stack's backing words (little-endian bytes, word {@code i} holding stack offsets {@code 8i..8i+7}), for
     * compiled code that the verifier proved accesses the stack at a constant, in-range offset. Such code bypasses the
     * checking mode, which is an interpreter device; array indexes stay checked by the JVM.
     */
    public long[] stackWords() { return stackWords; }

    /**
     * The byte array that is the whole of the region {@code pointer} points into, when there is one (and it is
     * writable, with {@code write}); null otherwise (off-heap memory, windows, unmapped ids). For compiled code the
     * verifier proved to access a region in bounds: it indexes the array with the pointer's offset, and the JVM's own
     * index check stays, so a wrong proof can reach only this region's bytes.
     */
    public byte[] backingArray(long pointer, boolean write) {
        Region r = regionOf(pointer);
        if (r == null || r.bytes == null || r.base != 0 || r.size != r.bytes.length || write && !r.writable()) return null;
        return r.bytes;
    }

    /** Little-endian loads and stores of 2, 4 and 8 bytes at {@code i} of a byte array (JVM-checked), zero-extended. */
    public static long arrayLoad16(byte[] b, int i) { return (short) BYTES16.get(b, i) & 0xffffL; }

    public static long arrayLoad32(byte[] b, int i) { return (int) BYTES32.get(b, i) & 0xffffffffL; }

    public static long arrayLoad64(byte[] b, int i) { return (long) BYTES64.get(b, i); }

    public static void arrayStore16(byte[] b, int i, long v) { BYTES16.set(b, i, (short) v); }

    public static void arrayStore32(byte[] b, int i, long v) { BYTES32.set(b, i, (int) v); }

    public static void arrayStore64(byte[] b, int i, long v) { BYTES64.set(b, i, v); }

    /** Turns the stack-initialisation checking mode on (reads of unwritten stack bytes fault) or off. */
    public void checkStackReads(boolean on) { stackWritten = on ? new boolean[STACK_BYTES] : null; }

    /** A new frame at {@code depth} starts: in checking mode its bytes count as unwritten. */
    public void enterFrame(int depth) {
        if (stackWritten == null) return;
        int top = Registers.STACK_SIZE * (Registers.MAX_CALL_DEPTH - depth);
        java.util.Arrays.fill(stackWritten, Math.max(0, top - Registers.STACK_SIZE), top, false);
    }

    private void stackAccess(long address, int size, boolean write) {
        int off = (int) Pointers.offset(address);
        if (write) {
            java.util.Arrays.fill(stackWritten, off, off + size, true);
            return;
        }
        for (int i = off; i < off + size; i++)
            if (!stackWritten[i]) {
                int frameOff = (i % Registers.STACK_SIZE) - Registers.STACK_SIZE;
                throw new MemoryFault("read of uninitialised stack byte at r10" + frameOff + " (" + size + "-byte read at offset " + off + ")");
            }
    }

    /** Frame pointer (r10) of call depth {@code depth} (0 = outermost). */
    public static long framePointer(int depth) {
        return Pointers.make(STACK_REGION, (long) Registers.STACK_SIZE * (Registers.MAX_CALL_DEPTH - depth));
    }

    /** Maps {@code region} at a per-execution slot and returns the pointer to its first byte. */
    public long bind(int slot, Region region) {
        if (slot <= STACK_REGION || slot >= FIRST_SHARED_REGION) throw new IllegalArgumentException("slot " + slot);
        if (local[slot] != region) local[slot] = region; // a reference store has a GC barrier: skip it when nothing changes
        return Pointers.make(slot, 0);
    }

    public void unbind(int slot) {
        if (slot > STACK_REGION && slot < FIRST_SHARED_REGION) local[slot] = null;
    }

    /** Maps a temporary region in the next free scratch slot (released by {@link #releaseScratch()}). */
    public long bindScratch(Region region) {
        if (nextScratch >= FIRST_SHARED_REGION) throw new MemoryFault("too many scratch regions in one execution");
        return bind(nextScratch++, region);
    }

    public void releaseScratch() {
        if (nextScratch == FIRST_SCRATCH_REGION) return;
        for (int i = FIRST_SCRATCH_REGION; i < nextScratch; i++) local[i] = null;
        nextScratch = FIRST_SCRATCH_REGION;
    }

    public Region stack() { return local[STACK_REGION]; }

    /** Zeroes every frame's stack bytes: what an earlier run left there is gone. */
    public void clearStack() { java.util.Arrays.fill(stackWords, 0); }

    /** Makes {@code t}'s objects the shared regions (engines call this, through the state, when a program is entered). */
    public void use(RegionTable t) {
        Region[] r = t.regions();
        // written only when they change: an engine enters on every run and after helpers, and stores are not free
        // before an atomic instruction (which waits for them)
        if (table != t) table = t;
        if (shared != r) shared = r;
    }

    /** The running program's table: what its handles and shared-region pointers refer to. */
    public RegionTable regionTable() { return table; }

    /**
     * Maps {@code region} under a fresh leased id and returns the pointer to its first byte. The region stays
     * addressable until {@link #revoke}d; a pointer kept past that faults, as the id is not reused while others are
     * handed out.
     */
    public long lease(Region region) {
        if (leases == leaseIds.length) {
            leaseIds = java.util.Arrays.copyOf(leaseIds, leases * 2);
            leased = java.util.Arrays.copyOf(leased, leases * 2);
        }
        int id = nextLease;
        while (leasedRegion(id) != null) id = id + 1 == FIRST_HOST_REGION ? FIRST_LEASED_REGION : id + 1; // after a wrap
        nextLease = id + 1 == FIRST_HOST_REGION ? FIRST_LEASED_REGION : id + 1;
        leaseIds[leases] = id;
        leased[leases++] = region;
        return Pointers.make(id, 0);
    }

    /** Unmaps the leased region {@code pointer} points to the start of; false when it is not one. */
    public boolean revoke(long pointer) {
        if (Pointers.offset(pointer) != 0) return false;
        int id = Pointers.region(pointer);
        for (int i = 0; i < leases; i++)
            if (leaseIds[i] == id) {
                leases--;
                leaseIds[i] = leaseIds[leases];
                leased[i] = leased[leases];
                leased[leases] = null;
                return true;
            }
        return false;
    }

    /**
     * Lends {@code backing[offset, offset + size)} as a region of its own, as {@link #lease} does, without a view
     * object per call: a window onto {@code backing} is moved there (the windows of revoked leases are reused).
     */
    public long lend(MemorySegment backing, String name, long offset, long size) {
        Region w = null;
        for (int i = 0; i < windowCount && w == null; i++)
            if (windows[i].backing == backing && !isLeased(windows[i])) w = windows[i];
        if (w == null) {
            w = Region.window(name, backing);
            int free = -1; // past a few, replace an idle window (of a ring that may be gone) instead of keeping it alive
            for (int i = 0; i < windowCount && windowCount >= 8 && free < 0; i++) if (!isLeased(windows[i])) free = i;
            if (free >= 0) windows[free] = w;
            else {
                if (windowCount == windows.length) windows = java.util.Arrays.copyOf(windows, windowCount * 2);
                windows[windowCount++] = w;
            }
        }
        w.moveTo(offset, size);
        return lease(w);
    }

    private boolean isLeased(Region r) {
        for (int i = 0; i < leases; i++) if (leased[i] == r) return true;
        return false;
    }

    private Region leasedRegion(int id) {
        for (int i = 0; i < leases; i++) if (leaseIds[i] == id) return leased[i];
        return null;
    }

    /** The region an address points into, or null. */
    public Region regionOf(long address) {
        int id = Pointers.region(address);
        if (id < FIRST_SHARED_REGION) return id >= 0 ? local[id] : null;
        Region[] s = shared;
        int index = id - FIRST_SHARED_REGION;
        if (index < s.length) return s[index];
        return id >= FIRST_LEASED_REGION ? leasedRegion(id) : null;
    }

    /**
     * The region of an access of {@code size} bytes at {@code address}, checked. Kept small so that JIT compilers
     * inline it into every access: the rare cases (faults, read-only regions, the checking mode) go to
     * {@link #checkRare}.
     */
    private Region check(long address, int size, boolean write) {
        Region r = regionOf(address);
        if (r == null || Pointers.offset(address) + size > r.size() || write && !r.writable() || stackWritten != null)
            return checkRare(address, size, write, r);
        return r;
    }

    private Region checkRare(long address, int size, boolean write, Region r) {
        long off = Pointers.offset(address);
        if (r == null || off + size > r.size()) throw fault(address, size, write, r);
        if (write && !r.writable()) throw new MemoryFault(String.format("write of %d bytes to read-only %s at offset %d", size, r.name(), off));
        if (stackWritten != null && r == local[STACK_REGION]) stackAccess(address, size, write);
        return r;
    }

    private static MemoryFault fault(long address, int size, boolean write, Region r) {
        String what = (write ? "write" : "read") + " of " + size + " bytes at 0x" + Long.toHexString(address);
        if (r == null) {
            return new MemoryFault(what + (address == 0 ? ": null pointer" : ": address is in no region"));
        }
        return new MemoryFault(what + ": offset " + Pointers.offset(address) + " is outside " + r.name() + " (" + r.size() + " bytes)");
    }

    public long load8(long a) {
        int w = stackWord(a, 1);
        if (w >= 0) return (stackWords[w] >>> ((a & 7) << 3)) & 0xffL;
        Region r = check(a, 1, false);
        return r.bytes != null ? r.bytes[(int) Pointers.offset(a)] & 0xffL : r.backing.get(U8, r.base + Pointers.offset(a)) & 0xffL;
    }

    public long load16(long a) {
        int w = stackWord(a, 2);
        if (w >= 0) return (stackWords[w] >>> ((a & 6) << 3)) & 0xffffL;
        Region r = check(a, 2, false);
        return r.bytes != null ? arrayLoad16(r.bytes, (int) Pointers.offset(a)) : r.backing.get(U16, r.base + Pointers.offset(a)) & 0xffffL;
    }

    public long load32(long a) {
        int w = stackWord(a, 4);
        if (w >= 0) return (stackWords[w] >>> ((a & 4) << 3)) & 0xffffffffL;
        Region r = check(a, 4, false);
        return r.bytes != null ? arrayLoad32(r.bytes, (int) Pointers.offset(a)) : r.backing.get(U32, r.base + Pointers.offset(a)) & 0xffffffffL;
    }

    public long load64(long a) {
        int w = stackWord(a, 8);
        if (w >= 0) return stackWords[w];
        Region r = check(a, 8, false);
        return r.bytes != null ? arrayLoad64(r.bytes, (int) Pointers.offset(a)) : r.backing.get(U64, r.base + Pointers.offset(a));
    }

    /** Zero-extended load of 1, 2, 4 or 8 bytes. */
    public long load(int bytes, long a) {
        return switch (bytes) {
            case 1 -> load8(a);
            case 2 -> load16(a);
            case 4 -> load32(a);
            default -> load64(a);
        };
    }

    public void store8(long a, long v) {
        int w = stackWord(a, 1);
        if (w >= 0) { storeBits(w, (int) (a & 7) << 3, 0xffL, v); return; }
        Region r = check(a, 1, true);
        if (r.bytes != null) r.bytes[(int) Pointers.offset(a)] = (byte) v;
        else r.backing.set(U8, r.base + Pointers.offset(a), (byte) v);
    }

    public void store16(long a, long v) {
        int w = stackWord(a, 2);
        if (w >= 0) { storeBits(w, (int) (a & 6) << 3, 0xffffL, v); return; }
        Region r = check(a, 2, true);
        if (r.bytes != null) arrayStore16(r.bytes, (int) Pointers.offset(a), v);
        else r.backing.set(U16, r.base + Pointers.offset(a), (short) v);
    }

    public void store32(long a, long v) {
        int w = stackWord(a, 4);
        if (w >= 0) { storeBits(w, (int) (a & 4) << 3, 0xffffffffL, v); return; }
        Region r = check(a, 4, true);
        if (r.bytes != null) arrayStore32(r.bytes, (int) Pointers.offset(a), v);
        else r.backing.set(U32, r.base + Pointers.offset(a), (int) v);
    }

    public void store64(long a, long v) {
        int w = stackWord(a, 8);
        if (w >= 0) { stackWords[w] = v; return; }
        Region r = check(a, 8, true);
        if (r.bytes != null) arrayStore64(r.bytes, (int) Pointers.offset(a), v);
        else r.backing.set(U64, r.base + Pointers.offset(a), v);
    }

    private void storeBits(int word, int shift, long mask, long v) {
        stackWords[word] = (stackWords[word] & ~(mask << shift)) | ((v & mask) << shift);
    }

    public void store(int bytes, long a, long v) {
        switch (bytes) {
            case 1 -> store8(a, v);
            case 2 -> store16(a, v);
            case 4 -> store32(a, v);
            default -> store64(a, v);
        }
    }

    /** 64-bit atomic add (the counter update), as {@link #atomic} with {@code ADD}; returns the old value. */
    public long atomicAdd64(long a, long operand) {
        int w = stackWord(a, 8);
        if (w >= 0) { // one execution's own stack: a plain update is atomic enough
            long old = stackWords[w];
            stackWords[w] = old + operand;
            return old;
        }
        return sharedAtomicAdd64(a, operand);
    }

    /**
     * {@link #atomicAdd64} where the address is expected to be in a map value (compiled code calls this where the
     * verifier proved so): the region's bounds, write permission and alignment are still checked here, and the JVM
     * checks the segment access again. Small, so that JIT compilers inline it; anything unusual (another region, a
     * fault) takes {@link #atomic}.
     */
    public long sharedAtomicAdd64(long a, long operand) {
        int index = (int) (a >>> 32) - FIRST_SHARED_REGION;
        Region[] s = shared;
        if (index >= 0 && index < s.length) {
            Region r = s[index];
            long off = a & 0xffffffffL;
            if (r != null && off + 8 <= r.size && (off & 7) == 0 && r.aligned8 && r.writable())
                return (long) ATOMIC64.getAndAdd(r.backing, r.base + off, operand);
        }
        return atomic(AtomicOp.ADD, true, a, operand, 0);
    }

    /**
     * Atomic read-modify-write; returns the old value (zero-extended for 32 bits). On shared (aligned) memory this
     * is a real atomic operation; a misaligned atomic faults, as Linux refuses it.
     */
    public long atomic(AtomicOp op, boolean wide, long a, long operand, long expected) {
        int size = wide ? 8 : 4;
        if (stackWritten != null && Pointers.region(a) == STACK_REGION) check(a, size, false); // reads before it writes
        Region r = check(a, size, true);
        long off = r.base + Pointers.offset(a);
        MemorySegment seg = r.backing;
        if (r.atomicCapable()) {
            if ((seg.address() + off) % size != 0) throw new MemoryFault("misaligned " + size + "-byte atomic at offset " + Pointers.offset(a) + " of " + r.name());
            return wide ? atomic64(op, seg, off, operand, expected) : atomic32(op, seg, off, (int) operand, (int) expected) & 0xffffffffL;
        }
        // Heap byte[] memory belongs to one execution: a plain read-modify-write is atomic enough.
        long old = wide ? seg.get(U64, off) : seg.get(U32, off) & 0xffffffffL;
        long next;
        if (op == AtomicOp.CMPXCHG) {
            boolean equal = wide ? old == expected : (int) old == (int) expected;
            next = equal ? operand : old;
        } else {
            next = op.apply(old, operand);
        }
        if (wide) seg.set(U64, off, next);
        else seg.set(U32, off, (int) next);
        return old;
    }

    private static long atomic64(AtomicOp op, MemorySegment seg, long off, long operand, long expected) {
        return switch (op) {
            case ADD -> (long) ATOMIC64.getAndAdd(seg, off, operand);
            case OR -> (long) ATOMIC64.getAndBitwiseOr(seg, off, operand);
            case AND -> (long) ATOMIC64.getAndBitwiseAnd(seg, off, operand);
            case XOR -> (long) ATOMIC64.getAndBitwiseXor(seg, off, operand);
            case XCHG -> (long) ATOMIC64.getAndSet(seg, off, operand);
            case CMPXCHG -> (long) ATOMIC64.compareAndExchange(seg, off, expected, operand);
        };
    }

    private static int atomic32(AtomicOp op, MemorySegment seg, long off, int operand, int expected) {
        return switch (op) {
            case ADD -> (int) ATOMIC32.getAndAdd(seg, off, operand);
            case OR -> (int) ATOMIC32.getAndBitwiseOr(seg, off, operand);
            case AND -> (int) ATOMIC32.getAndBitwiseAnd(seg, off, operand);
            case XOR -> (int) ATOMIC32.getAndBitwiseXor(seg, off, operand);
            case XCHG -> (int) ATOMIC32.getAndSet(seg, off, operand);
            case CMPXCHG -> (int) ATOMIC32.compareAndExchange(seg, off, expected, operand);
        };
    }

    /**
     * A legacy packet load ({@code ld_abs}/{@code ld_ind}, opcode {@code op}): its width at packet offset {@code imm}
     * (plus the low 32 bits of {@code src} for {@code ld_ind}), read in network byte order; -1 when that is outside the
     * packet, which ends the program with r0 = 0 as Linux ends a socket filter. Both engines call this.
     */
    public long packetLoad(int op, long src, int imm) {
        long at = ((op & 0xe0) == Opcodes.MODE_IND ? (int) src : 0) + (long) imm;
        int bytes = Width.ofCode(op & 0x18).bytes;
        Region pkt = local[PACKET_REGION];
        if (pkt == null || at < 0 || at + bytes > pkt.size()) return -1;
        long v = load(bytes, Pointers.make(PACKET_REGION, at));
        return bytes == 4 ? Ops.bswap32(v) : bytes == 2 ? Ops.bswap16(v) : v;
    }

    /** Releases a spin lock word (stores 0 atomically) at {@code offset} of {@code region}, whichever program took it. */
    public static void unlock(Region region, long offset) {
        if (offset + 4 > region.size()) return;
        if (region.atomicCapable()) ATOMIC32.setVolatile(region.backing, region.base + offset, 0);
        else region.backing.set(U32, region.base + offset, 0);
    }

    /**
     * A checked view of {@code length} bytes at {@code address}, for helpers that take a buffer argument.
     * Faults like a load or store would. Helpers that only copy use {@link #copyIn}/{@link #copyOut}, which make
     * no view.
     */
    public MemorySegment slice(long address, long length, boolean write) {
        if (length < 0 || length > Integer.MAX_VALUE) throw new MemoryFault("buffer length " + length + " is invalid");
        if (length == 0) return MemorySegment.NULL.reinterpret(0);
        Region r = check(address, (int) length, write);
        return r.backing.asSlice(r.base + Pointers.offset(address), length);
    }

    /**
     * Copies {@code src[from, from + n)} to program memory at {@code address}, checked as a store of {@code n} bytes
     * (bounds, write permission, the stack-checking mode), without a view object.
     */
    public void copyIn(long address, byte[] src, int from, int n) {
        if (n == 0) return;
        if (n < 0) throw new MemoryFault("buffer length " + n + " is invalid");
        Region r = check(address, n, true);
        int off = (int) Pointers.offset(address);
        if (r.bytes != null) System.arraycopy(src, from, r.bytes, off, n);
        else MemorySegment.copy(src, from, r.backing, U8, r.base + off, n);
    }

    /** Copies {@code n} bytes of program memory at {@code address} to {@code dst[to, to + n)}, checked as a load. */
    public void copyOut(long address, byte[] dst, int to, int n) {
        if (n == 0) return;
        if (n < 0) throw new MemoryFault("buffer length " + n + " is invalid");
        Region r = check(address, n, false);
        int off = (int) Pointers.offset(address);
        if (r.bytes != null) System.arraycopy(r.bytes, off, dst, to, n);
        else MemorySegment.copy(r.backing, U8, r.base + off, dst, to, n);
    }

    /** Fills {@code n} bytes of program memory at {@code address} with {@code value}, checked as a store. */
    public void fill(long address, int n, byte value) {
        if (n == 0) return;
        if (n < 0) throw new MemoryFault("buffer length " + n + " is invalid");
        Region r = check(address, n, true);
        int off = (int) Pointers.offset(address);
        if (r.bytes != null) java.util.Arrays.fill(r.bytes, off, off + n, value);
        else r.backing.asSlice(r.base + off, n).fill(value);
    }

    /**
     * Copies {@code n} bytes of program memory from {@code src} to {@code dst} (which may overlap), checked as a load
     * and a store, without view objects.
     */
    public void copy(long dst, long src, int n) {
        if (n == 0) return;
        if (n < 0) throw new MemoryFault("buffer length " + n + " is invalid");
        Region from = check(src, n, false), to = check(dst, n, true);
        MemorySegment.copy(from.backing, from.base + Pointers.offset(src), to.backing, to.base + Pointers.offset(dst), n);
    }

    /** Copies bytes out of program memory. */
    public byte[] read(long address, int length) {
        byte[] out = new byte[length];
        copyOut(address, out, 0, length);
        return out;
    }

    /**
     * The index in {@link #stackWords()} of an 8-byte aligned stack address whose {@code bytes} lie inside the
     * stack, or -1 (another region, misaligned, out of range, or the stack-checking mode, which must see the read).
     * Lets a map read a key in place: no copy, no view.
     */
    public int alignedStackWord(long address, int bytes) {
        if ((int) (address >>> 32) != STACK_REGION || stackWritten != null || !LITTLE_ENDIAN_HOST) return -1;
        long off = address & 0xffffffffL;
        if ((off & 7) != 0 || off + bytes > STACK_BYTES) return -1;
        return (int) (off >>> 3);
    }

    /**
     * Reads {@code bytes} of program memory at {@code address}, checked as one load, into this memory's scratch words
     * (little-endian, the last word zero-padded) and returns them; valid until the next call. For keys that are not
     * on the stack.
     */
    public long[] loadWords(long address, int bytes) {
        int words = (bytes + 7) >>> 3;
        if (scratchWords.length < words) scratchWords = new long[Math.max(words, 2 * scratchWords.length)];
        long[] out = scratchWords;
        Region r = check(address, bytes, false);
        long at = r.base + Pointers.offset(address);
        MemorySegment seg = r.backing;
        int full = bytes >>> 3;
        for (int i = 0; i < full; i++) out[i] = seg.get(U64, at + 8L * i);
        if (full < words) {
            long w = 0;
            for (int b = 8 * full, shift = 0; b < bytes; b++, shift += 8) w |= (seg.get(U8, at + b) & 0xffL) << shift;
            out[full] = w;
        }
        return out;
    }

    /** Reads a NUL-terminated string of at most {@code max} bytes. */
    public String readCString(long address, int max) {
        Region r = regionOf(address);
        if (r == null) throw fault(address, 1, false, r);
        long off = Pointers.offset(address);
        long end = Math.min(r.size(), off + max);
        StringBuilder sb = new StringBuilder();
        for (long i = off; i < end; i++) {
            byte b = r.backing.get(U8, r.base + i);
            if (b == 0) break;
            sb.append((char) (b & 0xff));
        }
        return sb.toString();
    }
}
