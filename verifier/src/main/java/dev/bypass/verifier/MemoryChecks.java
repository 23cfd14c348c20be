package dev.bypass.verifier;

import static dev.bypass.vm.facts.RegisterType.*;

import dev.bypass.vm.ctx.ContextField;
import dev.bypass.vm.isa.AtomicOp;
import dev.bypass.vm.isa.Instruction.Atomic;
import dev.bypass.vm.isa.Instruction.Load;
import dev.bypass.vm.isa.Instruction.PacketLoad;
import dev.bypass.vm.maps.MapSpec;
import java.util.Arrays;

/**
 * Loads, stores and atomics: every access must fall inside its region (stack frame, context field, map value,
 * helper memory, packet or buffer bytes proven to exist), with Linux's rules for each. The stack is tracked per
 * byte, as Linux does: a register stored at the start of an 8-byte slot is spilled there and a load of the same
 * width gives it back exactly (bounds, links, pointer type); zero stores are remembered as zero bytes.
 *
 * <p>A read of stack bytes never written on the path is refused, except in programs of Linux types, which privileged
 * Linux lets read them: there the bytes read as some number, and the runtime clears the stack before every run of
 * such a program, so that it never sees what another run left there. A store at a variable stack offset initialises
 * none of the bytes it may write.
 */
final class MemoryChecks {
    private final Analyzer a;

    MemoryChecks(Analyzer a) { this.a = a; }

    Reg load(State st, Load l) {
        Reg base = a.transfer.read(st, l.src());
        int size = l.width().bytes;
        Reg v = access(st, l.src(), base, l.offset(), size, false, null, false);
        if (l.signExtend()) v = Reg.scalar(ScalarAlu.signExtend(ScalarAlu.truncate(v.isScalar() ? v.var() : Scalar.UNKNOWN, size), 8 * size));
        return v;
    }

    void store(State st, int baseReg, int off, int size, Reg value, boolean immediate) {
        Reg base = a.transfer.read(st, baseReg);
        access(st, baseReg, base, off, size, true, value, immediate);
    }

    /**
     * Checks an access of {@code size} bytes at {@code base + off}; for loads returns the value read, for stores
     * (with {@code value}) updates stack contents and returns null.
     */
    private Reg access(State st, int baseReg, Reg base, int off, int size, boolean write, Reg value, boolean immediate) {
        Reg loaded = switch (base.type()) {
            case PTR_TO_STACK -> stack(st, base, off, size, write, value, immediate);
            case PTR_TO_CTX -> ctx(base, off, size, write);
            case PTR_TO_MAP_VALUE -> {
                MapSpec m = a.maps.get(base.map());
                if (write && m.readOnlyForPrograms()) throw a.reject(ErrorCode.READ_ONLY_WRITE, "map " + m.name() + " is read-only for programs");
                if (!write && m.writeOnlyForPrograms()) throw a.reject(ErrorCode.INVALID_MEMORY_ACCESS, "map " + m.name() + " is write-only for programs");
                checkRange(base, off, size, m.valueSize(), "map " + m.name() + " value");
                yield write ? null : frozenLoad(base, off, size);
            }
            case PTR_TO_MEM -> {
                checkRange(base, off, size, base.size(), "memory of " + base.size() + " bytes");
                yield write ? null : Reg.scalar(bytes(size));
            }
            case PTR_TO_RDONLY_BUF -> {
                if (write) throw a.reject(ErrorCode.READ_ONLY_WRITE, "r" + baseReg + " (" + base + ") is read-only");
                checkRange(base, off, size, base.size(), "read-only memory of " + base.size() + " bytes");
                yield Reg.scalar(bytes(size));
            }
            case PTR_TO_PACKET -> {
                if (write && !a.ctx.packetWritable())
                    throw a.reject(ErrorCode.READ_ONLY_WRITE, "r" + baseReg + " (" + base + ") points into the " + a.ctx.name() + " context's data, which programs may only read");
                packet(st, base, off, size);
                yield write ? null : Reg.scalar(bytes(size));
            }
            case PTR_TO_MAP_VALUE_OR_NULL, PTR_TO_MEM_OR_NULL, CONST_PTR_TO_MAP_OR_NULL -> throw a.reject(ErrorCode.NULL_DEREFERENCE,
                    "r" + baseReg + " (" + base + ") may be NULL: check it against 0 first");
            case SCALAR -> throw a.reject(ErrorCode.INVALID_MEMORY_ACCESS, "r" + baseReg + " is a number (" + base + "), not a pointer");
            default -> throw a.reject(ErrorCode.INVALID_MEMORY_ACCESS, "r" + baseReg + " (" + base + ") cannot be dereferenced");
        };
        a.facts.access(st, base, off);
        return loaded;
    }

    /** Any value of {@code size} bytes, zero-extended. */
    static Scalar bytes(int size) { return size >= 8 ? Scalar.UNKNOWN : Scalar.unsigned(0, (1L << (8 * size)) - 1); }

    /** Loads from frozen maps ({@code .rodata}) at a known offset read the actual bytes: such values are constants. */
    private Reg frozenLoad(Reg base, int off, int size) {
        byte[] frozen = base.fixedOffset() && base.map() < a.request.maps().size() ? a.request.frozenContents(base.map()) : null;
        if (frozen == null) return Reg.scalar(bytes(size));
        int at = (int) (base.off() + off);
        long v = 0;
        for (int i = size - 1; i >= 0; i--) v = (v << 8) | (frozen[at + i] & 0xff);
        return Reg.constant(v);
    }

    /** Every byte at base + off + [0, size) over the pointer's possible offsets lies inside [0, regionSize). */
    void checkRange(Reg base, int off, int size, long regionSize, String region) {
        long lo = base.off() + off + base.var().smin(), hi = base.off() + off + base.var().smax() + size;
        if (base.var().smin() < -(1L << 31) || base.var().smax() > (1L << 31)) hi = Long.MAX_VALUE; // no overflow below
        if (lo < 0 || hi > regionSize)
            throw a.reject(ErrorCode.OUT_OF_BOUNDS, "access of " + size + " bytes at offset " + (base.off() + off)
                    + (base.fixedOffset() ? "" : " plus " + base.var()) + " is outside " + region);
    }

    /**
     * Packet and buffer bytes exist where a comparison with the end proved them ({@link Reg#range()} bytes from the
     * pointer's variable base), or, for a buffer of known minimum length, below that length.
     */
    private void packet(State st, Reg base, int off, int size) {
        long at = base.off() + off;
        if (base.var().smin() < 0) throw a.reject(ErrorCode.OUT_OF_BOUNDS, "packet pointer " + base + " may be below the start of the packet");
        if (at >= 0 && at + size <= base.range()) return;
        long min = a.bufferProgram() ? a.minBufferLength(st, a.cfg.live[a.slot], true) : 0;
        if (at >= 0 && Long.compareUnsigned(base.var().umax(), 1L << 32) < 0 && base.var().umax() + at + size <= min) return;
        String what = a.bufferProgram() ? "buffer" : "packet";
        throw a.reject(ErrorCode.OUT_OF_BOUNDS, "access of " + size + " bytes at offset " + at + " of " + base + " is not proven inside the "
                + what + " (proven: " + base.range() + " bytes from the pointer" + (min > 0 ? ", " + min + " bytes from the start" : "")
                + "); compare the pointer with the " + what + "'s end (or an index with its length in r2) first");
    }

    // ---------------------------------------------------------------- context

    private Reg ctx(Reg base, int off, int size, boolean write) {
        if (a.ctx.shape() == dev.bypass.vm.ctx.ContextLayout.Shape.RAW) {
            if (!base.fixedOffset()) throw a.reject(ErrorCode.INVALID_CONTEXT_ACCESS, "variable offset context access (" + base.var() + ")");
            long at = base.off() + off;
            if (at < 0 || at + size > a.ctx.size())
                throw a.reject(ErrorCode.INVALID_CONTEXT_ACCESS, "access of " + size + " bytes at offset " + at + " outside the " + a.ctx.size() + "-byte context");
            return write ? null : Reg.scalar(bytes(size));
        }
        if (!base.fixedOffset()) throw a.reject(ErrorCode.INVALID_CONTEXT_ACCESS, "variable offset context access (" + base.var() + ") is not allowed");
        if (base.off() != 0) throw a.reject(ErrorCode.INVALID_CONTEXT_ACCESS, "dereference of the modified context pointer (ctx+" + base.off() + ") is not allowed; use the offset in the instruction");
        long at = off;
        ContextField f = at < 0 || at >= a.ctx.size() ? null : a.ctx.fieldAt((int) at);
        String name = a.ctx.name();
        if (f == null || at + size > f.offset() + f.size())
            throw a.reject(ErrorCode.INVALID_CONTEXT_ACCESS, "no field of context " + name + " covers " + size + " bytes at offset " + at);
        if (at % size != 0)
            throw a.reject(ErrorCode.INVALID_CONTEXT_ACCESS, "misaligned access of " + size + " bytes at offset " + at + " of context " + name);
        switch (f.kind()) {
            case BYTES -> {
                if (write && !f.writable()) throw a.reject(ErrorCode.INVALID_CONTEXT_ACCESS, "context field " + f.name() + " is read-only");
                return write ? null : Reg.scalar(bytes(size));
            }
            case SCALAR -> {
                if (write) {
                    if (!f.writable()) throw a.reject(ErrorCode.INVALID_CONTEXT_ACCESS, "context field " + f.name() + " is read-only");
                    if (size != f.size()) throw a.reject(ErrorCode.INVALID_CONTEXT_ACCESS, "context field " + f.name() + " must be written whole (" + f.size() + " bytes)");
                    return null;
                }
                return Reg.scalar(bytes(size));
            }
            default -> {
                if (write) throw a.reject(ErrorCode.INVALID_CONTEXT_ACCESS, "context field " + f.name() + " is read-only");
                if (size != f.size() || at != f.offset())
                    throw a.reject(ErrorCode.INVALID_CONTEXT_ACCESS, "pointer field " + f.name() + " must be read whole (" + f.size() + " bytes)");
                return switch (f.kind()) {
                    case PACKET_END -> Reg.pointer(PTR_TO_PACKET_END, 0, -1, 0, 0);
                    default -> Reg.pointer(PTR_TO_PACKET, 0, -1, 0, 0).withId(a.freshId());
                };
            }
        }
    }

    // ---------------------------------------------------------------- stack

    private Reg stack(State st, Reg base, int off, int size, boolean write, Reg value, boolean immediate) {
        State.Frame fr = st.frames[base.frame()];
        Tnum at = base.var().t().add(Tnum.constant(base.off() + off));
        if (((at.value() | at.mask()) & (size - 1)) != 0)
            throw a.reject(ErrorCode.MISALIGNED_ACCESS, "misaligned stack access of " + size + " bytes at offset " + (base.off() + off)
                    + (base.fixedOffset() ? "" : " plus " + base.var()) + " (stack accesses must be " + size + "-byte aligned)");
        long lo = base.off() + off + base.var().smin(), hi = base.off() + off + base.var().smax() + size;
        if (base.var().smin() < -(1L << 31) || base.var().smax() > (1L << 31)) lo = Long.MIN_VALUE;
        if (lo < -State.STACK || hi > 0)
            throw a.reject(ErrorCode.OUT_OF_BOUNDS, "stack access of " + size + " bytes at offset " + (base.off() + off)
                    + (base.fixedOffset() ? "" : " plus " + base.var()) + " is outside the 512-byte stack");
        int p0 = (int) (lo + State.STACK), p1 = (int) (hi + State.STACK);
        requireNoIterator(fr, p0, p1, write ? "a store" : "a load");
        if (!base.fixedOffset()) return varStack(st, fr, base, p0, p1, size, write, value, immediate);
        int slot = p0 / 8;
        a.explorer.noteStackAccess(base.frame(), slot);
        if (write) {
            boolean atSlotStart = p0 % 8 == 0;
            if (value.isPointer()) {
                if (size != 8) throw a.reject(ErrorCode.INVALID_MEMORY_ACCESS, "partial spill of pointer " + value + " (" + size + " bytes)");
                if (value.type() == PTR_TO_STACK && base.frame() < st.depth())
                    throw a.reject(ErrorCode.INVALID_MEMORY_ACCESS, "a pointer into a stack frame stored into a caller's frame");
                if (value.type() == PTR_TO_STACK) a.facts.stackEscapes(st, value.frame());
                spill(fr, slot, value, 8);
            } else if (atSlotStart) {
                // a scalar (register or immediate) stored at a slot's start is remembered exactly; its links only when
                // the store keeps the whole value
                Reg v = value;
                if (!fits(v.var(), size)) v = v.withId(0).withOff(0).withLenSlack(0);
                spill(fr, slot, v, size);
            } else {
                scrub(fr, slot);
                byte kind = value.isConstant() && value.value() == 0 ? State.ZERO : State.MISC;
                Arrays.fill(fr.kinds, p0, p1, kind);
            }
            return null;
        }
        // load
        if (fr.spills[slot] != null && fr.kinds[slot * 8] == State.SPILL) {
            Reg spilled = fr.spills[slot];
            int spillSize = fr.spillSize(slot);
            if (size == 8 && spillSize == 8) return spilled;
            if (!spilled.isScalar()) throw a.reject(ErrorCode.INVALID_MEMORY_ACCESS, "partial read (" + size + " bytes) of spilled pointer " + spilled);
            if (size <= spillSize && p0 % 8 == 0) {
                Reg v = spilled;
                if (!fits(v.var(), size)) v = Reg.scalar(ScalarAlu.truncate(v.var(), size));
                return v;
            }
            int spillBytes = 0, zeros = 0;
            for (int p = p0; p < p1; p++) {
                byte k = fr.kinds[p];
                if (k == State.INVALID) readUnwritten(st, base.frame(), p0, p, size);
                if (k == State.SPILL) spillBytes++;
                if (k == State.ZERO) zeros++;
            }
            if (spillBytes == size && spilled.isConstant()) {
                long v = spilled.value() >>> (8 * (p0 % 8));
                return Reg.constant(size == 8 ? v : v & ((1L << (8 * size)) - 1)); // a load zero-extends
            }
            return zeros == size ? Reg.constant(0) : Reg.scalar(bytes(size));
        }
        int zeros = 0;
        for (int p = p0; p < p1; p++) {
            if (fr.kinds[p] == State.INVALID) readUnwritten(st, base.frame(), p0, p, size);
            if (fr.kinds[p] == State.ZERO) zeros++;
        }
        return zeros == size ? Reg.constant(0) : Reg.scalar(bytes(size));
    }

    /** Stack bytes [p0, p1) that {@code what} may touch: none may be part of an iterator, which only its kfuncs use. */
    void requireNoIterator(State.Frame fr, int p0, int p1, String what) {
        for (int p = p0; p < p1; p++)
            if (fr.kinds[p] == State.ITER)
                throw a.reject(ErrorCode.INVALID_MEMORY_ACCESS, what + " may touch fp" + (p - State.STACK) + ", part of the iterator at fp"
                        + (p / 8 * 8 - State.STACK) + ": only the iterator kfuncs (bpf_iter_num_*) may use its bytes");
    }

    /**
     * A read of {@code size} bytes at {@code p0} includes byte {@code p}, never written on this path: refused, except
     * in programs of Linux types (as privileged Linux allows it), where the byte reads as some number and the runtime
     * clears the stack before each run of the program ({@link dev.bypass.vm.facts.ProgramFacts#readsUnwrittenStack}).
     */
    private void readUnwritten(State st, int frame, int p0, int p, int size) {
        if (a.readUnwrittenStack()) return;
        throw a.reject(ErrorCode.UNINIT_STACK, "read of " + size + " bytes at fp" + (p0 - State.STACK) + " includes fp" + (p - State.STACK)
                + ", which this path never wrote (only programs of Linux types may read such bytes, as privileged Linux lets them)");
    }

    /** Whether every value of {@code v} is kept by a store of {@code size} bytes. */
    private static boolean fits(Scalar v, int size) {
        return size == 8 || Long.compareUnsigned(v.umax(), (1L << (8 * size)) - 1) <= 0;
    }

    /** A register spilled into the first {@code size} bytes of a slot; the slot's other spilled bytes become numbers. */
    private static void spill(State.Frame fr, int slot, Reg v, int size) {
        int base = slot * 8;
        boolean hadSpill = fr.spills[slot] != null;
        for (int p = base; p < base + 8; p++) {
            if (p < base + size) fr.kinds[p] = State.SPILL;
            else if (fr.kinds[p] == State.SPILL) fr.kinds[p] = State.MISC; // see scrub
        }
        fr.spills[slot] = v;
    }

    /**
     * Part of a slot holding a spilled register is overwritten: the rest stays initialised, as some number (as Linux
     * keeps it). Not as zero bytes when the spill was the constant 0: zero bytes are read back exactly, but the spill's
     * value may be imprecise (a path pruned against this state may have spilled another number there).
     */
    static void scrub(State.Frame fr, int slot) {
        if (fr.spills[slot] == null) return;
        for (int p = slot * 8; p < slot * 8 + 8; p++) if (fr.kinds[p] == State.SPILL) fr.kinds[p] = State.MISC;
        fr.spills[slot] = null;
    }

    /** An access at a variable stack offset: every byte it may touch [p0, p1) must be in the frame. */
    private Reg varStack(State st, State.Frame fr, Reg base, int p0, int p1, int size, boolean write, Reg value, boolean immediate) {
        a.facts.stackEscapes(st, base.frame());
        if (write) {
            if (value.isPointer()) throw a.reject(ErrorCode.INVALID_MEMORY_ACCESS, "pointer " + value + " stored at a variable stack offset");
            boolean zero = value.isConstant() && value.value() == 0;
            for (int s = p0 / 8; s <= (p1 - 1) / 8; s++) scrub(fr, s);
            for (int p = p0; p < p1; p++) if (fr.kinds[p] == State.ZERO && !zero) fr.kinds[p] = State.MISC;
            return null;
        }
        int zeros = 0;
        for (int p = p0; p < p1; p++) {
            byte k = fr.kinds[p];
            if (k == State.INVALID) {
                if (a.readUnwrittenStack()) continue;
                throw a.reject(ErrorCode.UNINIT_STACK, "variable-offset stack read of " + size + " bytes (fp" + (p0 - State.STACK) + ".." + (p1 - State.STACK)
                        + ") may read fp" + (p - State.STACK) + ", which this path never wrote");
            }
            if (k == State.SPILL && !fr.spills[p / 8].isScalar())
                throw a.reject(ErrorCode.INVALID_MEMORY_ACCESS, "variable-offset stack read may read spilled pointer " + fr.spills[p / 8]);
            if (k == State.ZERO || k == State.SPILL && fr.spills[p / 8].isConstant() && fr.spills[p / 8].value() == 0) zeros++;
        }
        return zeros == p1 - p0 ? Reg.constant(0) : Reg.scalar(bytes(size));
    }

    // ---------------------------------------------------------------- atomics and legacy packet loads

    void atomic(State st, Atomic at) {
        Reg v = a.transfer.read(st, at.src());
        Reg base = a.transfer.read(st, at.dst());
        int size = at.width().bytes;
        switch (base.type()) {
            case PTR_TO_STACK, PTR_TO_MAP_VALUE, PTR_TO_MEM -> {}
            case PTR_TO_MAP_VALUE_OR_NULL, PTR_TO_MEM_OR_NULL -> throw a.reject(ErrorCode.NULL_DEREFERENCE,
                    "atomic operation on r" + at.dst() + " (" + base + "), which may be NULL: check it first");
            default -> throw a.reject(ErrorCode.INVALID_MEMORY_ACCESS, "atomic operation on r" + at.dst() + " (" + base
                    + "): only the stack, map values and memory from helpers allow it");
        }
        Tnum where = base.var().t().add(Tnum.constant(base.off() + at.offset()));
        if (((where.value() | where.mask()) & (size - 1)) != 0)
            throw a.reject(ErrorCode.MISALIGNED_ACCESS, "misaligned " + size + "-byte atomic operation at offset " + (base.off() + at.offset()));
        if (at.op() == AtomicOp.CMPXCHG) {
            Reg r0 = a.transfer.read(st, 0);
            if (!r0.isScalar()) throw a.reject(ErrorCode.INVALID_POINTER_ARITHMETIC, "cmpxchg compares with pointer r0 (" + r0 + ")");
        }
        if (!v.isScalar() && base.type() == PTR_TO_STACK) throw a.reject(ErrorCode.INVALID_MEMORY_ACCESS, "atomic operation with pointer r" + at.src() + " on the stack");
        access(st, at.dst(), base, at.offset(), size, false, null, false); // it reads before it writes
        access(st, at.dst(), base, at.offset(), size, true, Reg.scalar(bytes(size)), false);
        if (base.type() == PTR_TO_STACK && base.fixedOffset()) {
            // the slot now holds some number
            State.Frame fr = st.frames[base.frame()];
            int p0 = (int) (base.off() + at.offset() + State.STACK);
            scrub(fr, p0 / 8);
            Arrays.fill(fr.kinds, p0, p0 + size, State.MISC);
        }
        Reg old = Reg.scalar(bytes(size));
        if (at.op() == AtomicOp.CMPXCHG) st.set(0, old);
        else if (at.fetch() || at.op() == AtomicOp.XCHG) a.transfer.writeReg(st, at.src(), old);
    }

    /**
     * A legacy packet load: r0 = the bytes, r1-r5 clobbered. A load outside the packet returns 0 from the current
     * function (Linux's hidden exit), so that path is walked too.
     */
    void packetLoad(int s, State st, PacketLoad p, Explorer.Checkpoint cp) {
        Reg r6 = a.transfer.read(st, 6);
        if (r6.type() != PTR_TO_CTX || !r6.fixedOffset() || r6.off() != 0)
            throw a.reject(ErrorCode.INVALID_INSN, "legacy packet load needs the context in r6, found " + r6);
        if (p.indirect()) {
            Reg x = a.transfer.read(st, p.src());
            if (!x.isScalar()) throw a.reject(ErrorCode.INVALID_POINTER_ARITHMETIC, "legacy packet load offset r" + p.src() + " is a pointer (" + x + ")");
        }
        if (st.lockHeld) throw a.reject(ErrorCode.LOCK_MISUSE, "legacy packet load while holding a spin lock");
        a.calls.requireScalarReturn(s, "legacy packet load");
        // the load may end the program (a read past the packet returns 0): nothing may be held then
        if (st.refs.length > 0) throw a.reject(ErrorCode.UNRELEASED_REFERENCE, "legacy packet load while holding " + st.refs.length + " reference(s)");
        for (int r = 1; r <= 5; r++) st.set(r, Reg.NOT_INIT);
        State failed = st.copy();
        failed.set(0, Reg.constant(0));
        int next = a.calls.exit(s, failed);
        if (next >= 0) a.explorer.fork(next, failed, cp);
        st.set(0, Reg.scalar(bytes(p.width().bytes)));
    }
}
