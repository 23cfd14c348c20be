package dev.bypass.verifier;

import static dev.bypass.vm.facts.RegisterType.*;

import dev.bypass.programs.VerificationRequest;
import dev.bypass.vm.asm.Disassembler;
import dev.bypass.vm.ctx.ContextField;
import dev.bypass.vm.ctx.ContextLayout;
import dev.bypass.vm.elf.LineInfo;
import dev.bypass.vm.facts.AccessFact;
import dev.bypass.vm.facts.RegisterFact;
import dev.bypass.vm.facts.RegisterType;
import dev.bypass.vm.helpers.ArgType;
import dev.bypass.vm.helpers.CallbackArg;
import dev.bypass.vm.helpers.HelperIds;
import dev.bypass.vm.helpers.HelperSpec;
import dev.bypass.vm.helpers.Prototype;
import dev.bypass.vm.helpers.ReturnType;
import dev.bypass.vm.isa.AluOp;
import dev.bypass.vm.isa.Instruction;
import dev.bypass.vm.isa.Instruction.*;
import dev.bypass.vm.isa.JumpOp;
import dev.bypass.vm.isa.Opcodes;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.maps.MapSpec;
import dev.bypass.vm.maps.MapType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The verifier's abstract interpreter. It walks every path of the program depth first, one abstract {@link State}
 * per path, forking at conditional jumps whose outcome the state does not decide. At prune points (jump targets,
 * the instruction after a conditional jump, call return sites) it keeps checkpoints: a path arriving in a state
 * contained in a fully explored checkpoint stops there (nothing new can happen), and a path arriving in exactly the
 * state of a checkpoint it descends from is an infinite loop. Bounded loops are verified by walking their
 * iterations, as Linux does, up to the limit of {@link #COMPLEXITY_LIMIT} processed instructions.
 */
final class Analyzer {
    static final int COMPLEXITY_LIMIT = 1_000_000;
    static final int MAX_FRAMES = 8;
    static final int MAX_HELD_REFERENCES = 64;
    private static final int MAX_CHECKPOINTS_PER_SLOT = 256;
    /**
     * Checkpoints open (on the current path, not yet finished) per instruction. A long walk around a loop whose bound
     * the verifier cannot see would otherwise keep a state copy per iteration until the complexity limit; past this
     * many, the walk goes on without new checkpoints there (it prunes less, and an endless loop ends at the
     * complexity limit instead of being recognised).
     */
    private static final int MAX_OPEN_CHECKPOINTS_PER_SLOT = 64;

    /** A rejection on its way out of the walk. */
    static final class Reject extends RuntimeException {
        final Rejection rejection;

        Reject(Rejection r) {
            super(r.message(), null, false, false);
            rejection = r;
        }
    }

    private static final class Checkpoint {
        final int slot;
        final State state;
        final Checkpoint parent;
        final int fingerprint;
        int branches = 1;

        Checkpoint(int slot, State state, Checkpoint parent, int fingerprint) {
            this.slot = slot;
            this.state = state;
            this.parent = parent;
            this.fingerprint = fingerprint;
        }
    }

    private record Work(int slot, State state, Checkpoint checkpoint) {}

    private final VerificationRequest request;
    private final Program program;
    private final int n;
    private final ContextLayout ctx;
    private final List<MapSpec> maps;
    private final StringBuilder log;
    private final boolean[] prunePoint;
    private final int[] live;
    private final boolean[] entry;
    private final List<List<Checkpoint>> complete;
    private final List<Map<Integer, List<Checkpoint>>> inProgress;
    private int[] openCount;
    private final ArrayDeque<Work> work = new ArrayDeque<>();
    private int nextId = 1;
    private long processed;
    private int slot; // instruction being analysed, for messages
    private State current;

    // facts for engines
    final boolean[] reachable;
    final RegisterFact[][] registerFacts;
    final AccessFact[] accessFacts;
    private final boolean[] accessConflict;
    final java.util.Set<Integer> escapedFrames = new java.util.HashSet<>();
    private final int[] depthOfEntry;

    Analyzer(VerificationRequest request, StringBuilder log) {
        this.request = request;
        this.program = request.program();
        this.n = program.slotCount();
        this.ctx = request.type().context();
        this.maps = request.maps();
        this.log = log;
        prunePoint = new boolean[n + 1];
        live = Liveness.liveIn(program);
        entry = new boolean[n + 1];
        complete = new ArrayList<>(n);
        inProgress = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            complete.add(null);
            inProgress.add(null);
        }
        reachable = new boolean[n];
        registerFacts = new RegisterFact[n][];
        accessFacts = new AccessFact[n];
        accessConflict = new boolean[n];
        depthOfEntry = new int[n];
    }

    long processed() { return processed; }

    // ---------------------------------------------------------------- structure

    /** Jump targets, lddw halves, subprogram entries and reachability, before any path is walked. */
    private void checkStructure() {
        if (n == 0) throw reject(ErrorCode.FALL_THROUGH_END, 0, "empty program");
        boolean[] secondHalf = new boolean[n];
        for (int s = 0; s < n; s++) if (program.at(s) instanceof LoadImm64) secondHalf[s + 1] = true;
        entry[0] = true;
        for (int s = 0; s < n; s++) {
            Instruction insn = program.at(s);
            if (insn == null) continue;
            boolean hasTarget = insn instanceof Jump || insn instanceof Goto
                    || insn instanceof Call c0 && c0.kind() == CallKind.LOCAL
                    || insn instanceof LoadImm64 l0 && l0.pseudo() == Opcodes.PSEUDO_FUNC;
            if (insn instanceof Call c && c.kind() == CallKind.KFUNC)
                throw reject(ErrorCode.INVALID_INSN, s, "calls to kernel functions are not supported");
            if (!hasTarget) continue;
            int target = switch (insn) {
                case Jump j -> s + 1 + j.offset();
                case Goto g -> s + 1 + g.offset();
                case Call c -> s + 1 + c.imm();
                case LoadImm64 l -> s + 1 + l.imm();
                default -> throw new IllegalStateException();
            };
            if (target < 0 || target >= n) throw reject(ErrorCode.JUMP_OUT_OF_RANGE, s, "target " + target + " is outside the program (0.." + (n - 1) + ")");
            if (secondHalf[target]) throw reject(ErrorCode.JUMP_INTO_LDDW, s, "target " + target + " is the second half of an lddw");
            if (insn instanceof Call || insn instanceof LoadImm64) {
                entry[target] = true;
                prunePoint[s + 1] = true;
            } else {
                prunePoint[target] = true;
                if (insn instanceof Jump) prunePoint[s + 1] = true;
            }
        }
        // Every instruction reachable along some edge (Linux's "unreachable insn").
        boolean[] seen = new boolean[n];
        ArrayDeque<Integer> todo = new ArrayDeque<>();
        todo.push(0);
        for (int s = 0; s < n; s++) if (entry[s] && s != 0) todo.push(s); // subprograms are reached through calls
        while (!todo.isEmpty()) {
            int s = todo.pop();
            if (s >= n || seen[s]) continue;
            seen[s] = true;
            Instruction insn = program.at(s);
            switch (insn) {
                case Jump j -> { todo.push(s + 1); todo.push(s + 1 + j.offset()); }
                case Goto g -> todo.push(s + 1 + g.offset());
                case Exit e -> {}
                case LoadImm64 l -> todo.push(s + 2);
                default -> todo.push(s + 1);
            }
        }
        for (int s = 0; s < n; s++) {
            if (!seen[s] && program.at(s) != null) throw reject(ErrorCode.UNREACHABLE_INSN, s, "no path reaches this instruction");
        }
    }

    // ---------------------------------------------------------------- the walk

    void run() {
        checkStructure();
        State.Frame f = new State.Frame(-1, 0, false);
        f.regs[1] = Reg.pointer(PTR_TO_CTX, 0, -1, 0, 0);
        f.regs[10] = Reg.pointer(PTR_TO_STACK, 0, -1, 0, 0);
        work.push(new Work(0, new State(new State.Frame[] {f}, new int[0], false), null));
        while (!work.isEmpty()) {
            Work w = work.pop();
            walk(w.slot, w.state, w.checkpoint);
        }
        checkStackDepths();
    }

    private void walk(int s, State st, Checkpoint cp) {
        current = st;
        while (true) {
            slot = s;
            if (s >= n) throw reject(ErrorCode.FALL_THROUGH_END, n - 1, "execution continues past the last instruction");
            if (++processed > COMPLEXITY_LIMIT) {
                throw reject(ErrorCode.TOO_COMPLEX, s, "program is too complex: more than " + COMPLEXITY_LIMIT
                        + " instructions processed (a loop whose bound the verifier cannot see ends here)");
            }
            if (prunePoint[s]) {
                int fp = fingerprint(st);
                List<Checkpoint> done = complete.get(s);
                if (done != null) {
                    for (Checkpoint c : done) {
                        if (st.within(c.state, live[s])) {
                            if (log != null) log.append(s).append(": pruned (state seen)\n");
                            finish(cp);
                            return;
                        }
                    }
                }
                Map<Integer, List<Checkpoint>> open = inProgress.get(s);
                if (open != null) {
                    List<Checkpoint> same = open.get(fp);
                    if (same != null) {
                        for (Checkpoint c : same) {
                            if (isAncestor(c, cp) && st.sameAs(c.state)) {
                                throw reject(ErrorCode.INFINITE_LOOP, s, "infinite loop: this instruction is reached again in the same state");
                            }
                        }
                    }
                } else {
                    inProgress.set(s, open = new HashMap<>());
                }
                if (openCount == null) openCount = new int[n];
                if (openCount[s] < MAX_OPEN_CHECKPOINTS_PER_SLOT) {
                    Checkpoint c = new Checkpoint(s, st.copy(), cp, fp);
                    open.computeIfAbsent(fp, k -> new ArrayList<>()).add(c);
                    openCount[s]++;
                    cp = c;
                }
            }
            recordFacts(s, st);
            if (log != null) log.append(s).append(": ").append(Disassembler.format(program.at(s))).append("  ").append(regsText(st)).append('\n');
            int next = step(s, st, cp);
            if (next < 0) {
                finish(cp);
                return;
            }
            s = next;
        }
    }

    /** A path ended: its checkpoints whose every branch has ended become usable for pruning. */
    private void finish(Checkpoint cp) {
        for (Checkpoint c = cp; c != null; c = c.parent) {
            if (--c.branches > 0) return;
            int s = c.slot;
            Map<Integer, List<Checkpoint>> open = inProgress.get(s);
            if (open != null) {
                List<Checkpoint> l = open.get(c.fingerprint);
                if (l != null && l.remove(c)) {
                    openCount[s]--;
                    if (l.isEmpty()) open.remove(c.fingerprint);
                }
            }
            List<Checkpoint> done = complete.get(s);
            if (done == null) complete.set(s, done = new ArrayList<>());
            if (done.size() >= MAX_CHECKPOINTS_PER_SLOT) done.remove(0);
            done.add(c);
        }
    }

    private static boolean isAncestor(Checkpoint a, Checkpoint from) {
        for (Checkpoint c = from; c != null; c = c.parent) if (c == a) return true;
        return false;
    }

    private static int fingerprint(State st) {
        int h = st.frames.length * 31 + (st.lockHeld ? 1 : 0);
        for (State.Frame f : st.frames) {
            h = h * 31 + Arrays.hashCode(f.regs);
            h = h * 31 + Arrays.hashCode(f.stack);
            h = h * 31 + Arrays.hashCode(f.spills);
        }
        return h * 31 + Arrays.hashCode(st.refs);
    }

    /**
     * Helpers that work on one kind of map only, and kinds of map that only their own helpers may touch (Linux's
     * check_map_func_compatibility, for the helpers this runtime has).
     */
    private void checkMapHelper(dev.bypass.vm.helpers.HelperSpec spec, int r, int map) {
        if (map < 0 || map >= maps.size()) return;
        dev.bypass.vm.maps.MapType type = maps.get(map).type();
        int id = spec.id();
        java.util.Set<dev.bypass.vm.maps.MapType> needs = switch (id) {
            case HelperIds.RINGBUF_OUTPUT, HelperIds.RINGBUF_RESERVE, HelperIds.RINGBUF_QUERY -> java.util.EnumSet.of(dev.bypass.vm.maps.MapType.RINGBUF);
            case HelperIds.TAIL_CALL -> java.util.EnumSet.of(dev.bypass.vm.maps.MapType.PROG_ARRAY);
            case HelperIds.PERF_EVENT_OUTPUT -> java.util.EnumSet.of(dev.bypass.vm.maps.MapType.PERF_EVENT_ARRAY);
            default -> null;
        };
        boolean ok = needs != null ? needs.contains(type) : switch (type) {
            // these maps are reached only through their own helpers
            case RINGBUF, PROG_ARRAY, PERF_EVENT_ARRAY -> false;
            case QUEUE, STACK -> id != HelperIds.MAP_LOOKUP_ELEM && id != HelperIds.MAP_UPDATE_ELEM && id != HelperIds.MAP_DELETE_ELEM;
            default -> true;
        };
        if (!ok)
            throw reject(ErrorCode.INVALID_HELPER_ARGUMENT, slot, spec.name() + " cannot be used with " + type.name().toLowerCase(java.util.Locale.ROOT)
                    + " map " + maps.get(map).name() + " (r" + r + ")");
    }

    /** Forks the walk: the other state continues later from {@code target}. */
    private void fork(int target, State other, Checkpoint cp) {
        if (cp != null) cp.branches++;
        work.push(new Work(target, other, cp));
    }

    /** Executes one instruction abstractly; returns the next slot, or -1 when the path ended. */
    private int step(int s, State st, Checkpoint cp) {
        Instruction insn = program.at(s);
        switch (insn) {
            case Alu a -> {
                alu(st, a);
                return s + 1;
            }
            case Endian e -> {
                Reg v = readScalar(st, e.dst(), "byte swap");
                st.set(e.dst(), v.isConstant() ? Reg.constant(dev.bypass.vm.semantics.Ops.endian(e.order(), e.bits(), v.constantValue()))
                        : e.bits() == 64 ? Reg.UNKNOWN : Reg.unsignedUpTo((1L << e.bits()) - 1));
                return s + 1;
            }
            case LoadImm64 l -> {
                loadImm64(st, l, s);
                return s + 2;
            }
            case Load l -> {
                Reg value = access(st, l.src(), l.offset(), l.width().bytes, false, null, l.signExtend());
                writeReg(st, l.dst(), value);
                return s + 1;
            }
            case Store x -> {
                Reg v = read(st, x.src());
                access(st, x.dst(), x.offset(), x.width().bytes, true, v, false);
                return s + 1;
            }
            case StoreImm x -> {
                access(st, x.dst(), x.offset(), x.width().bytes, true, Reg.constant(x.imm()), false);
                return s + 1;
            }
            case Atomic a -> {
                atomic(st, a);
                return s + 1;
            }
            case PacketLoad p -> {
                Reg r6 = read(st, 6);
                if (r6.type() != PTR_TO_CTX) throw reject(ErrorCode.INVALID_INSN, s, "legacy packet load needs the context in r6");
                if (p.indirect()) readScalar(st, p.src(), "legacy packet load offset");
                if (st.lockHeld) throw reject(ErrorCode.LOCK_MISUSE, s, "legacy packet load while holding a spin lock");
                for (int r = 1; r <= 5; r++) st.set(r, Reg.NOT_INIT);
                st.set(0, p.width().bytes == 8 ? Reg.UNKNOWN : Reg.unsignedUpTo((1L << (8 * p.width().bytes)) - 1));
                return s + 1;
            }
            case Goto g -> {
                return s + 1 + g.offset();
            }
            case Jump j -> {
                return jump(s, st, j, cp);
            }
            case Call c when c.kind() == CallKind.HELPER -> {
                return helperCall(s, st, c.imm(), cp);
            }
            case Call c -> {
                return localCall(s, st, s + 1 + c.imm(), false);
            }
            case CallRegister c -> {
                Reg target = read(st, c.reg());
                if (!target.isScalar() || !target.isConstant())
                    throw reject(ErrorCode.INVALID_INSN, s, "callx needs a known helper id in r" + c.reg() + ", found " + target);
                return helperCall(s, st, (int) target.constantValue(), cp);
            }
            case Exit e -> {
                return exit(s, st);
            }
        }
    }

    // ---------------------------------------------------------------- registers

    private Reg read(State st, int r) {
        Reg v = st.reg(r);
        if (v.type() == NOT_INIT) throw reject(ErrorCode.UNINIT_REGISTER, slot, "r" + r + " is read before it is written");
        return v;
    }

    private Reg readScalar(State st, int r, String what) {
        Reg v = read(st, r);
        if (!v.isScalar()) throw reject(ErrorCode.INVALID_POINTER_ARITHMETIC, slot, what + " of pointer r" + r + " (" + v + ") is not allowed");
        return v;
    }

    private void writeReg(State st, int r, Reg v) {
        if (r == 10) throw reject(ErrorCode.FRAME_POINTER_WRITE, slot, "r10 (the frame pointer) is read-only");
        st.set(r, v);
    }

    private int freshId() { return nextId++; }

    // ---------------------------------------------------------------- ALU

    private void alu(State st, Alu a) {
        if (a.dst() == 10) throw reject(ErrorCode.FRAME_POINTER_WRITE, slot, "r10 (the frame pointer) is read-only");
        AluOp op = a.op();
        Reg src = a.useRegister() ? read(st, a.src()) : Reg.constant(a.alu64() ? (long) a.imm() : a.imm() & 0xffffffffL);
        if (op == AluOp.MOV && a.alu64()) {
            st.set(a.dst(), src);
            return;
        }
        Reg dst = op == AluOp.MOV || op.isSignExtendingMove() ? Reg.constant(0) : read(st, a.dst());
        if (op == AluOp.MOV) { // 32-bit move: pointers become plain numbers
            st.set(a.dst(), src.isScalar() ? truncate32(src) : Reg.unsignedUpTo(0xffffffffL));
            return;
        }
        if (dst.isPointer() || src.isPointer()) {
            st.set(a.dst(), pointerAlu(a, dst, src));
            return;
        }
        Reg r = a.alu64() ? scalar64(op, dst, src) : scalar32(op, dst, src);
        st.set(a.dst(), r);
    }

    private Reg pointerAlu(Alu a, Reg dst, Reg src) {
        AluOp op = a.op();
        Reg ptr = dst.isPointer() ? dst : src;
        // As in Linux for privileged programs: a 32-bit subtraction involving a pointer gives a meaningless number,
        // while a 64-bit number minus a pointer is refused.
        if (!a.alu64() && op == AluOp.SUB) return Reg.unsignedUpTo(0xffffffffL);
        if (op == AluOp.SUB && dst.isScalar() && src.isPointer())
            throw reject(ErrorCode.INVALID_POINTER_ARITHMETIC, slot, "a pointer (" + src + ") subtracted from a number");
        if (!a.alu64()) throw reject(ErrorCode.INVALID_POINTER_ARITHMETIC, slot, "32-bit arithmetic on pointer " + ptr + " is not allowed");
        if (op.isSignExtendingMove()) throw reject(ErrorCode.INVALID_POINTER_ARITHMETIC, slot, "sign-extending move of pointer " + ptr);
        if (op == AluOp.SUB && dst.isPointer() && src.isPointer()) {
            if (dst.type() != src.type() || (dst.type() != PTR_TO_STACK && dst.type() != PTR_TO_PACKET && dst.type() != PTR_TO_MAP_VALUE && dst.type() != PTR_TO_MEM
                    && dst.type() != PTR_TO_RDONLY_BUF))
                throw reject(ErrorCode.INVALID_POINTER_ARITHMETIC, slot, "subtraction of pointers of different kinds: " + dst + " - " + src);
            return Reg.UNKNOWN;
        }
        if (dst.isPointer() && src.isPointer()) throw reject(ErrorCode.INVALID_POINTER_ARITHMETIC, slot, "arithmetic on two pointers: " + dst + ", " + src);
        if (op != AluOp.ADD && !(op == AluOp.SUB && dst.isPointer()))
            throw reject(ErrorCode.INVALID_POINTER_ARITHMETIC, slot, op.mnemonic + " on pointer " + ptr + " is not allowed (only add and subtract a number)");
        switch (ptr.type()) {
            case PTR_TO_MAP_VALUE_OR_NULL, PTR_TO_MEM_OR_NULL -> throw reject(ErrorCode.INVALID_POINTER_ARITHMETIC, slot,
                    "arithmetic on " + ptr + " before its NULL check");
            case CONST_PTR_TO_MAP, PTR_TO_PACKET_END, PTR_TO_FUNC -> throw reject(ErrorCode.INVALID_POINTER_ARITHMETIC, slot,
                    "arithmetic on " + ptr + " is not allowed");
            default -> {}
        }
        Reg k = dst.isPointer() ? src : dst;
        if (op == AluOp.SUB) k = scalar64(AluOp.NEG, k, Reg.constant(0));
        if (k.isConstant()) {
            long off = ptr.off() + k.constantValue();
            if (off != (int) off) throw reject(ErrorCode.INVALID_POINTER_ARITHMETIC, slot, "pointer offset " + off + " out of range");
            return ptr.withOff(off);
        }
        if (ptr.type() == PTR_TO_CTX) throw reject(ErrorCode.INVALID_POINTER_ARITHMETIC, slot, "variable offset added to the context pointer");
        if (ptr.type() == PTR_TO_STACK) escapedFrames.add(current.frames[ptr.frame()].entry);
        // variable part: add the scalar's bounds to the existing variable offset
        Reg var = scalar64(AluOp.ADD, ptr.withType(SCALAR).withOff(0), k);
        Reg out = new Reg(ptr.type(), ptr.off(), var.tnum(), var.umin(), var.umax(), var.smin(), var.smax(), ptr.id(), ptr.refId(), ptr.map(), ptr.size(), ptr.frame());
        if (ptr.type() == PTR_TO_PACKET) out = out.withId(freshId()).withSize(0); // a new offset: its range must be proven again
        return out;
    }

    private static Reg truncate32(Reg v) {
        if (Long.compareUnsigned(v.umax(), 0xffffffffL) <= 0) return v;
        if (v.isConstant()) return Reg.constant(v.constantValue() & 0xffffffffL);
        return Reg.UNKNOWN.withBounds(v.tnum().low32(), 0, 0xffffffffL, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** 64-bit scalar arithmetic on ranges and known bits (constants fold through the one semantics table). */
    static Reg scalar64(AluOp op, Reg a, Reg b) {
        if (a.isConstant() && b.isConstant()) return Reg.constant(op.eval64(a.constantValue(), b.constantValue()));
        Tnum t;
        long umin = 0, umax = -1L, smin = Long.MIN_VALUE, smax = Long.MAX_VALUE;
        switch (op) {
            case ADD -> {
                t = a.tnum().add(b.tnum());
                if (!addOverflows(a.smin(), b.smin()) && !addOverflows(a.smax(), b.smax())) { smin = a.smin() + b.smin(); smax = a.smax() + b.smax(); }
                long lo = a.umin() + b.umin(), hi = a.umax() + b.umax();
                if (Long.compareUnsigned(lo, a.umin()) >= 0 && Long.compareUnsigned(hi, a.umax()) >= 0) { umin = lo; umax = hi; }
            }
            case SUB -> {
                t = a.tnum().sub(b.tnum());
                if (!subOverflows(a.smin(), b.smax()) && !subOverflows(a.smax(), b.smin())) { smin = a.smin() - b.smax(); smax = a.smax() - b.smin(); }
                if (Long.compareUnsigned(a.umin(), b.umax()) >= 0) { umin = a.umin() - b.umax(); umax = a.umax() - b.umin(); }
            }
            case MUL -> {
                t = a.tnum().mul(b.tnum());
                if (Long.compareUnsigned(a.umax(), 0xffffffffL) <= 0 && Long.compareUnsigned(b.umax(), 0xffffffffL) <= 0) {
                    umin = a.umin() * b.umin();
                    umax = a.umax() * b.umax();
                }
            }
            case AND -> {
                t = a.tnum().and(b.tnum());
                umax = Long.compareUnsigned(a.umax(), b.umax()) < 0 ? a.umax() : b.umax();
                if (a.smin() >= 0 || b.smin() >= 0) { smin = 0; }
            }
            case OR -> {
                t = a.tnum().or(b.tnum());
                umin = Long.compareUnsigned(a.umin(), b.umin()) > 0 ? a.umin() : b.umin();
            }
            case XOR -> t = a.tnum().xor(b.tnum());
            case LSH, RSH, ARSH -> {
                if (!b.isConstant()) {
                    t = Tnum.UNKNOWN;
                    if (op == AluOp.RSH && Long.compareUnsigned(b.umax(), 63) <= 0) umax = a.umax(); // shifting right never grows
                } else {
                    int sh = (int) (b.constantValue() & 63);
                    t = op == AluOp.LSH ? a.tnum().lsh(sh) : op == AluOp.RSH ? a.tnum().rsh(sh) : a.tnum().arsh(sh);
                    if (op == AluOp.RSH) { umin = a.umin() >>> sh; umax = a.umax() >>> sh; }
                    if (op == AluOp.ARSH) { smin = a.smin() >> sh; smax = a.smax() >> sh; }
                    if (op == AluOp.LSH && sh < 64 && Long.numberOfLeadingZeros(a.umax()) >= sh) { umin = a.umin() << sh; umax = a.umax() << sh; }
                }
            }
            case DIV -> {
                t = Tnum.UNKNOWN;
                if (b.isConstant() && b.constantValue() != 0) { umin = Long.divideUnsigned(a.umin(), b.constantValue()); umax = Long.divideUnsigned(a.umax(), b.constantValue()); }
                else umax = a.umax(); // dividing by anything (0 gives 0) never grows an unsigned value
            }
            case MOD -> {
                t = Tnum.UNKNOWN;
                // x % 0 == x; otherwise below the divisor
                umax = b.umin() == 0 ? a.umax() : (Long.compareUnsigned(a.umax(), b.umax() - 1) < 0 ? a.umax() : b.umax() - 1);
            }
            case NEG -> {
                t = Tnum.constant(0).sub(a.tnum());
                if (a.smin() != Long.MIN_VALUE) { smin = -a.smax(); smax = -a.smin(); }
            }
            case MOVSX8 -> { t = Tnum.UNKNOWN; smin = Byte.MIN_VALUE; smax = Byte.MAX_VALUE; }
            case MOVSX16 -> { t = Tnum.UNKNOWN; smin = Short.MIN_VALUE; smax = Short.MAX_VALUE; }
            case MOVSX32 -> { t = Tnum.UNKNOWN; smin = Integer.MIN_VALUE; smax = Integer.MAX_VALUE; }
            default -> t = Tnum.UNKNOWN; // SDIV, SMOD
        }
        Reg r = Reg.UNKNOWN.withBounds(t, umin, umax, smin, smax);
        return r == null ? Reg.UNKNOWN : r;
    }

    /** 32-bit arithmetic: exact where the 64-bit rule on zero-extended operands cannot wrap, else any u32. */
    static Reg scalar32(AluOp op, Reg a, Reg b) {
        if (a.isConstant() && b.isConstant()) return Reg.constant(op.eval32(a.constantValue(), b.constantValue()));
        Reg a32 = truncate32(a), b32 = truncate32(b);
        if (op == AluOp.LSH || op == AluOp.RSH || op == AluOp.ARSH) {
            if (!b.isConstant()) return Reg.unsignedUpTo(0xffffffffL);
            b32 = Reg.constant(b.constantValue() & 31);
        }
        boolean exact = Long.compareUnsigned(a.umax(), 0xffffffffL) <= 0 && Long.compareUnsigned(b.umax(), 0xffffffffL) <= 0;
        Reg r = switch (op) {
            case AND, OR, XOR, RSH, DIV, MOD -> exact || op == AluOp.AND || op == AluOp.RSH ? scalar64(op, a32, b32) : Reg.unsignedUpTo(0xffffffffL);
            case ADD, MUL, LSH -> exact ? scalar64(op, a32, b32) : Reg.unsignedUpTo(0xffffffffL);
            case SUB -> exact && Long.compareUnsigned(a32.umin(), b32.umax()) >= 0 ? scalar64(op, a32, b32) : Reg.unsignedUpTo(0xffffffffL);
            default -> Reg.unsignedUpTo(0xffffffffL);
        };
        if (Long.compareUnsigned(r.umax(), 0xffffffffL) > 0) return Reg.unsignedUpTo(0xffffffffL);
        return r;
    }

    private static boolean addOverflows(long x, long y) {
        long r = x + y;
        return ((x ^ r) & (y ^ r)) < 0;
    }

    private static boolean subOverflows(long x, long y) {
        long r = x - y;
        return ((x ^ y) & (x ^ r)) < 0;
    }

    // ---------------------------------------------------------------- lddw

    private void loadImm64(State st, LoadImm64 l, int s) {
        if (l.dst() == 10) throw reject(ErrorCode.FRAME_POINTER_WRITE, s, "r10 (the frame pointer) is read-only");
        Reg v = switch (l.pseudo()) {
            case Opcodes.PSEUDO_IMM64 -> Reg.constant(l.value());
            case Opcodes.PSEUDO_MAP_IDX, Opcodes.PSEUDO_MAP_FD -> Reg.pointer(CONST_PTR_TO_MAP, 0, mapIndex(l.imm(), s), 0, 0);
            case Opcodes.PSEUDO_MAP_IDX_VALUE, Opcodes.PSEUDO_MAP_VALUE -> {
                int m = mapIndex(l.imm(), s);
                MapSpec spec = maps.get(m);
                if (spec.type() != MapType.ARRAY || spec.maxEntries() != 1)
                    throw reject(ErrorCode.INVALID_INSN, s, "direct value access needs a one-element array map, map " + spec.name() + " is " + spec.type());
                if (l.nextImm() < 0 || l.nextImm() >= spec.valueSize())
                    throw reject(ErrorCode.OUT_OF_BOUNDS, s, "direct value offset " + l.nextImm() + " outside map " + spec.name() + " value of " + spec.valueSize() + " bytes");
                yield Reg.pointer(PTR_TO_MAP_VALUE, l.nextImm(), m, 0, 0);
            }
            case Opcodes.PSEUDO_FUNC -> Reg.pointer(PTR_TO_FUNC, s + 1 + l.imm(), -1, 0, 0);
            default -> throw reject(ErrorCode.INVALID_INSN, s, "lddw with pseudo source " + l.pseudo() + " is not supported");
        };
        st.set(l.dst(), v);
    }

    private int mapIndex(int imm, int s) {
        if (imm < 0 || imm >= maps.size()) throw reject(ErrorCode.INVALID_INSN, s, "map reference " + imm + " does not name one of the program's " + maps.size() + " maps");
        return imm;
    }

    // ---------------------------------------------------------------- memory

    /**
     * Checks a load or store through {@code baseReg + off} of {@code size} bytes and returns the loaded value
     * (for loads) after updating stack contents (for stores).
     */
    private Reg access(State st, int baseReg, int off, int size, boolean write, Reg value, boolean signExtend) {
        Reg base = read(st, baseReg);
        if (write && value != null && value.isPointer() && base.type() != PTR_TO_STACK && value.type() == PTR_TO_STACK)
            escapedFrames.add(st.frames[value.frame()].entry);
        Reg loaded = switch (base.type()) {
            case PTR_TO_STACK -> stackAccess(st, base, off, size, write, value, signExtend, baseReg);
            case PTR_TO_CTX -> ctxAccess(st, base, off, size, write, signExtend);
            case PTR_TO_MAP_VALUE -> {
                MapSpec spec = maps.get(base.map());
                if (write && spec.readOnlyForPrograms())
                    throw reject(ErrorCode.READ_ONLY_WRITE, slot, "map " + spec.name() + " is read-only for programs");
                checkRange(base, off, size, spec.valueSize(), "map " + spec.name() + " value");
                yield write ? null : frozenLoad(base, off, size, signExtend);
            }
            case PTR_TO_MEM -> {
                checkRange(base, off, size, base.size(), "memory of " + base.size() + " bytes");
                yield write ? null : loadedScalar(size, signExtend);
            }
            case PTR_TO_RDONLY_BUF -> {
                if (write) throw reject(ErrorCode.READ_ONLY_WRITE, slot, "r" + baseReg + " (" + base + ") is read-only");
                checkRange(base, off, size, base.size(), "read-only memory of " + base.size() + " bytes");
                yield loadedScalar(size, signExtend);
            }
            case PTR_TO_PACKET -> {
                checkRange(base, off, size, base.size(), "packet (proven range " + base.size() + " bytes)");
                yield write ? null : loadedScalar(size, signExtend);
            }
            case PTR_TO_MAP_VALUE_OR_NULL, PTR_TO_MEM_OR_NULL -> throw reject(ErrorCode.NULL_DEREFERENCE, slot,
                    "r" + baseReg + " (" + base + ") may be NULL: check it against 0 first");
            case SCALAR -> throw reject(ErrorCode.INVALID_MEMORY_ACCESS, slot, "r" + baseReg + " is a number (" + base + "), not a pointer");
            default -> throw reject(ErrorCode.INVALID_MEMORY_ACCESS, slot, "r" + baseReg + " (" + base + ") cannot be dereferenced");
        };
        if (write && value != null && !value.isScalar() && base.type() != PTR_TO_STACK && size != 8 && value.type() != NOT_INIT)
            throw reject(ErrorCode.INVALID_MEMORY_ACCESS, slot, "partial store of a pointer");
        recordAccess(base, off, st);
        return loaded;
    }

    private Reg loadedScalar(int size, boolean signExtend) {
        if (size == 8) return Reg.UNKNOWN;
        if (!signExtend) return Reg.unsignedUpTo((1L << (8 * size)) - 1);
        long lo = -(1L << (8 * size - 1)), hi = (1L << (8 * size - 1)) - 1;
        Reg r = Reg.UNKNOWN.withBounds(Tnum.UNKNOWN, 0, -1L, lo, hi);
        return r == null ? Reg.UNKNOWN : r;
    }

    /** Loads from frozen maps (.rodata) at a known offset read the actual bytes: such values are constants. */
    private Reg frozenLoad(Reg base, int off, int size, boolean signExtend) {
        byte[] frozen = base.fixedOffset() ? request.frozenContents(base.map()) : null;
        if (frozen == null) return loadedScalar(size, signExtend);
        int at = (int) (base.off() + off);
        long v = 0;
        for (int i = size - 1; i >= 0; i--) v = (v << 8) | (frozen[at + i] & 0xff);
        if (signExtend) v = dev.bypass.vm.semantics.Ops.signExtend(8 * size, v);
        return Reg.constant(v);
    }

    private void checkRange(Reg base, int off, int size, long regionSize, String region) {
        long lo = base.off() + off + base.smin(), hi = base.off() + off + base.smax() + size;
        if (base.smin() < -(1L << 31) || base.smax() > (1L << 31)) hi = Long.MAX_VALUE; // no overflow below
        if (lo < 0 || hi > regionSize) {
            throw reject(ErrorCode.OUT_OF_BOUNDS, slot, "access of " + size + " bytes at offset " + (base.off() + off)
                    + (base.fixedOffset() ? "" : " plus [" + base.smin() + ", " + base.smax() + "]") + " is outside " + region);
        }
    }

    private Reg ctxAccess(State st, Reg base, int off, int size, boolean write, boolean signExtend) {
        if (!base.fixedOffset()) throw reject(ErrorCode.INVALID_CONTEXT_ACCESS, slot, "variable offset context access");
        long at = base.off() + off;
        if (ctx.unstructured()) {
            if (at < 0 || at + size > ctx.size())
                throw reject(ErrorCode.INVALID_CONTEXT_ACCESS, slot, "access of " + size + " bytes at offset " + at + " outside the " + ctx.size() + "-byte context");
            return write ? null : loadedScalar(size, signExtend);
        }
        ContextField f = at < 0 || at > Integer.MAX_VALUE ? null : ctx.fieldAt((int) at);
        if (f == null || at + size > f.offset() + f.size())
            throw reject(ErrorCode.INVALID_CONTEXT_ACCESS, slot, "no field of context " + ctx.name() + " covers " + size + " bytes at offset " + at);
        if (write && !f.writable()) throw reject(ErrorCode.INVALID_CONTEXT_ACCESS, slot, "context field " + f.name() + " is read-only");
        if (write) return null;
        return switch (f.kind()) {
            case PACKET_START, PACKET_META -> {
                if (size != 8 || at != f.offset()) throw reject(ErrorCode.INVALID_CONTEXT_ACCESS, slot, "packet pointer field " + f.name() + " must be read whole (8 bytes)");
                yield Reg.pointer(PTR_TO_PACKET, 0, -1, 0, 0).withId(freshId());
            }
            case PACKET_END -> {
                if (size != 8 || at != f.offset()) throw reject(ErrorCode.INVALID_CONTEXT_ACCESS, slot, "packet end field " + f.name() + " must be read whole (8 bytes)");
                yield Reg.pointer(PTR_TO_PACKET_END, 0, -1, 0, 0);
            }
            case SCALAR -> loadedScalar(size, signExtend);
        };
    }

    private Reg stackAccess(State st, Reg base, int off, int size, boolean write, Reg value, boolean signExtend, int baseReg) {
        State.Frame fr = st.frames[base.frame()];
        Tnum at = base.tnum().add(Tnum.constant(base.off() + off));
        if (((at.value() | at.mask()) & (size - 1)) != 0)
            throw reject(ErrorCode.MISALIGNED_ACCESS, slot, "stack access of " + size + " bytes at offset " + (base.off() + off)
                    + (base.fixedOffset() ? "" : " plus a variable part") + " is not " + size + "-byte aligned");
        long lo = base.off() + off + base.smin(), hi = base.off() + off + base.smax() + size;
        if (base.smin() < -(1L << 31) || base.smax() > (1L << 31)) lo = Long.MIN_VALUE; // no overflow below
        if (lo < -State.STACK || hi > 0)
            throw reject(ErrorCode.OUT_OF_BOUNDS, slot, "stack access of " + size + " bytes at offset " + (base.off() + off)
                    + (base.fixedOffset() ? "" : " plus [" + base.smin() + ", " + base.smax() + "]") + " is outside the 512-byte stack");
        int p0 = (int) (lo + State.STACK), p1 = (int) (hi + State.STACK);
        if (!base.fixedOffset()) {
            escapedFrames.add(fr.entry);
            if (write) {
                for (int p = p0; p < p1; p++) if (fr.stack[p] == State.SPILL) demoteSpill(fr, p / 8);
                return null;
            }
            for (int p = p0; p < p1; p++) if (fr.stack[p] == State.INVALID)
                throw reject(ErrorCode.UNINIT_STACK, slot, "variable-offset stack read may read uninitialised byte at fp" + (p - State.STACK));
            return loadedScalar(size, signExtend);
        }
        if (write) {
            if (size == 8 && p0 % 8 == 0 && value != null && value.type() != NOT_INIT) {
                if (value.type() == PTR_TO_STACK && (value.frame() != base.frame() || baseReg != 10)) escapedFrames.add(st.frames[value.frame()].entry);
                if (value.type() == PTR_TO_STACK) escapedFrames.add(st.frames[value.frame()].entry);
                Arrays.fill(fr.stack, p0, p1, State.SPILL);
                fr.spills[p0 / 8] = value;
            } else {
                if (value != null && value.isPointer()) throw reject(ErrorCode.INVALID_MEMORY_ACCESS, slot, "partial spill of pointer " + value);
                for (int p = p0; p < p1; p++) if (fr.stack[p] == State.SPILL) demoteSpill(fr, p / 8);
                Arrays.fill(fr.stack, p0, p1, State.MISC);
            }
            return null;
        }
        for (int p = p0; p < p1; p++) {
            if (fr.stack[p] == State.INVALID)
                throw reject(ErrorCode.UNINIT_STACK, slot, "read of " + size + " bytes at fp" + (p0 - State.STACK) + " includes uninitialised byte fp" + (p - State.STACK));
        }
        if (fr.stack[p0] == State.SPILL) {
            Reg spilled = fr.spills[p0 / 8];
            if (size == 8 && p0 % 8 == 0) return spilled;
            if (!spilled.isScalar()) throw reject(ErrorCode.INVALID_MEMORY_ACCESS, slot, "partial read of spilled pointer " + spilled);
            if (spilled.isConstant()) {
                long v = spilled.constantValue() >>> (8 * (p0 % 8));
                v = size == 8 ? v : v & ((1L << (8 * size)) - 1);
                if (signExtend) v = dev.bypass.vm.semantics.Ops.signExtend(8 * size, v);
                return Reg.constant(v);
            }
        }
        return loadedScalar(size, signExtend);
    }

    /** Part of a spilled register is overwritten: the rest stays initialised, as plain bytes. */
    private static void demoteSpill(State.Frame fr, int slotIndex) {
        Reg old = fr.spills[slotIndex];
        for (int p = slotIndex * 8; p < slotIndex * 8 + 8; p++) if (fr.stack[p] == State.SPILL) fr.stack[p] = State.MISC;
        fr.spills[slotIndex] = null;
        if (old != null && old.isPointer() && old.type() != PTR_TO_STACK) { /* the bytes remain, as a number */ }
    }

    private void atomic(State st, Instruction.Atomic a) {
        Reg v = readScalar(st, a.src(), "atomic operand");
        Reg base = read(st, a.dst());
        if (base.type() != PTR_TO_STACK && base.type() != PTR_TO_MAP_VALUE && base.type() != PTR_TO_MEM)
            throw base.type() == PTR_TO_MAP_VALUE_OR_NULL || base.type() == PTR_TO_MEM_OR_NULL
                    ? reject(ErrorCode.NULL_DEREFERENCE, slot, "atomic operation on r" + a.dst() + " (" + base + "), which may be NULL: check it first")
                    : reject(ErrorCode.INVALID_MEMORY_ACCESS, slot, "atomic operation on r" + a.dst() + " (" + base + "): only stack, map values and memory allow it");
        if (a.op() == dev.bypass.vm.isa.AtomicOp.CMPXCHG) readScalar(st, 0, "cmpxchg comparand");
        int size = a.width().bytes;
        if (base.type() == PTR_TO_STACK) {
            access(st, a.dst(), a.offset(), size, false, null, false); // must be initialised
            access(st, a.dst(), a.offset(), size, true, Reg.UNKNOWN, false);
        } else {
            access(st, a.dst(), a.offset(), size, true, v, false);
        }
        Reg old = size == 8 ? Reg.UNKNOWN : Reg.unsignedUpTo(0xffffffffL);
        if (a.op() == dev.bypass.vm.isa.AtomicOp.CMPXCHG) st.set(0, old);
        else if (a.fetch() || a.op() == dev.bypass.vm.isa.AtomicOp.XCHG) writeReg(st, a.src(), old);
    }

    // ---------------------------------------------------------------- branches

    private int jump(int s, State st, Jump j, Checkpoint cp) {
        Reg a = read(st, j.dst());
        Reg b = j.useRegister() ? read(st, j.src()) : Reg.constant(j.jmp64() ? (long) j.imm() : j.imm() & 0xffffffffL);
        int target = s + 1 + j.offset();
        State taken = st.copy();
        boolean canTake = refine(taken, j, a, b, true);
        boolean canFall = refine(st, j, a, b, false);
        if (canTake && canFall) {
            fork(target, taken, cp);
            return s + 1;
        }
        if (canTake) {
            copyInto(st, taken);
            return target;
        }
        if (canFall) return s + 1;
        // Neither outcome is possible: the state itself is contradictory, so this path cannot run.
        return -1;
    }

    private static void copyInto(State dst, State src) {
        dst.frames = src.frames;
        dst.refs = src.refs;
        dst.lockHeld = src.lockHeld;
    }

    /**
     * Refines {@code st} with the knowledge that {@code a op b} is {@code outcome}; returns false when that is
     * impossible. Comparisons against NULL split nullable pointers; packet pointers compared with the packet end
     * gain a proven range; other pointer comparisons teach nothing but are allowed.
     */
    private boolean refine(State st, Jump j, Reg a, Reg b, boolean outcome) {
        JumpOp op = outcome ? j.op() : negate(j.op());
        if (op == null) { // JSET false: the tested bits are all zero
            if (a.isScalar() && b.isScalar() && b.isConstant() && j.jmp64()) {
                Reg na = a.withBounds(new Tnum(a.tnum().value() & ~b.constantValue(), a.tnum().mask() & ~b.constantValue()), a.umin(), a.umax(), a.smin(), a.smax());
                if (na == null) return false;
                replace(st, j.dst(), a, na);
            } else if (a.isScalar() && b.isScalar() && a.isConstant() && b.isConstant()) {
                return (a.constantValue() & b.constantValue() & (j.jmp64() ? -1L : 0xffffffffL)) == 0;
            }
            return true;
        }
        if (a.isPointer() || b.isPointer()) return refinePointers(st, j, a, b, op);
        if (!j.jmp64()) {
            // 32-bit comparison: exact only when both values fit in the low 32 bits (signed ones in 31).
            boolean fit = Long.compareUnsigned(a.umax(), 0xffffffffL) <= 0 && Long.compareUnsigned(b.umax(), 0xffffffffL) <= 0;
            boolean signedOp = op == JumpOp.JSGT || op == JumpOp.JSGE || op == JumpOp.JSLT || op == JumpOp.JSLE;
            if (signedOp) fit = fit && Long.compareUnsigned(a.umax(), 0x7fffffffL) <= 0 && Long.compareUnsigned(b.umax(), 0x7fffffffL) <= 0;
            if (!fit) {
                if (a.isConstant() && b.isConstant()) return op.test32(a.constantValue(), b.constantValue());
                if (op == JumpOp.JEQ && a.isScalar() && b.isConstant() && Long.compareUnsigned(a.umax(), 0xffffffffL) > 0) {
                    // low half known: nothing sound to add cheaply
                }
                return true;
            }
        }
        if (a.isConstant() && b.isConstant()) return op.test64(a.constantValue(), b.constantValue());
        Reg[] r = compare(op, a, b);
        if (r == null) return false;
        replace(st, j.dst(), a, r[0]);
        if (j.useRegister()) replace(st, j.src(), b, r[1]);
        return true;
    }

    private static JumpOp negate(JumpOp op) { return op == JumpOp.JSET ? null : op.negate(); }

    /** New bounds for (a, b) given that {@code a op b} holds; null when it cannot. */
    static Reg[] compare(JumpOp op, Reg a, Reg b) {
        Reg na = a, nb = b;
        switch (op) {
            case JEQ -> {
                Tnum t = a.tnum().intersect(b.tnum());
                if ((t.value() & t.mask()) != 0 || ((a.tnum().value() ^ b.tnum().value()) & ~a.tnum().mask() & ~b.tnum().mask()) != 0) return null;
                long umin = umax(a.umin(), b.umin()), umax = umin(a.umax(), b.umax());
                long smin = Math.max(a.smin(), b.smin()), smax = Math.min(a.smax(), b.smax());
                na = a.withBounds(t, umin, umax, smin, smax);
                nb = b.withBounds(t, umin, umax, smin, smax);
            }
            case JNE -> {
                if (a.isConstant() && b.isConstant() && a.constantValue() == b.constantValue()) return null;
                if (b.isConstant()) na = excludeEdge(a, b.constantValue());
                if (a.isConstant()) nb = excludeEdge(b, a.constantValue());
            }
            case JGT -> { // a > b unsigned
                if (Long.compareUnsigned(a.umax(), b.umin()) <= 0) return null;
                na = a.withBounds(a.tnum(), umax(a.umin(), b.umin() + 1), a.umax(), a.smin(), a.smax());
                nb = b.withBounds(b.tnum(), b.umin(), umin(b.umax(), a.umax() - 1), b.smin(), b.smax());
            }
            case JGE -> {
                if (Long.compareUnsigned(a.umax(), b.umin()) < 0) return null;
                na = a.withBounds(a.tnum(), umax(a.umin(), b.umin()), a.umax(), a.smin(), a.smax());
                nb = b.withBounds(b.tnum(), b.umin(), umin(b.umax(), a.umax()), b.smin(), b.smax());
            }
            case JLT -> {
                Reg[] r = compare(JumpOp.JGT, b, a);
                return r == null ? null : new Reg[] {r[1], r[0]};
            }
            case JLE -> {
                Reg[] r = compare(JumpOp.JGE, b, a);
                return r == null ? null : new Reg[] {r[1], r[0]};
            }
            case JSGT -> {
                if (a.smax() <= b.smin()) return null;
                na = a.withBounds(a.tnum(), a.umin(), a.umax(), Math.max(a.smin(), b.smin() + 1), a.smax());
                nb = b.withBounds(b.tnum(), b.umin(), b.umax(), b.smin(), Math.min(b.smax(), a.smax() - 1));
            }
            case JSGE -> {
                if (a.smax() < b.smin()) return null;
                na = a.withBounds(a.tnum(), a.umin(), a.umax(), Math.max(a.smin(), b.smin()), a.smax());
                nb = b.withBounds(b.tnum(), b.umin(), b.umax(), b.smin(), Math.min(b.smax(), a.smax()));
            }
            case JSLT -> {
                Reg[] r = compare(JumpOp.JSGT, b, a);
                return r == null ? null : new Reg[] {r[1], r[0]};
            }
            case JSLE -> {
                Reg[] r = compare(JumpOp.JSGE, b, a);
                return r == null ? null : new Reg[] {r[1], r[0]};
            }
            case JSET -> {
                if (b.isConstant() && (a.tnum().max() & b.constantValue()) == 0) return null;
            }
        }
        if (na == null || nb == null) return null;
        return new Reg[] {na, nb};
    }

    /** a != c: when c is an end of a's range, the range shrinks by one. */
    private static Reg excludeEdge(Reg a, long c) {
        long umin = a.umin(), umax = a.umax(), smin = a.smin(), smax = a.smax();
        if (umin == c) umin++;
        if (umax == c) umax--;
        if (smin == c) smin++;
        if (smax == c) smax--;
        return a.withBounds(a.tnum(), umin, umax, smin, smax);
    }

    private static long umax(long x, long y) { return Long.compareUnsigned(x, y) >= 0 ? x : y; }

    private static long umin(long x, long y) { return Long.compareUnsigned(x, y) <= 0 ? x : y; }

    /** Replaces a scalar register (and, for registers that are copies of it, nothing: scalars carry no ids). */
    private static void replace(State st, int r, Reg old, Reg now) {
        if (old.isScalar()) st.set(r, now);
    }

    private boolean refinePointers(State st, Jump j, Reg a, Reg b, JumpOp op) {
        // NULL checks: pointer-or-null against the constant 0.
        Reg ptr = a.isNullable() ? a : b.isNullable() ? b : null;
        Reg other = ptr == a ? b : a;
        if (ptr != null && other.isScalar() && other.isConstant() && other.constantValue() == 0 && j.jmp64()
                && (op == JumpOp.JEQ || op == JumpOp.JNE)) {
            boolean isNull = op == JumpOp.JEQ;
            int id = ptr.id();
            RegisterType nonNull = ptr.type() == PTR_TO_MAP_VALUE_OR_NULL ? PTR_TO_MAP_VALUE : PTR_TO_MEM;
            if (isNull && ptr.refId() != 0) st.release(ptr.refId()); // nothing was reserved
            st.mapAll(r -> r.id() == id && r.isNullable() ? (isNull ? Reg.constant(0) : r.withType(nonNull).withId(nonNull == PTR_TO_MAP_VALUE ? 0 : r.id())) : r);
            return true;
        }
        // Packet bounds: pkt (+off) compared with pkt_end proves the bytes before it exist on one side.
        if (a.type() == PTR_TO_PACKET && b.type() == PTR_TO_PACKET_END || a.type() == PTR_TO_PACKET_END && b.type() == PTR_TO_PACKET) {
            boolean pktFirst = a.type() == PTR_TO_PACKET;
            Reg pkt = pktFirst ? a : b;
            // Normalise to "pkt OP end".
            JumpOp o = pktFirst ? op : op.swapped();
            boolean proven = o == JumpOp.JLE || o == JumpOp.JLT; // pkt <= end (or <): [pkt, pkt+off) is inside
            if (proven && pkt.fixedOffset() && pkt.off() >= 0) {
                int range = (int) Math.min(Integer.MAX_VALUE, pkt.off());
                int id = pkt.id();
                st.mapAll(r -> r.type() == PTR_TO_PACKET && r.id() == id && r.size() < range ? r.withSize(range) : r);
            }
            return true;
        }
        if (a.isPointer() && b.isPointer() && a.type() == b.type() && a.type() != PTR_TO_STACK) return true;
        if (a.isPointer() && b.isScalar() || a.isScalar() && b.isPointer()) {
            Reg p = a.isPointer() ? a : b;
            if (p.isNullable()) throw reject(ErrorCode.INVALID_POINTER_ARITHMETIC, slot, "comparison of " + p + " with anything but 0");
            return true; // a non-null pointer compared with a number: both outcomes stay possible
        }
        return true;
    }

    // ---------------------------------------------------------------- calls

    private int helperCall(int s, State st, int id, Checkpoint cp) {
        HelperSpec spec = request.helpers().get(id);
        if (spec == null) throw reject(ErrorCode.UNKNOWN_HELPER, s, "helper " + id + " is not available to programs of type " + request.type().name());
        Prototype proto = spec.prototype();
        if (st.lockHeld && id != HelperIds.SPIN_UNLOCK)
            throw reject(ErrorCode.LOCK_MISUSE, s, "call to " + spec.name() + " while holding a spin lock");
        int map = -1, memSize = 0, callback = -1;
        Reg releasing = null;
        List<ArgType> args = proto.args();
        for (int i = 0; i < args.size(); i++) {
            int r = i + 1;
            ArgType t = args.get(i);
            Reg v = read(st, r);
            // any stack pointer given to a helper escapes (a callback context is written by the callback)
            if (v.type() == PTR_TO_STACK) escapedFrames.add(st.frames[v.frame()].entry);
            switch (t) {
                case ANYTHING -> {}
                case CONST_MAP_PTR -> {
                    if (v.type() != CONST_PTR_TO_MAP) throw argError(spec, r, v, "a map");
                    map = v.map();
                    checkMapHelper(spec, r, map);
                }
                case PTR_TO_MAP_KEY -> checkMem(st, spec, r, v, keySize(spec, map, r), true, false);
                case PTR_TO_MAP_VALUE -> checkMem(st, spec, r, v, valueSize(spec, map, r), true, false);
                case PTR_TO_UNINIT_MAP_VALUE -> checkMem(st, spec, r, v, valueSize(spec, map, r), false, true);
                case PTR_TO_MEM, PTR_TO_CONST_STR, PTR_TO_UNINIT_MEM -> {
                    boolean sizeFollows = i + 1 < args.size() && (args.get(i + 1) == ArgType.CONST_SIZE || args.get(i + 1) == ArgType.CONST_SIZE_OR_ZERO);
                    if (!sizeFollows) {
                        if (v.type() == SCALAR && t == ArgType.PTR_TO_CONST_STR) break;
                        checkMem(st, spec, r, v, 1, t != ArgType.PTR_TO_UNINIT_MEM, t == ArgType.PTR_TO_UNINIT_MEM);
                        break;
                    }
                    Reg size = read(st, r + 1);
                    if (!size.isScalar()) throw argError(spec, r + 1, size, "a size");
                    boolean zeroOk = args.get(i + 1) == ArgType.CONST_SIZE_OR_ZERO;
                    if (size.smin() < 0 || Long.compareUnsigned(size.umax(), 1 << 20) > 0)
                        throw reject(ErrorCode.INVALID_HELPER_ARGUMENT, s, spec.name() + ": size in r" + (r + 1) + " is not bounded (" + size + "); check it against a limit first");
                    if (!zeroOk && size.umin() == 0) throw reject(ErrorCode.INVALID_HELPER_ARGUMENT, s, spec.name() + ": size in r" + (r + 1) + " may be 0 (" + size + ")");
                    if (size.umax() == 0 && zeroOk) break;
                    checkMem(st, spec, r, v, (int) size.umax(), t != ArgType.PTR_TO_UNINIT_MEM, t == ArgType.PTR_TO_UNINIT_MEM);
                }
                case CONST_SIZE, CONST_SIZE_OR_ZERO -> {}
                case CONST_ALLOC_SIZE_OR_ZERO -> {
                    if (!v.isScalar() || !v.isConstant()) throw argError(spec, r, v, "a known constant size");
                    memSize = (int) Math.min(Integer.MAX_VALUE, v.constantValue());
                }
                case PTR_TO_CTX -> {
                    if (v.type() != PTR_TO_CTX || v.off() != 0 || !v.fixedOffset()) throw argError(spec, r, v, "the context pointer");
                }
                case PTR_TO_FUNC -> {
                    if (v.type() != PTR_TO_FUNC) throw argError(spec, r, v, "a function (callback)");
                    callback = (int) v.off();
                }
                case PTR_TO_STACK_OR_NULL -> {
                    if (!(v.type() == PTR_TO_STACK || v.isScalar() && v.isConstant() && v.constantValue() == 0))
                        throw argError(spec, r, v, "a stack pointer or NULL");
                }
                case PTR_TO_ALLOC_MEM_RELEASE -> {
                    if (v.type() != PTR_TO_MEM || v.refId() == 0 || v.off() != 0 || !v.fixedOffset())
                        throw argError(spec, r, v, "a reserved record (as returned, not offset, NULL-checked)");
                    releasing = v;
                }
                case PTR_TO_SPIN_LOCK -> {
                    if (v.type() != PTR_TO_MAP_VALUE || !v.fixedOffset()) throw argError(spec, r, v, "a spin lock inside a map value");
                    checkRange(v, 0, 4, maps.get(v.map()).valueSize(), "map value");
                }
                case PTR_TO_LONG -> checkMem(st, spec, r, v, 8, false, true);
            }
        }
        if (id == HelperIds.TAIL_CALL && (st.refs.length > 0 || st.lockHeld))
            throw reject(ErrorCode.TAIL_CALL_WITH_REFERENCE, s, "tail call while holding " + st.refs.length + " reference(s)" + (st.lockHeld ? " and a spin lock" : ""));
        if (id == HelperIds.SPIN_LOCK) {
            if (st.lockHeld) throw reject(ErrorCode.LOCK_MISUSE, s, "spin lock taken twice");
            st.lockHeld = true;
        } else if (id == HelperIds.SPIN_UNLOCK) {
            if (!st.lockHeld) throw reject(ErrorCode.LOCK_MISUSE, s, "spin unlock without a held lock");
            st.lockHeld = false;
        }
        if (releasing != null) {
            int ref = releasing.refId();
            if (!st.holds(ref)) throw reject(ErrorCode.INVALID_HELPER_ARGUMENT, s, spec.name() + ": record already released");
            st.release(ref);
            st.mapAll(r -> r.refId() == ref ? Reg.NOT_INIT : r);
        }
        if (callback >= 0) verifyCallback(s, st, spec, callback, map);
        for (int r = 1; r <= 5; r++) st.set(r, Reg.NOT_INIT);
        Reg ret = switch (proto.returns()) {
            case INTEGER -> Reg.UNKNOWN;
            case VOID -> Reg.NOT_INIT;
            case PTR_TO_MAP_VALUE_OR_NULL -> {
                if (map < 0) throw reject(ErrorCode.INVALID_HELPER_ARGUMENT, s, spec.name() + " returns a map value but takes no map");
                yield Reg.pointer(PTR_TO_MAP_VALUE_OR_NULL, 0, map, 0, 0).withId(freshId());
            }
            case PTR_TO_ALLOC_MEM_OR_NULL -> {
                // Every state copy carries the held references: a loop that keeps reserving must end here, not
                // at the complexity limit after growing each copy by one reference per iteration.
                if (st.refs.length >= MAX_HELD_REFERENCES)
                    throw reject(ErrorCode.UNRELEASED_REFERENCE, s, "more than " + MAX_HELD_REFERENCES
                            + " references held at once (records reserved and not yet submitted or discarded)");
                int ref = freshId();
                st.acquire(ref);
                yield Reg.pointer(PTR_TO_MEM_OR_NULL, 0, -1, memSize, 0).withId(ref).withRefId(ref);
            }
        };
        st.set(0, ret);
        return s + 1;
    }

    private Reject argError(HelperSpec spec, int r, Reg v, String expected) {
        return reject(ErrorCode.INVALID_HELPER_ARGUMENT, slot, spec.name() + ": r" + r + " must be " + expected + ", found " + v);
    }

    private int keySize(HelperSpec spec, int map, int r) {
        if (map < 0) throw reject(ErrorCode.INVALID_HELPER_ARGUMENT, slot, spec.name() + ": key argument r" + r + " without a map argument");
        return maps.get(map).keySize();
    }

    private int valueSize(HelperSpec spec, int map, int r) {
        if (map < 0) throw reject(ErrorCode.INVALID_HELPER_ARGUMENT, slot, spec.name() + ": value argument r" + r + " without a map argument");
        return maps.get(map).valueSize();
    }

    /** A helper reads (initialised) or writes {@code size} bytes at the pointer in register {@code r}. */
    private void checkMem(State st, HelperSpec spec, int r, Reg v, int size, boolean mustBeInit, boolean written) {
        if (size == 0) return;
        switch (v.type()) {
            case PTR_TO_STACK -> {
                State.Frame fr = st.frames[v.frame()];
                long lo = v.off() + v.smin(), hi = v.off() + v.smax() + size;
                if (v.smin() < -(1L << 31) || v.smax() > (1L << 31)) lo = Long.MIN_VALUE;
                if (lo < -State.STACK || hi > 0)
                    throw reject(ErrorCode.OUT_OF_BOUNDS, slot, spec.name() + ": " + size + " bytes at r" + r + " (" + v + ") exceed the stack");
                for (int p = (int) lo + State.STACK; p < hi + State.STACK; p++) {
                    if (mustBeInit && fr.stack[p] == State.INVALID)
                        throw reject(ErrorCode.UNINIT_STACK, slot, spec.name() + ": r" + r + " points to " + size + " bytes of stack, byte fp" + (p - State.STACK) + " is uninitialised");
                }
                if (written && v.fixedOffset()) {
                    int p0 = (int) lo + State.STACK, p1 = (int) hi + State.STACK;
                    for (int p = p0; p < p1; p++) if (fr.stack[p] == State.SPILL) demoteSpill(fr, p / 8);
                    Arrays.fill(fr.stack, p0, p1, State.MISC);
                } else if (written) {
                    for (int p = (int) lo + State.STACK; p < hi + State.STACK; p++) if (fr.stack[p] == State.SPILL) demoteSpill(fr, p / 8);
                }
            }
            case PTR_TO_MAP_VALUE -> {
                MapSpec m = maps.get(v.map());
                if (written && m.readOnlyForPrograms()) throw reject(ErrorCode.READ_ONLY_WRITE, slot, spec.name() + " would write read-only map " + m.name());
                checkRange(v, 0, size, m.valueSize(), "map " + m.name() + " value");
            }
            case PTR_TO_MEM -> checkRange(v, 0, size, v.size(), "memory of " + v.size() + " bytes");
            case PTR_TO_RDONLY_BUF -> {
                if (written) throw reject(ErrorCode.READ_ONLY_WRITE, slot, spec.name() + " would write read-only memory through r" + r);
                checkRange(v, 0, size, v.size(), "read-only memory of " + v.size() + " bytes");
            }
            case PTR_TO_PACKET -> checkRange(v, 0, size, v.size(), "packet (proven range " + v.size() + ")");
            case PTR_TO_CTX -> {
                if (!ctx.unstructured()) throw argError(spec, r, v, "memory (the context is not raw memory)");
                if (!v.fixedOffset() || v.off() < 0 || v.off() + size > ctx.size()) throw reject(ErrorCode.OUT_OF_BOUNDS, slot, spec.name() + ": " + size + " bytes at r" + r + " exceed the context");
            }
            case PTR_TO_MAP_VALUE_OR_NULL, PTR_TO_MEM_OR_NULL -> throw reject(ErrorCode.NULL_DEREFERENCE, slot, spec.name() + ": r" + r + " (" + v + ") may be NULL");
            default -> throw argError(spec, r, v, "a pointer to " + size + " bytes of memory");
        }
    }

    /**
     * A callback runs any number of times with its own frame. It is verified once from a state that stands for every
     * call: its arguments are what the helper's prototype says it passes (a loop index is any u32, a key or row is
     * read-only memory of the promised size), and what it can reach of the caller's stack is forgotten (spilled
     * values become plain numbers), so whatever an earlier call wrote is covered.
     */
    private void verifyCallback(int s, State st, HelperSpec spec, int target, int map) {
        if (st.depth() + 1 >= MAX_FRAMES) throw reject(ErrorCode.CALL_DEPTH, s, "callback nested deeper than " + MAX_FRAMES + " frames");
        if (!entry[target]) throw reject(ErrorCode.INVALID_CALLBACK, s, "callback target " + target + " is not a function");
        List<ArgType> args = spec.prototype().args();
        int ctxIndex = args.indexOf(ArgType.PTR_TO_STACK_OR_NULL);
        Reg ctxArg = ctxIndex < 0 ? Reg.constant(0) : st.reg(ctxIndex + 1);
        if (ctxArg.type() == NOT_INIT) ctxArg = Reg.constant(0);
        if (ctxArg.type() == PTR_TO_STACK) {
            State.Frame fr = st.frames[ctxArg.frame()];
            for (int i = 0; i < fr.spills.length; i++) if (fr.spills[i] != null) demoteSpill(fr, i);
        }
        State cb = st.copy();
        State.Frame f = new State.Frame(s, target, true);
        List<CallbackArg> passed = spec.prototype().callbackArgs();
        for (int i = 0; i < passed.size(); i++) {
            f.regs[i + 1] = switch (passed.get(i)) {
                case CallbackArg.Index x -> Reg.unsignedUpTo(0xffffffffL);
                case CallbackArg.Scalar x -> Reg.UNKNOWN;
                case CallbackArg.Context x -> ctxArg;
                case CallbackArg.MapHandle x -> Reg.pointer(CONST_PTR_TO_MAP, 0, map, 0, 0);
                case CallbackArg.MapKey x -> Reg.pointer(PTR_TO_RDONLY_BUF, 0, -1, maps.get(map).keySize(), 0);
                case CallbackArg.MapValue x -> Reg.pointer(PTR_TO_MAP_VALUE, 0, map, 0, 0);
                case CallbackArg.ReadOnlyMemory m -> Reg.pointer(PTR_TO_RDONLY_BUF, 0, -1, m.bytes(), 0);
            };
        }
        f.regs[10] = Reg.pointer(PTR_TO_STACK, 0, -1, 0, cb.frames.length);
        State.Frame[] frames = Arrays.copyOf(cb.frames, cb.frames.length + 1);
        frames[frames.length - 1] = f;
        cb.frames = frames;
        // Walk the callback as its own path; it ends at its exit (see exit()).
        fork(target, cb, null);
    }

    private int localCall(int s, State st, int target, boolean callback) {
        if (st.depth() + 1 >= MAX_FRAMES) throw reject(ErrorCode.CALL_DEPTH, s, "calls nested deeper than " + MAX_FRAMES + " frames");
        for (State.Frame fr : st.frames) if (fr.entry == target) throw reject(ErrorCode.CALL_DEPTH, s, "recursive call to the function at " + target);
        if (st.lockHeld) throw reject(ErrorCode.LOCK_MISUSE, s, "function call while holding a spin lock");
        State.Frame f = new State.Frame(s, target, callback);
        for (int r = 1; r <= 5; r++) {
            Reg v = st.reg(r);
            if (v.type() == PTR_TO_STACK) escapedFrames.add(st.frames[v.frame()].entry);
            f.regs[r] = v;
        }
        f.regs[10] = Reg.pointer(PTR_TO_STACK, 0, -1, 0, st.frames.length);
        State.Frame[] frames = Arrays.copyOf(st.frames, st.frames.length + 1);
        frames[frames.length - 1] = f;
        st.frames = frames;
        return target;
    }

    private int exit(int s, State st) {
        Reg r0 = st.reg(0);
        State.Frame top = st.top();
        // A subprogram's r0 only has to be set when its caller reads it (clang leaves it unset in a function whose
        // result is unused): an unset r0 returns as unset, and a read of it in the caller is the error.
        if (r0.type() == NOT_INIT && (st.frames.length == 1 || top.callback))
            throw reject(ErrorCode.INVALID_RETURN, s, "r0 is not set at exit");
        int ownFrame = st.frames.length - 1;
        if (r0.type() == PTR_TO_STACK && r0.frame() == ownFrame) throw reject(ErrorCode.INVALID_RETURN, s, "returns a pointer into its own stack frame");
        depthOfEntry[top.entry] = Math.max(depthOfEntry[top.entry], top.depth());
        if (st.frames.length == 1) {
            if (st.refs.length > 0) throw reject(ErrorCode.UNRELEASED_REFERENCE, s, st.refs.length + " reserved ring-buffer record(s) neither submitted nor discarded on this path");
            if (st.lockHeld) throw reject(ErrorCode.LOCK_MISUSE, s, "exit while holding a spin lock");
            if (!r0.isScalar()) throw reject(ErrorCode.INVALID_RETURN, s, "the program returns a pointer (" + r0 + ")");
            return -1;
        }
        if (top.callback) {
            if (!r0.isScalar()) throw reject(ErrorCode.INVALID_RETURN, s, "a callback must return a number, returns " + r0);
            // 0 continues, 1 stops (bpf_loop, for_each_map_elem and the host's iterating helpers); Linux insists on that range
            if (Long.compareUnsigned(r0.umax(), 1) > 0)
                throw reject(ErrorCode.INVALID_RETURN, s, "a callback must return 0 (continue) or 1 (stop), returns " + r0);
            if (st.lockHeld) throw reject(ErrorCode.LOCK_MISUSE, s, "callback returns holding a spin lock");
            return -1; // the caller continued on its own path after the helper call
        }
        if (st.lockHeld) throw reject(ErrorCode.LOCK_MISUSE, s, "function returns holding a spin lock");
        st.frames = Arrays.copyOf(st.frames, st.frames.length - 1);
        for (int r = 1; r <= 5; r++) st.set(r, Reg.NOT_INIT);
        st.set(0, r0);
        return top.callSite + 1;
    }

    /** Linux's rule: the stacks of a call chain together fit in 512 bytes (rounded to 32-byte units). */
    private void checkStackDepths() {
        for (int s = 0; s < n; s++) {
            if (!entry[s]) continue;
            int d = chainDepth(s, new java.util.HashSet<>());
            if (d > State.STACK) throw reject(ErrorCode.CALL_DEPTH, s, "combined stack of the call chain from the function at " + s + " is " + d + " bytes (limit 512)");
        }
    }

    private int chainDepth(int fn, java.util.Set<Integer> seen) {
        if (!seen.add(fn)) return 0;
        int own = (depthOfEntry[fn] + 31) & ~31, deepest = 0;
        for (int s = fn; s < n; s++) {
            if (s > fn && entry[s]) break;
            if (program.at(s) instanceof Call c && c.kind() == CallKind.LOCAL) deepest = Math.max(deepest, chainDepth(s + 1 + c.imm(), seen));
        }
        seen.remove(fn);
        return own + deepest;
    }

    // ---------------------------------------------------------------- facts

    private void recordFacts(int s, State st) {
        reachable[s] = true;
        RegisterFact[] facts = registerFacts[s];
        boolean first = facts == null;
        if (first) registerFacts[s] = facts = new RegisterFact[11];
        for (int r = 0; r < 11; r++) {
            RegisterFact now = toFact(st.reg(r));
            facts[r] = first ? now : joinFacts(facts[r], now);
        }
    }

    private static final RegisterFact CONFLICT = new RegisterFact(NOT_INIT, 0, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 0, -1L, Long.MIN_VALUE);

    private static RegisterFact toFact(Reg v) {
        return new RegisterFact(v.type(), v.umin(), v.umax(), v.smin(), v.smax(), v.tnum().value(), v.tnum().mask(), v.off());
    }

    private static RegisterFact joinFacts(RegisterFact a, RegisterFact b) {
        if (a == CONFLICT) return a;
        if (a.equals(b)) return a;
        if (a.type() != b.type() || a.fixedOffset() != b.fixedOffset()) return CONFLICT;
        Tnum t = new Tnum(a.value(), a.mask()).union(new Tnum(b.value(), b.mask()));
        return new RegisterFact(a.type(), umin(a.umin(), b.umin()), umax(a.umax(), b.umax()), Math.min(a.smin(), b.smin()),
                Math.max(a.smax(), b.smax()), t.value(), t.mask(), a.fixedOffset());
    }

    private void recordAccess(Reg base, int off, State st) {
        boolean constantSlot = base.type() == PTR_TO_STACK && base.fixedOffset() && base.frame() == st.frames.length - 1;
        AccessFact now = new AccessFact(base.type(), true, constantSlot, constantSlot ? (int) (base.off() + off) : 0);
        AccessFact old = accessFacts[slot];
        if (old == null && !accessConflict[slot]) accessFacts[slot] = now;
        else if (old != null && !old.equals(now)) {
            accessFacts[slot] = old.base() == now.base() ? new AccessFact(old.base(), true, false, 0) : null;
            if (accessFacts[slot] == null) accessConflict[slot] = true;
        }
    }

    RegisterFact registerFact(int s, int r) {
        RegisterFact[] f = registerFacts[s];
        if (f == null) return null;
        RegisterFact v = f[r];
        return v == CONFLICT || v.type() == NOT_INIT ? null : v;
    }

    // ---------------------------------------------------------------- messages

    Reject reject(ErrorCode code, int at, String detail) {
        String insn = at >= 0 && at < n && program.at(at) != null ? Disassembler.format(program.at(at)) : null;
        LineInfo line = null;
        if (request.lines() != null && at >= 0 && at < n) {
            try { line = request.lines().apply(at); } catch (RuntimeException e) { line = null; }
        }
        String where = line == null ? null : line.file() + ":" + line.line() + (line.source() == null || line.source().isBlank() ? "" : ": " + line.source().strip());
        return new Reject(new Rejection(code, at, insn, where, detail, current == null ? "" : regsText(current)));
    }

    static String regsText(State st) {
        StringBuilder b = new StringBuilder();
        Reg[] regs = st.top().regs;
        for (int r = 0; r < 11; r++) {
            if (regs[r].type() == NOT_INIT) continue;
            if (b.length() > 0) b.append(' ');
            b.append('R').append(r).append('=').append(regs[r]);
        }
        if (st.frames.length > 1) b.append(" (frame ").append(st.frames.length - 1).append(')');
        return b.toString();
    }

    boolean isEntry(int s) { return entry[s]; }
}
