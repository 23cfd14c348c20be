package dev.bypass.vm.exec;

import dev.bypass.vm.memory.Memory;
import dev.bypass.vm.memory.Pointers;
import dev.bypass.vm.memory.Region;
import dev.bypass.vm.memory.RegionTable;
import dev.bypass.vm.helpers.HelperContext;
import dev.bypass.vm.isa.Registers;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Per-thread mutable state of executions: the address space, the remaining budget, the call stack of local calls,
 * and host attachments that helpers read. Reused across runs to avoid allocation on the hot path. Not thread-safe.
 */
public final class ExecutionState implements HelperContext {
    /** Default budget: back-edges taken plus calls made per top-level execution. */
    public static final long DEFAULT_BUDGET = 100_000_000L;

    private final Memory memory = new Memory();
    /** The thread that made this state (final: any thread reading it sees it, as runtimes check it to find their own). */
    private final Thread creator = Thread.currentThread();
    private final Map<Class<?>, Object> attachments = new IdentityHashMap<>();
    /**
     * What helpers hold for this thread's programs, one entry per kind, made on first use: a short array searched
     * linearly rather than the attachments' map, as every ring buffer reserve and spin lock needs its entry.
     */
    private Class<?>[] heldKinds = new Class<?>[0];
    private HeldResources[] held = new HeldResources[0];
    /** The calling thread's CPU claim (see {@link Cpus}), and whether this execution holds its cell. */
    private Cpus.Claim claim;
    private boolean holdsCpu;
    private byte[] lastContext;
    private Region lastContextRegion;
    private long budgetLimit = DEFAULT_BUDGET;
    /** Remaining budget; engines keep a local copy in hot loops and store it back around helper calls. */
    private long budget;
    private Engine current;
    private int depth;
    private int nesting;
    /** Linux's MAX_TAIL_CALL_CNT: tail calls allowed per top-level execution. */
    public static final int MAX_TAIL_CALLS = 33;
    private int tailCalls;
    private Engine pendingTailCall;
    private long tailCallContext;
    /** Linux's BPF_MAX_LOOPS: the passes through {@code may_goto} one function call may make before they jump. */
    public static final long MAX_LOOPS = 8L * 1024 * 1024;
    private long loopBudget = MAX_LOOPS;
    /** What is left of the loop budget of the frame at each call depth. */
    private final long[] loopsLeft = new long[Registers.MAX_CALL_DEPTH];
    /** Checking tools only: sees every instruction the interpreter executes (null normally). */
    private InstructionObserver observer;

    public ExecutionState() {}

    public ExecutionState(long budgetLimit) { setBudgetLimit(budgetLimit); }

    public void setBudgetLimit(long limit) {
        if (limit <= 0) throw new IllegalArgumentException("budget must be positive");
        this.budgetLimit = limit;
    }

    public long budgetLimit() { return budgetLimit; }

    /** What is left of the running top-level execution's budget. */
    public long remainingBudget() { return budget; }

    /**
     * Stores back what is left of the budget: engines count in a local copy on hot paths and store it around helper
     * calls (so the helper's own charges count) and when they return. The budget can only be spent, never refilled.
     */
    public void remainingBudget(long left) {
        if (left > budget) throw new IllegalArgumentException("the budget can only be spent (" + left + " > " + budget + ")");
        budget = left;
    }

    /**
     * Charges one unit of the run's budget for work a helper does on the program's behalf, such as one iteration of
     * a loop it runs or a callback it makes, as a back-edge of the program would; {@code what} names the work in the
     * error raised once the budget is spent, so no helper can keep a run going for ever.
     */
    public void chargeBudget(String what) {
        if (--budget < 0) throw new ExecutionException(ExecutionException.Kind.BUDGET_EXHAUSTED, -1,
                what + ": program exceeded its budget of " + budgetLimit + " back-edges and calls");
    }

    /**
     * The passes through {@code may_goto} each function call gets ({@link #MAX_LOOPS} unless set): a host may cut its
     * programs' open-ended loops shorter, and a checker reaches their budget-spent exits in few steps. The verifier
     * proves a program for any budget, so none changes what is safe to run.
     */
    public void setLoopBudget(long passes) {
        if (passes < 0) throw new IllegalArgumentException("loop budget must not be negative: " + passes);
        this.loopBudget = passes;
    }

    /**
     * A call of a function holding {@code may_goto} starts at {@code depth}: its frame gets a full loop budget
     * (as Linux gives each such function's frame a hidden counter in its prologue).
     */
    public void startLoops(int depth) { loopsLeft[depth] = loopBudget; }

    /**
     * What {@code may_goto} does, for every engine: true (jump) once the loop budget of the frame at {@code depth}
     * is spent, else spends one pass of it and returns false (fall through).
     */
    public boolean mayGotoExhausted(int depth) {
        long left = loopsLeft[depth];
        if (left == 0) return true;
        loopsLeft[depth] = left - 1;
        return false;
    }

    /** Checking tools only: {@code observer} sees every instruction the interpreter runs for this state (null: none). */
    public void observe(InstructionObserver observer) { this.observer = observer; }

    /** The checking observer, or null. */
    public InstructionObserver observer() { return observer; }

    @Override public Memory memory() { return memory; }

    /** The thread that made this state; per-thread states are made on the thread that uses them. */
    public Thread creator() { return creator; }

    /** The region for a context array, reused while the host passes the same array run after run. */
    public Region contextRegion(byte[] context) {
        if (context != lastContext) {
            lastContextRegion = Region.of("ctx", context, true);
            lastContext = context;
        }
        return lastContextRegion;
    }

    /**
     * Maps a top-level run's context at {@link Memory#CTX_REGION} and returns r1: the pointer to its first byte, or 0
     * (and nothing mapped there) for an empty context. The last run's context stays mapped between runs, so that a
     * host passing the same array writes nothing here; as every run through this method maps its own context before
     * it starts, no run can address an earlier one's.
     */
    public long bindContext(byte[] context) {
        if (context.length == 0) {
            memory.unbind(Memory.CTX_REGION);
            return 0;
        }
        return memory.bind(Memory.CTX_REGION, contextRegion(context));
    }

    @Override public <T> T attachment(Class<T> type) { return type.cast(attachments.get(type)); }

    /**
     * This state's resources of one kind (ring buffer records, spin locks, ...), made by {@code make} at first use.
     * The helpers that take such resources keep them here, so that {@link #releaseHeld()} gives them back.
     */
    public <R extends HeldResources> R held(Class<R> kind, java.util.function.Function<ExecutionState, R> make) {
        Class<?>[] kinds = heldKinds;
        for (int i = 0; i < kinds.length; i++) if (kinds[i] == kind) return kind.cast(held[i]);
        R r = make.apply(this);
        heldKinds = java.util.Arrays.copyOf(kinds, kinds.length + 1);
        held = java.util.Arrays.copyOf(held, held.length + 1);
        heldKinds[kinds.length] = kind;
        held[kinds.length] = r;
        return r;
    }

    /**
     * Gives back everything helpers still hold for this state's programs (see {@link HeldResources}); returns how
     * many resources there were. Called when a run ends; costs nothing when no program ever held anything.
     */
    public int releaseHeld() {
        int n = 0;
        for (HeldResources r : held) n += r.releaseAll();
        return n;
    }

    /**
     * The CPU cell the running execution uses for per-CPU values: taken at the first call of a run and held until
     * its top-level run ends (see {@link Cpus}). Outside a run, the thread's home cell, not held.
     */
    @Override public int cpu() { return holdsCpu ? claim.cell : takeCpu(); }

    private int takeCpu() {
        Cpus.Claim c = claim;
        if (c == null || c.owner != Thread.currentThread()) claim = c = Cpus.claim();
        if (nesting == 0) return Cpus.current();
        int cell = Cpus.acquire(c);
        holdsCpu = true;
        return cell;
    }

    public <T> void attach(Class<T> type, T value) {
        if (value == null) attachments.remove(type);
        else attachments.put(type, value);
    }

    /** Whether the run going on was started inside another one (from a callback), sharing its stack. */
    public boolean nested() { return nesting > 1; }

    /** Called by engines at the start of a top-level run (nested runs from callbacks share the budget). */
    public void beginExecution() {
        if (nesting++ == 0) {
            budget = budgetLimit;
            if (tailCalls != 0) tailCalls = 0;
            if (pendingTailCall != null) pendingTailCall = null;
        }
    }

    public void endExecution() {
        if (--nesting == 0) {
            memory.releaseScratch();
            // current stays set: the next run of the same program then stores nothing (currentEngine() checks nesting)
            if (holdsCpu) {
                holdsCpu = false;
                Cpus.release(claim);
            }
        }
    }

    /**
     * The engine and call depth of the code currently running, so helpers can call back into it; the memory now
     * resolves shared regions through that program's {@link RegionTable}.
     */
    public void enter(Engine engine, int depth) {
        if (current != engine) current = engine;
        if (this.depth != depth) this.depth = depth;
        memory.use(engine.program().regions());
    }

    /** The engine whose code is running on this state, or null between runs. */
    public Engine currentEngine() { return nesting > 0 ? current : null; }

    /**
     * Called by the {@code tail_call} helper: records that, once the helper returns, the running program must be
     * replaced by {@code target} starting at its first instruction with r1 = {@code context}. Returns false (and
     * records nothing) when the execution already made {@link #MAX_TAIL_CALLS} tail calls; the program then
     * continues after the call, as in Linux.
     */
    public boolean requestTailCall(Engine target, long context) {
        if (tailCalls >= MAX_TAIL_CALLS) return false;
        tailCalls++;
        pendingTailCall = target;
        tailCallContext = context;
        return true;
    }

    /**
     * The tail call target recorded by the helper that just returned, or null; clears it. Engines check this after
     * every helper call and, when set, return {@code target.invoke(state, 0, baseDepth, tailCallContext(), ...)}.
     */
    public Engine takeTailCall() {
        Engine t = pendingTailCall;
        pendingTailCall = null;
        return t;
    }

    public long tailCallContext() { return tailCallContext; }

    /** Tail calls made so far in this execution. */
    public int tailCalls() { return tailCalls; }

    public int currentDepth() { return depth; }

    /**
     * Calls a subprogram of the running program through a code pointer (from {@code lddw} with the function
     * source), one frame deeper than the caller, and returns its r0. Used by helpers with callbacks.
     */
    public long callback(long codePointer, long r1, long r2, long r3, long r4, long r5) {
        Engine engine = currentEngine();
        if (engine == null) throw new IllegalStateException("no program is running");
        if (!Pointers.isCode(codePointer)) throw new dev.bypass.vm.helpers.HelperException("callback argument 0x"
                + Long.toHexString(codePointer) + " is not a function pointer");
        int slot = Pointers.codeSlot(codePointer);
        if (slot < 0 || slot >= engine.program().slotCount() || !engine.program().isFunctionEntry(slot))
            throw new dev.bypass.vm.helpers.HelperException("callback target " + slot + " is not a function of the program");
        int callerDepth = depth;
        if (callerDepth + 1 >= Registers.MAX_CALL_DEPTH)
            throw new dev.bypass.vm.helpers.HelperException("callback would exceed " + Registers.MAX_CALL_DEPTH + " frames");
        try {
            return engine.invoke(this, slot, callerDepth + 1, r1, r2, r3, r4, r5);
        } finally {
            enter(engine, callerDepth);
        }
    }
}
