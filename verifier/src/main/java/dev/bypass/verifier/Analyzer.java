package dev.bypass.verifier;

import static dev.bypass.vm.facts.RegisterType.*;

import dev.bypass.vm.verification.VerificationRequest;
import dev.bypass.vm.asm.Disassembler;
import dev.bypass.vm.ctx.ContextLayout;
import dev.bypass.vm.elf.LineInfo;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.maps.MapSpec;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * One verification: the shared context of the analysis and its driver, in the shape of ASM's {@code tree.analysis}
 * (an analyzer driving frames through an interpreter) and PREVAIL (forward analyzer, transformer, checker, domains):
 * <ul>
 * <li>{@link Cfg}: control-flow checks, functions, prune points, liveness, natural loops;</li>
 * <li>{@link Explorer}: the work list of paths, pruning against explored states, loops by widening;</li>
 * <li>{@link Transfer}: one instruction's effect on a {@link State} (arithmetic and jumps over the scalar domain
 * {@link Scalar}/{@link ScalarAlu}/{@link ScalarBranch}, pointer arithmetic);</li>
 * <li>{@link MemoryChecks}: loads, stores and atomics on the stack, context, maps, packets and buffers;</li>
 * <li>{@link Calls}: helper prototypes, callbacks, bpf-to-bpf calls and exits;</li>
 * <li>{@link FactRecorder}: what engines may rely on, per instruction.</li>
 * </ul>
 * An analysis that fails on a path derived from a widened loop state is started again with that loop walked
 * iteration by iteration, so widening can only ever turn a rejection for complexity into an acceptance.
 */
final class Analyzer {
    static final int COMPLEXITY_LIMIT = 1_000_000;
    static final int MAX_FRAMES = 8;
    static final int MAX_HELD_REFERENCES = 64;
    /** Reserved scalar id of a buffer program's length (r2): comparisons with it give {@link Reg#lenSlack} facts. */
    static final int LENGTH_ID = 1;

    /** A rejection on its way out of the walk. */
    static final class Reject extends RuntimeException {
        final Rejection rejection;
        final int[] widenedFrom;

        Reject(Rejection r, int[] widenedFrom) {
            super(r.message(), null, false, false);
            rejection = r;
            this.widenedFrom = widenedFrom;
        }
    }

    /** Sees every state the walk executes an instruction in, and every state it prunes (for the soundness checker). */
    interface Observer {
        /** The walk is about to execute the instruction at {@code slot} in {@code state} (do not modify it). */
        void visit(int slot, State state);

        /** A path reached {@code slot} in {@code state} and stopped, covered by {@code against}. */
        default void pruned(int slot, State state, State against) {}
    }

    /**
     * How an analysis runs: logging, an observer, whether loops may be widened (after how many iterations), and
     * whether pruning ignores scalars no safety decision used (precision tracking; off, every scalar is compared).
     */
    /**
     * {@code linuxUndefined}: shifts past the width and divisions by zero are what Linux makes of them (a constant
     * operand refused, any other result unknown) instead of RFC 9669's defined results; for comparing verdicts with
     * Linux's verifier, where those are the only legitimate differences.
     */
    record Options(boolean log, Observer observer, boolean widening, int wideningAfter, boolean precision, boolean linuxUndefined) {
        static final Options DEFAULT = new Options(false, null, true, 8, true, false);
    }

    final VerificationRequest request;
    final Program program;
    final ContextLayout ctx;
    /** The request's maps, then the inner maps of maps of maps. */
    final List<MapSpec> maps;
    final Options options;
    /** Whether stack bytes never written may be read (programs of Linux types, as privileged Linux allows). */
    final boolean unwrittenStackReadable;

    /**
     * A read (by the program or a helper) of stack bytes never written on this path: whether it is allowed, in which
     * case the facts record it, so that the runtime clears the stack before each run.
     */
    boolean readUnwrittenStack() {
        if (unwrittenStackReadable) facts.readsUnwrittenStack();
        return unwrittenStackReadable;
    }
    final StringBuilder log;
    Cfg cfg;
    final Thresholds thresholds;
    final BitSet noWidening = new BitSet();

    Explorer explorer;
    final Transfer transfer = new Transfer(this);
    final MemoryChecks memory = new MemoryChecks(this);
    final Calls calls = new Calls(this);
    FactRecorder facts;

    private int nextId = LENGTH_ID + 1;
    long processed;
    int slot;
    State current;

    Analyzer(VerificationRequest request, Options options) {
        this.request = request;
        this.program = request.program();
        this.ctx = request.type().context();
        this.options = options;
        this.unwrittenStackReadable = request.type().linux();
        this.log = options.log() ? new StringBuilder() : null;
        List<MapSpec> all = new ArrayList<>(request.maps());
        for (int i = 0; i < all.size(); i++) if (all.get(i).inner() != null) all.add(all.get(i).inner());
        this.maps = List.copyOf(all);
        List<Long> constants = Transfer.constants(program, maps);
        constants.add((long) ctx.size());
        this.thresholds = new Thresholds(constants);
    }

    long processed() { return processed; }

    /** Index in {@link #maps} of the inner map declaration of map {@code outer}. */
    int innerMap(int outer) {
        int idx = request.maps().size();
        for (int i = 0; i < outer; i++) if (maps.get(i).inner() != null) idx++;
        return idx;
    }

    int freshId() { return nextId++; }

    void run() {
        Cfg.Error[] err = new Cfg.Error[1];
        cfg = Cfg.of(program, err);
        if (err[0] != null) throw reject(err[0].code(), err[0].slot(), err[0].detail());
        long total = 0;
        while (true) {
            facts = new FactRecorder(this);
            explorer = new Explorer(this);
            try {
                explorer.run(initialState());
                processed = total + explorer.processed;
                current = null;
                facts.finish();
                return;
            } catch (Reject r) {
                total += explorer.processed;
                processed = total;
                // A failure on a path that went through a widened loop state may come from widening's imprecision:
                // walk those loops iteration by iteration instead and start again.
                if (r.widenedFrom.length == 0 || !options.widening()) throw r;
                for (int h : r.widenedFrom) noWidening.set(h);
                if (log != null) log.append("restarting without widening at ").append(java.util.Arrays.toString(r.widenedFrom)).append('\n');
            }
        }
    }

    /** The state a program starts in: r1 (and r2) as its type's calling convention says, r10 the frame pointer. */
    State initialState() {
        State.Frame f = new State.Frame(-1, 0, false);
        switch (ctx.shape()) {
            case STRUCT -> f.regs[1] = Reg.pointer(PTR_TO_CTX, 0, -1, 0, 0);
            case RAW -> {
                f.regs[1] = Reg.pointer(PTR_TO_CTX, 0, -1, 0, 0);
                f.regs[2] = Reg.scalar(Scalar.unsigned(0, ctx.size()));
            }
            case BUFFER -> {
                f.regs[1] = Reg.pointer(PTR_TO_PACKET, 0, -1, 0, 0).withId(freshId());
                f.regs[2] = Reg.scalar(Scalar.unsigned(ctx.minSize(), ctx.size())).withId(LENGTH_ID);
            }
        }
        f.regs[10] = Reg.pointer(PTR_TO_STACK, 0, -1, 0, 0);
        return new State(new State.Frame[] {f}, new int[0], false);
    }

    /** Whether packets of this program are its buffer (r1/r2), with {@link ContextLayout#minSize()} bytes always there. */
    boolean bufferProgram() { return ctx.shape() == ContextLayout.Shape.BUFFER; }

    /**
     * How long a buffer program's buffer is known to be on this path: at least the type's minimum, and at least what
     * any scalar still linked to the length (r2, or a copy, plus or minus a constant) says. Only locations pruning
     * compares count: registers of the innermost frame in {@code liveTop}, callers' r6-r9 that are read after the
     * call returns, spills; a dead copy of the length may differ on a path pruned here (or pruned in the caller
     * before the call, where the register was already dead). With {@code mark}, a safety decision is about to rest
     * on that bound: the location it came from becomes precise, so that pruning never covers a path where it is
     * shorter.
     */
    long minBufferLength(State st, int liveTop, boolean mark) {
        long min = ctx.minSize();
        int frame = -1, at = -1;
        for (int i = 0; i < st.frames.length; i++) {
            State.Frame f = st.frames[i];
            int live = i == st.frames.length - 1 ? liveTop : cfg.live[st.frames[i + 1].callSite + 1] & 0x7c0;
            for (int r = 0; r < f.regs.length; r++) {
                if ((live & (1 << r)) == 0) continue;
                long b = lengthBound(f.regs[r]);
                if (b > min) { min = b; frame = i; at = r; }
            }
            for (int s = 0; s < f.spills.length; s++) {
                long b = f.spills[s] == null ? 0 : lengthBound(f.spills[s]);
                if (b > min) { min = b; frame = i; at = 64 + s; }
            }
        }
        if (mark && frame >= 0) {
            Precision.Need need = new Precision.Need();
            if (at < 64) need.setReg(frame, at);
            else need.setSlot(frame, at - 64);
            explorer.needPrecise(st, need);
        }
        return min;
    }

    private static long lengthBound(Reg r) {
        if (!r.isScalar() || r.id() != LENGTH_ID || Long.compareUnsigned(r.var().umax(), 1L << 40) > 0) return 0;
        return r.var().umin() - r.off(); // value = length + off
    }

    // ---------------------------------------------------------------- messages

    Reject reject(ErrorCode code, int at, String detail) {
        String insn = at >= 0 && at < program.slotCount() && program.at(at) != null ? Disassembler.format(program.at(at)) : null;
        LineInfo line = null;
        if (request.lines() != null && at >= 0 && at < program.slotCount()) {
            try { line = request.lines().apply(at); } catch (RuntimeException e) { line = null; }
        }
        String where = line == null ? null : line.file() + ":" + line.line() + (line.source() == null || line.source().isBlank() ? "" : ": " + line.source().strip());
        return new Reject(new Rejection(code, at, insn, where, detail, current == null ? "" : regsText(current)),
                current == null ? new int[0] : current.widenedFrom);
    }

    Reject reject(ErrorCode code, String detail) { return reject(code, slot, detail); }

    static String regsText(State st) {
        StringBuilder b = new StringBuilder();
        Reg[] regs = st.top().regs;
        for (int r = 0; r < 11; r++) {
            if (!regs[r].isInit()) continue;
            if (b.length() > 0) b.append(' ');
            b.append('R').append(r).append('=').append(regs[r]);
        }
        if (st.frames.length > 1) b.append(" (frame ").append(st.frames.length - 1).append(')');
        return b.toString();
    }
}
