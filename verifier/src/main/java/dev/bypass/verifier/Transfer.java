package dev.bypass.verifier;

import static dev.bypass.vm.facts.RegisterType.*;

import dev.bypass.vm.facts.RegisterType;
import dev.bypass.vm.isa.AluOp;
import dev.bypass.vm.isa.Instruction;
import dev.bypass.vm.isa.Instruction.*;
import dev.bypass.vm.isa.JumpOp;
import dev.bypass.vm.isa.Opcodes;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.maps.MapSpec;
import dev.bypass.vm.maps.MapType;
import java.util.ArrayList;
import java.util.List;

/**
 * One instruction's effect on a path's {@link State}: arithmetic over the scalar domain and on pointers (with Linux's
 * rules for privileged programs), constants, conditional jumps (refining both sides, linked scalars, NULL checks,
 * packet and buffer ranges), and dispatch of memory accesses to {@link MemoryChecks} and calls to {@link Calls}.
 */
final class Transfer {
    /** Linux's BPF_MAX_VAR_OFF: pointer offsets beyond this are refused outright. */
    static final long MAX_VAR_OFF = 1L << 29;
    /** Linux's MAX_PACKET_OFF: no packet is longer. */
    static final long MAX_PACKET_OFF = 0xffff;

    private final Analyzer a;

    Transfer(Analyzer a) { this.a = a; }

    /** Constants a widened bound may stop at: every jump and ALU immediate, lddw numbers, map value sizes. */
    static List<Long> constants(Program p, List<MapSpec> maps) {
        List<Long> out = new ArrayList<>();
        for (Instruction i : p.instructions()) {
            switch (i) {
                case Jump j when !j.useRegister() -> out.add((long) j.imm());
                case Alu al when !al.useRegister() -> out.add((long) al.imm());
                case LoadImm64 l when l.pseudo() == Opcodes.PSEUDO_IMM64 -> out.add(l.value());
                default -> {}
            }
        }
        for (MapSpec m : maps) out.add((long) m.valueSize());
        out.add(MAX_PACKET_OFF);
        return out;
    }

    /** Executes the instruction at {@code s} abstractly; returns the next slot, or -1 when the path ended. */
    int step(int s, State st, Explorer.Checkpoint cp) {
        Instruction insn = a.program.at(s);
        switch (insn) {
            case Alu al -> {
                alu(st, al);
                return s + 1;
            }
            case Endian e -> {
                Reg v = read(st, e.dst());
                if (e.dst() == 10) throw a.reject(ErrorCode.FRAME_POINTER_WRITE, "r10 (the frame pointer) is read-only");
                st.set(e.dst(), Reg.scalar(v.isScalar() ? ScalarAlu.endian(e.order(), e.bits(), v.var()) : Scalar.UNKNOWN));
                return s + 1;
            }
            case LoadImm64 l -> {
                loadImm64(st, l, s);
                return s + 2;
            }
            case Load l -> {
                Reg value = a.memory.load(st, l);
                writeReg(st, l.dst(), value);
                return s + 1;
            }
            case Store x -> {
                Reg v = read(st, x.src());
                // a zero stored into the stack is kept as zero bytes, read back exactly: the value must be exact
                // wherever states are compared (as Linux marks it precise)
                if (v.isConstant() && v.value() == 0 && read(st, x.dst()).type() == RegisterType.PTR_TO_STACK) a.explorer.needPrecise(st, x.src());
                a.memory.store(st, x.dst(), x.offset(), x.width().bytes, v, false);
                return s + 1;
            }
            case StoreImm x -> {
                a.memory.store(st, x.dst(), x.offset(), x.width().bytes, Reg.constant(x.imm()), true);
                return s + 1;
            }
            case Atomic at -> {
                a.memory.atomic(st, at);
                return s + 1;
            }
            case PacketLoad p -> {
                a.memory.packetLoad(s, st, p, cp);
                return s + 1;
            }
            case Goto g -> {
                return s + 1 + g.offset();
            }
            case Jump j -> {
                return jump(s, st, j, cp);
            }
            case MayGoto m -> {
                // nothing in the state tells whether the budget is spent: both ways, neither learning anything
                a.explorer.fork(s + 1 + m.offset(), st.copy(), cp);
                st.top().mayGotoPasses++;
                return s + 1;
            }
            case Call c when c.kind() == CallKind.HELPER -> {
                return a.calls.helper(s, st, c.imm(), cp);
            }
            case Call c when c.kind() == CallKind.KFUNC -> {
                return a.calls.kfunc(s, st, c.imm(), cp);
            }
            case Call c -> {
                return a.calls.local(s, st, s + 1 + c.imm());
            }
            case CallRegister c -> {
                Reg target = read(st, c.reg());
                a.explorer.needPrecise(st, c.reg());
                if (!target.isConstant())
                    throw a.reject(ErrorCode.INVALID_INSN, "callx needs a known helper id in r" + c.reg() + ", found " + target);
                return a.calls.helper(s, st, (int) target.value(), cp);
            }
            case Exit e -> {
                return a.calls.exit(s, st);
            }
        }
    }

    // ---------------------------------------------------------------- registers

    Reg read(State st, int r) {
        Reg v = st.reg(r);
        if (!v.isInit()) throw a.reject(ErrorCode.UNINIT_REGISTER, "r" + r + " is read before it is written");
        return v;
    }

    void writeReg(State st, int r, Reg v) {
        if (r == 10) throw a.reject(ErrorCode.FRAME_POINTER_WRITE, "r10 (the frame pointer) is read-only");
        st.set(r, v);
    }

    // ---------------------------------------------------------------- ALU

    private void alu(State st, Alu al) {
        if (al.dst() == 10) throw a.reject(ErrorCode.FRAME_POINTER_WRITE, "r10 (the frame pointer) is read-only");
        AluOp op = al.op();
        boolean isMov = op == AluOp.MOV || op.isSignExtendingMove();
        Reg src = al.useRegister() ? read(st, al.src()) : Reg.constant(al.alu64() ? (long) al.imm() : al.imm() & 0xffffffffL);
        Reg dst = isMov ? null : read(st, al.dst());
        if (op == AluOp.MOV) {
            st.set(al.dst(), move(st, al, src));
            return;
        }
        if (op.isSignExtendingMove()) {
            st.set(al.dst(), Reg.scalar(src.isScalar() ? ScalarAlu.alu(op, al.alu64(), Scalar.UNKNOWN, src.var()) : al.alu64() ? Scalar.UNKNOWN : Scalar.UNKNOWN32));
            return;
        }
        if (op == AluOp.NEG) {
            st.set(al.dst(), Reg.scalar(dst.isScalar() ? ScalarAlu.alu(op, al.alu64(), dst.var(), Scalar.constant(0))
                    : al.alu64() ? Scalar.UNKNOWN : Scalar.UNKNOWN32)); // a negated pointer is a number (privileged Linux)
            return;
        }
        if (dst.isPointer() || src.isPointer()) {
            st.set(al.dst(), pointerAlu(st, al, dst, src));
            return;
        }
        Scalar r = a.options.linuxUndefined() ? linuxUndefined(al, src) : null;
        if (r == null) r = ScalarAlu.alu(op, al.alu64(), dst.var(), src.var());
        Reg out = Reg.scalar(r);
        // Linked scalars: rX += c keeps rX tied to its copies (value = base + off); a buffer index keeps its proof.
        if (al.alu64() && (op == AluOp.ADD || op == AluOp.SUB) && src.isConstant()) {
            long c = op == AluOp.ADD ? src.value() : -src.value();
            if (dst.id() != 0 && c != Long.MIN_VALUE) out = out.withId(dst.id()).withOff(dst.off() + c);
            if (dst.lenSlack() > 0 && noWrap(dst.var(), c)) out = out.withLenSlack(sat(dst.lenSlack() - c));
        }
        st.set(al.dst(), out);
    }

    /**
     * How far below the buffer's length the scalar is proven: by a comparison with it, or by its bound and the
     * length's. With {@code mark}, a decision rests on it: a bound on the length it used becomes precise.
     */
    long effectiveSlack(State st, int liveTop, Reg k, boolean mark) {
        long slack = k.lenSlack();
        if (!k.isScalar() || Long.compareUnsigned(k.var().umax(), 1L << 40) >= 0) return slack;
        long byBounds = a.minBufferLength(st, liveTop, false) - k.var().umax();
        if (byBounds <= slack) return slack;
        if (mark) a.minBufferLength(st, liveTop, true);
        return byBounds;
    }

    /**
     * Linux's reading of the operations RFC 9669 defines but Linux does not ({@link Analyzer.Options#linuxUndefined}):
     * a constant shift past the width or division by the constant 0 is refused, and a result that may come from
     * such an operation is unknown; null when the operation is defined for every operand.
     */
    private Scalar linuxUndefined(Alu al, Reg src) {
        int bits = al.alu64() ? 64 : 32;
        Scalar unknown = al.alu64() ? Scalar.UNKNOWN : Scalar.UNKNOWN32;
        switch (al.op()) {
            case DIV, SDIV, MOD, SMOD -> {
                if (!al.useRegister() && al.imm() == 0) throw a.reject(ErrorCode.INVALID_INSN, "division by the constant 0 (Linux refuses it)");
                return al.useRegister() ? unknown : null; // Linux tracks no quotient or remainder of a register
            }
            case LSH, RSH, ARSH -> {
                if (!al.useRegister() && (al.imm() < 0 || al.imm() >= bits)) throw a.reject(ErrorCode.INVALID_INSN, "shift by " + al.imm() + " of a " + bits + "-bit value (Linux refuses it)");
                return Long.compareUnsigned(src.var().umax(), bits) >= 0 ? unknown : null;
            }
            default -> { return null; }
        }
    }

    /** Whether x + c never wraps for any x of {@code v}. */
    private static boolean noWrap(Scalar v, long c) {
        return c >= 0 ? Long.compareUnsigned(v.umax(), -1L - c) <= 0 : Long.compareUnsigned(v.umin(), -c) >= 0;
    }

    private static int sat(long v) { return (int) Math.max(0, Math.min(Integer.MAX_VALUE, v)); }

    private Reg move(State st, Alu al, Reg src) {
        if (al.alu64()) {
            if (!al.useRegister() || !src.isScalar() || src.isConstant()) return src;
            // a copy is linked to its original: a comparison on one narrows both
            if (src.id() == 0) {
                src = src.withId(a.freshId()).withOff(0);
                st.set(al.src(), src);
            }
            return src;
        }
        if (!src.isScalar()) return Reg.scalar(Scalar.UNKNOWN32); // a 32-bit copy of a pointer is a number
        Scalar v = src.var().zext32();
        if (al.useRegister() && Long.compareUnsigned(src.var().umax(), Scalar.U32) <= 0 && !src.isConstant()) {
            if (src.id() == 0) {
                src = src.withId(a.freshId()).withOff(0);
                st.set(al.src(), src);
            }
            return src.off() == 0 ? Reg.scalar(v).withId(src.id()).withLenSlack(src.lenSlack()) : Reg.scalar(v);
        }
        return Reg.scalar(v);
    }

    private Reg pointerAlu(State st, Alu al, Reg dst, Reg src) {
        AluOp op = al.op();
        Reg ptr = dst.isPointer() ? dst : src;
        if (!al.alu64()) {
            // As in Linux for privileged programs: a 32-bit subtraction involving a pointer gives a meaningless number.
            if (op == AluOp.SUB) return Reg.scalar(Scalar.UNKNOWN32);
            throw a.reject(ErrorCode.INVALID_POINTER_ARITHMETIC, "32-bit arithmetic on pointer " + ptr + " is not allowed");
        }
        if (dst.isPointer() && src.isPointer()) {
            if (op == AluOp.SUB) return Reg.UNKNOWN; // the distance between two pointers is a number
            throw a.reject(ErrorCode.INVALID_POINTER_ARITHMETIC, op.mnemonic + " of two pointers (" + dst + ", " + src + ") is not allowed");
        }
        if (op == AluOp.SUB && src.isPointer())
            throw a.reject(ErrorCode.INVALID_POINTER_ARITHMETIC, "a pointer (" + src + ") subtracted from a number");
        // as in Linux, also for privileged programs: stack addresses are formed by adding (r10 + -8, not r10 - 8)
        if (op == AluOp.SUB && dst.type() == PTR_TO_STACK)
            throw a.reject(ErrorCode.INVALID_POINTER_ARITHMETIC, "subtraction from a stack pointer (" + dst + ") is not allowed; add a negative number instead");
        if (op != AluOp.ADD && op != AluOp.SUB)
            throw a.reject(ErrorCode.INVALID_POINTER_ARITHMETIC, op.mnemonic + " on pointer " + ptr + " is not allowed (only add and subtract a number)");
        Reg k = dst.isPointer() ? src : dst;
        if (k == src ? al.useRegister() : true) a.explorer.needPrecise(st, k == src ? al.src() : al.dst());
        switch (ptr.type()) {
            case PTR_TO_MAP_VALUE_OR_NULL, PTR_TO_MEM_OR_NULL, CONST_PTR_TO_MAP_OR_NULL -> throw a.reject(ErrorCode.INVALID_POINTER_ARITHMETIC,
                    "arithmetic on " + ptr + " before its NULL check");
            case CONST_PTR_TO_MAP -> {
                if (k.isConstant() && k.value() == 0 && op == AluOp.ADD) return ptr; // Linux allows map_ptr + 0
                throw a.reject(ErrorCode.INVALID_POINTER_ARITHMETIC, "arithmetic on " + ptr + " is not allowed");
            }
            case PTR_TO_PACKET_END, PTR_TO_FUNC -> {
                if (!a.bufferProgram() || ptr.type() != PTR_TO_PACKET_END || !k.isConstant())
                    throw a.reject(ErrorCode.INVALID_POINTER_ARITHMETIC, "arithmetic on " + ptr + " is not allowed");
            }
            default -> {}
        }
        Scalar kv = op == AluOp.SUB ? ScalarAlu.alu(AluOp.NEG, true, k.var(), Scalar.constant(0)) : k.var();
        checkOffset(kv, ptr, "the number added to ");
        if (kv.isConstant()) {
            long off = ptr.off() + kv.value();
            if (off >= MAX_VAR_OFF || off <= -MAX_VAR_OFF)
                throw a.reject(ErrorCode.INVALID_POINTER_ARITHMETIC, ptr.typeName() + " pointer offset " + off + " is not allowed (limit " + MAX_VAR_OFF + ")");
            // a constant index proven below the length: the buffer's bytes up to it and its proof exist
            long slack = a.bufferProgram() && ptr.type() == PTR_TO_PACKET && ptr.fixedOffset() && op == AluOp.ADD && kv.value() >= 0 ? effectiveSlack(st, a.cfg.live[a.slot], k, true) : 0;
            if (slack > 0) return ptr.withOff(off).withRange((int) Math.max(ptr.range(), Math.min(Integer.MAX_VALUE, kv.value() + slack)));
            return ptr.withOff(off);
        }
        // a buffer pointer plus the length itself is the end of the buffer
        if (a.bufferProgram() && ptr.type() == PTR_TO_PACKET && ptr.fixedOffset() && k.id() == Analyzer.LENGTH_ID && op == AluOp.ADD)
            return new Reg(PTR_TO_PACKET_END, ptr.off() + k.off(), Scalar.constant(0), 0, 0, -1, 0, 0, 0, 0);
        if (ptr.type() == PTR_TO_STACK) a.facts.stackEscapes(st, ptr.frame());
        Scalar var = ScalarAlu.alu(AluOp.ADD, true, ptr.var(), kv);
        Reg out = ptr.withVar(var);
        checkOffset(var, ptr, "the variable offset of ");
        if (ptr.type() == PTR_TO_PACKET) {
            // a new variable part: its range must be proven again, unless an index proven below the buffer's length
            // was added to the buffer's start
            int range = a.bufferProgram() && ptr.fixedOffset() && op == AluOp.ADD ? (int) Math.max(0, Math.min(Integer.MAX_VALUE, effectiveSlack(st, a.cfg.live[a.slot], k, true))) : 0;
            out = out.withId(a.freshId()).withRange(range);
        }
        return out;
    }

    /** Linux's check_reg_sane_offset: offsets that could take a pointer far outside any object are refused. */
    private void checkOffset(Scalar v, Reg ptr, String what) {
        if (v.smin() == Long.MIN_VALUE)
            throw a.reject(ErrorCode.INVALID_POINTER_ARITHMETIC, what + ptr.typeName() + " pointer has no lower bound (" + v + ")");
        if (v.smin() <= -MAX_VAR_OFF || v.smin() >= MAX_VAR_OFF)
            throw a.reject(ErrorCode.INVALID_POINTER_ARITHMETIC, what + ptr.typeName() + " pointer (" + v + ") would take it out of bounds (limit " + MAX_VAR_OFF + ")");
    }

    // ---------------------------------------------------------------- lddw

    private void loadImm64(State st, LoadImm64 l, int s) {
        if (l.dst() == 10) throw a.reject(ErrorCode.FRAME_POINTER_WRITE, "r10 (the frame pointer) is read-only");
        Reg v = switch (l.pseudo()) {
            case Opcodes.PSEUDO_IMM64 -> Reg.constant(l.value());
            case Opcodes.PSEUDO_MAP_FD, Opcodes.PSEUDO_MAP_VALUE -> throw a.reject(ErrorCode.INVALID_INSN, "lddw refers to map id (file descriptor) "
                    + l.imm() + ", which names no map of this program: an object refers to its maps through relocations");
            case Opcodes.PSEUDO_MAP_IDX -> Reg.pointer(CONST_PTR_TO_MAP, 0, mapIndex(l.imm()), 0, 0);
            case Opcodes.PSEUDO_MAP_IDX_VALUE -> {
                int m = mapIndex(l.imm());
                MapSpec spec = a.maps.get(m);
                if (spec.type() != MapType.ARRAY || spec.maxEntries() != 1)
                    throw a.reject(ErrorCode.INVALID_INSN, "direct value access needs a one-element array map, map " + spec.name() + " is " + spec.type());
                if (l.nextImm() < 0 || l.nextImm() >= spec.valueSize())
                    throw a.reject(ErrorCode.OUT_OF_BOUNDS, "direct value offset " + l.nextImm() + " outside map " + spec.name() + " value of " + spec.valueSize() + " bytes");
                yield Reg.pointer(PTR_TO_MAP_VALUE, l.nextImm(), m, 0, 0);
            }
            case Opcodes.PSEUDO_FUNC -> Reg.pointer(PTR_TO_FUNC, s + 1 + l.imm(), -1, 0, 0);
            default -> throw a.reject(ErrorCode.INVALID_INSN, "lddw with pseudo source " + l.pseudo() + " is not supported");
        };
        st.set(l.dst(), v);
    }

    private int mapIndex(int imm) {
        if (imm < 0 || imm >= a.request.maps().size())
            throw a.reject(ErrorCode.INVALID_INSN, "map reference " + imm + " does not name one of the program's " + a.request.maps().size() + " maps");
        return imm;
    }

    // ---------------------------------------------------------------- branches

    private int jump(int s, State st, Jump j, Explorer.Checkpoint cp) {
        Reg x = read(st, j.dst());
        Reg y = j.useRegister() ? read(st, j.src()) : Reg.constant(j.jmp64() ? (long) j.imm() : j.imm() & 0xffffffffL);
        int target = s + 1 + j.offset();
        State taken = st.copy();
        boolean canTake = refine(taken, j, x, y, true);
        boolean canFall = refine(st, j, x, y, false);
        if (canTake && canFall) {
            a.explorer.fork(target, taken, cp);
            return s + 1;
        }
        // one outcome was ruled out by what the operands are: their values mattered
        if (x.isScalar()) a.explorer.needPrecise(st, j.dst());
        if (j.useRegister() && y.isScalar()) a.explorer.needPrecise(st, j.src());
        if (canTake) {
            st.become(taken);
            return target;
        }
        if (canFall) return s + 1;
        return -1; // neither outcome can happen: the state itself is contradictory, this path cannot run
    }

    /**
     * Refines {@code st}, a state at {@code to}, by the condition of the edge {@code from -> to} (when {@code from}
     * is a conditional jump); false when no state can take that edge.
     */
    boolean refineEdge(State st, int from, int to) {
        if (!(a.program.at(from) instanceof Jump j)) return true;
        int target = from + 1 + j.offset();
        if (target == from + 1) return true;
        Reg x = st.reg(j.dst()), y = j.useRegister() ? st.reg(j.src()) : Reg.constant(j.jmp64() ? (long) j.imm() : j.imm() & 0xffffffffL);
        if (!x.isInit() || !y.isInit()) return true;
        return refine(st, j, x, y, to == target);
    }

    /**
     * Refines {@code st} with the knowledge that {@code x op y} is {@code holds}; false when that is impossible.
     */
    private boolean refine(State st, Jump j, Reg x, Reg y, boolean holds) {
        if (x.isPointer() || y.isPointer()) return refinePointers(st, j, x, y, holds);
        Scalar[] r = ScalarBranch.refine(j.op(), holds, j.jmp64(), x.var(), y.var());
        if (r == null) return false;
        Reg nx = x.withVar(r[0]), ny = y.withVar(r[1]);
        if (a.bufferProgram() && j.jmp64()) {
            JumpOp op = holds ? j.op() : j.op().negate();
            if (op != null) {
                nx = lengthFact(op, nx, ny);
                ny = lengthFact(op.swapped(), ny, nx);
            }
        }
        update(st, j.dst(), nx);
        if (j.useRegister()) update(st, j.src(), ny);
        return true;
    }

    /** Writes a refined scalar back, with every scalar linked to it (same id) narrowed alike. */
    private void update(State st, int r, Reg v) {
        st.set(r, v);
        if (v.id() == 0) return;
        int id = v.id();
        long off = v.off();
        Precision.Need linked = linkedElsewhere(st, r, id);
        if (linked != null) a.explorer.noteLinked(linked);
        st.mapAll(o -> {
            if (!o.isScalar() || o.id() != id) return o;
            if (o.off() == off) return o.withVar(v.var()).withLenSlack(Math.max(o.lenSlack(), v.lenSlack()));
            Scalar moved = ScalarAlu.alu(AluOp.ADD, true, v.var(), Scalar.constant(o.off() - off));
            Scalar m = o.var().meet(moved);
            return m == null ? o : o.withVar(m);
        });
    }

    /** The locations other than register {@code r} of the current frame holding a scalar with this id, or null. */
    private static Precision.Need linkedElsewhere(State st, int r, int id) {
        Precision.Need out = null;
        for (int f = 0; f < st.frames.length; f++) {
            State.Frame fr = st.frames[f];
            for (int i = 0; i < 11; i++)
                if ((f != st.depth() || i != r) && fr.regs[i].isScalar() && fr.regs[i].id() == id) (out = out == null ? new Precision.Need() : out).setReg(f, i);
            for (int i = 0; i < fr.spills.length; i++)
                if (fr.spills[i] != null && fr.spills[i].isScalar() && fr.spills[i].id() == id) (out = out == null ? new Precision.Need() : out).setSlot(f, i);
        }
        return out;
    }

    /** x op y with y the buffer's length (+ d): how far below the length x is proven (buffer programs). */
    private static Reg lengthFact(JumpOp op, Reg x, Reg y) {
        if (y.id() != Analyzer.LENGTH_ID || !x.isScalar() || Long.compareUnsigned(y.var().umax(), 1L << 62) >= 0) return x;
        long slack = switch (op) {
            case JLT -> 1 - y.off(); // x < len + d: x + 1 - d <= len
            case JLE -> -y.off();
            default -> 0;
        };
        return slack > x.lenSlack() ? x.withLenSlack(sat(slack)) : x;
    }

    private boolean refinePointers(State st, Jump j, Reg x, Reg y, boolean holds) {
        JumpOp op = j.op() == JumpOp.JSET ? null : holds ? j.op() : j.op().negate();
        Reg ptr = x.isPointer() ? x : y, other = ptr == x ? y : x;
        boolean againstZero = other.isConstant() && other.value() == 0;
        if (againstZero && j.jmp64() && (op == JumpOp.JEQ || op == JumpOp.JNE)) {
            boolean isNull = op == JumpOp.JEQ;
            if (ptr.isNullable()) {
                int id = ptr.id();
                RegisterType nonNull = ptr.nonNullType();
                if (isNull && ptr.refId() != 0) st.release(ptr.refId()); // nothing was reserved
                st.mapAll(r -> r.id() == id && r.isNullable() ? (isNull ? Reg.constant(0) : r.withType(nonNull)) : r);
                return true;
            }
            return !isNull; // a pointer that cannot be NULL never equals 0
        }
        if (op == null || !j.jmp64() || !x.isPointer() || !y.isPointer()) return true; // nothing to learn, both outcomes stay possible
        // packet (or buffer) start against its end: the bytes before the compared pointer exist on one side
        if (x.type() == PTR_TO_PACKET && y.type() == PTR_TO_PACKET_END || x.type() == PTR_TO_PACKET_END && y.type() == PTR_TO_PACKET) {
            boolean pktFirst = x.type() == PTR_TO_PACKET;
            Reg pkt = pktFirst ? x : y, end = pktFirst ? y : x;
            JumpOp o = pktFirst ? op : op.swapped(); // as "pkt o end"
            long bound = o == JumpOp.JLT ? pkt.off() - end.off() + 1 : o == JumpOp.JLE ? pkt.off() - end.off() : -1;
            if (bound > 0 && pkt.var().smin() >= 0) {
                int range = (int) Math.min(Integer.MAX_VALUE, bound), id = pkt.id();
                // below the end, the variable part is below the longest packet (or buffer) too
                long maxLen = a.bufferProgram() ? a.ctx.size() : MAX_PACKET_OFF;
                Scalar below = Scalar.unsigned(0, Math.max(0, maxLen - range));
                st.mapAll(r -> {
                    if (r.type() != PTR_TO_PACKET || r.id() != id) return r;
                    Scalar v = r.var().meet(below);
                    Reg out = v == null ? r : r.withVar(v);
                    return out.range() < range ? out.withRange(range) : out;
                });
            }
            return true;
        }
        // two pointers into one object: compare their offsets as the addresses compare. An object lies well inside
        // the positive addresses, so its addresses order as its offsets do taken as signed numbers (a stack offset is
        // negative): shifted by OFFSET_BIAS, they order the same way signed and unsigned.
        if (x.type() == y.type() && sameObject(x, y)) {
            long bx = x.off() + OFFSET_BIAS, by = y.off() + OFFSET_BIAS;
            Scalar ox = ScalarAlu.alu(AluOp.ADD, true, x.var(), Scalar.constant(bx));
            Scalar oy = ScalarAlu.alu(AluOp.ADD, true, y.var(), Scalar.constant(by));
            Scalar[] r = ScalarBranch.refine(j.op(), holds, true, ox, oy);
            if (r == null) return false;
            Scalar vx = ScalarAlu.alu(AluOp.SUB, true, r[0], Scalar.constant(bx)), vy = ScalarAlu.alu(AluOp.SUB, true, r[1], Scalar.constant(by));
            Scalar mx = x.var().meet(vx), my = y.var().meet(vy);
            if (mx == null || my == null) return false;
            replacePointer(st, j.dst(), x, x.withVar(mx));
            if (j.useRegister()) replacePointer(st, j.src(), y, y.withVar(my));
        }
        return true;
    }

    /** Added to the offsets of two pointers into one object before they are compared ({@link #refinePointers}). */
    private static final long OFFSET_BIAS = 1L << 62;

    private static boolean sameObject(Reg x, Reg y) {
        return switch (x.type()) {
            case PTR_TO_PACKET, PTR_TO_CTX -> true;
            case PTR_TO_STACK -> x.frame() == y.frame();
            case PTR_TO_MEM, PTR_TO_MAP_VALUE -> x.id() != 0 && x.id() == y.id();
            default -> false;
        };
    }

    /** Narrows a pointer's variable part in the register and its copies (same id and offset). */
    private static void replacePointer(State st, int r, Reg old, Reg now) {
        st.set(r, now);
        if (old.id() == 0) return;
        st.mapAll(o -> o.type() == old.type() && o.id() == old.id() && o.var().equals(old.var()) ? o.withVar(now.var()) : o);
    }
}
