package dev.bypass.verifier;

import static dev.bypass.vm.facts.RegisterType.*;

import dev.bypass.vm.helpers.ArgType;
import dev.bypass.vm.helpers.CallbackArg;
import dev.bypass.vm.helpers.HelperIds;
import dev.bypass.vm.helpers.HelperSpec;
import dev.bypass.vm.helpers.Kfuncs;
import dev.bypass.vm.helpers.Prototype;
import dev.bypass.vm.maps.MapSpec;
import dev.bypass.vm.maps.MapType;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Calls and returns: helper calls checked against their prototypes (and, as Linux does, against the kinds of map a
 * helper works on), callbacks, bpf-to-bpf calls with their frames, and exits (the program's, a function's, a
 * callback's).
 */
final class Calls {
    /** Helper id used by {@code bpf_get_stackid}, the only helper Linux lets touch a stack-trace map. */
    private static final int GET_STACKID = 27, USER_RINGBUF_DRAIN = 209, GET_LOCAL_STORAGE = 81, SK_STORAGE_GET = 107,
            SK_STORAGE_DELETE = 108;

    private final Analyzer a;

    Calls(Analyzer a) { this.a = a; }

    int helper(int s, State st, int id, Explorer.Checkpoint cp) {
        HelperSpec spec = a.request.helpers().get(id);
        if (spec == null || !a.request.type().allowsHelper(id))
            throw a.reject(ErrorCode.UNKNOWN_HELPER, "helper " + id + (spec == null ? "" : " (" + spec.name() + ")") + " is not available to programs of type "
                    + a.request.type().name() + (spec == null ? " in this runtime" : ""));
        Prototype proto = spec.prototype();
        if (st.lockHeld && id != HelperIds.SPIN_UNLOCK) throw a.reject(ErrorCode.LOCK_MISUSE, "call to " + spec.name() + " while holding a spin lock");
        int map = -1, memSize = 0, callback = -1;
        Reg releasing = null;
        List<ArgType> args = proto.args();
        for (int i = 0; i < args.size(); i++) {
            int r = i + 1;
            ArgType t = args.get(i);
            Reg v = a.transfer.read(st, r);
            if (v.type() == PTR_TO_STACK) a.facts.stackEscapes(st, v.frame()); // a helper may write through it
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
                    boolean init = t != ArgType.PTR_TO_UNINIT_MEM;
                    if (!sizeFollows) {
                        if (v.isScalar() && t == ArgType.PTR_TO_CONST_STR) break;
                        checkMem(st, spec, r, v, 1, init, !init);
                        break;
                    }
                    Reg size = a.transfer.read(st, r + 1);
                    if (!size.isScalar()) throw argError(spec, r + 1, size, "a size");
                    a.explorer.needPrecise(st, r + 1);
                    boolean zeroOk = args.get(i + 1) == ArgType.CONST_SIZE_OR_ZERO;
                    if (size.var().smin() < 0)
                        throw a.reject(ErrorCode.INVALID_HELPER_ARGUMENT, spec.name() + ": size in r" + (r + 1) + " may be negative (" + size + "); check it first");
                    if (Long.compareUnsigned(size.var().umax(), 1 << 29) >= 0)
                        throw a.reject(ErrorCode.INVALID_HELPER_ARGUMENT, spec.name() + ": size in r" + (r + 1) + " is unbounded (" + size + "); check it against a limit first");
                    if (!zeroOk && size.var().umin() == 0)
                        throw a.reject(ErrorCode.INVALID_HELPER_ARGUMENT, spec.name() + ": size in r" + (r + 1) + " may be 0 (" + size + ")");
                    if (size.var().umax() == 0) {
                        if (!(v.isConstant() && v.value() == 0) && !v.isPointer()) throw argError(spec, r, v, "a pointer or NULL");
                        break;
                    }
                    if (zeroOk && v.isConstant() && v.value() == 0 && size.var().umin() == 0) throw argError(spec, r, v, "a pointer when the size may be nonzero");
                    checkMem(st, spec, r, v, (int) size.var().umax(), init, !init);
                }
                case CONST_SIZE, CONST_SIZE_OR_ZERO -> {}
                case CONST_ALLOC_SIZE_OR_ZERO -> {
                    if (!v.isConstant()) throw argError(spec, r, v, "a known constant size");
                    a.explorer.needPrecise(st, r);
                    memSize = (int) Math.min(Integer.MAX_VALUE, v.value());
                }
                case PTR_TO_CTX -> {
                    if (v.type() != PTR_TO_CTX || v.off() != 0 || !v.fixedOffset()) throw argError(spec, r, v, "the context pointer");
                }
                case PTR_TO_FUNC -> {
                    if (v.type() != PTR_TO_FUNC) throw argError(spec, r, v, "a function (callback)");
                    callback = (int) v.off();
                }
                case PTR_TO_STACK_OR_NULL -> {
                    if (!(v.type() == PTR_TO_STACK || v.isConstant() && v.value() == 0)) throw argError(spec, r, v, "a stack pointer or NULL");
                }
                case PTR_TO_ALLOC_MEM_RELEASE -> {
                    if (v.type() != PTR_TO_MEM || v.refId() == 0 || v.off() != 0 || !v.fixedOffset())
                        throw argError(spec, r, v, "a reserved record (as returned, not offset, NULL-checked)");
                    releasing = v;
                }
                case PTR_TO_SPIN_LOCK -> {
                    if (v.type() != PTR_TO_MAP_VALUE || !v.fixedOffset()) throw argError(spec, r, v, "a spin lock inside a map value");
                    a.memory.checkRange(v, 0, 4, a.maps.get(v.map()).valueSize(), "map value");
                }
                case PTR_TO_LONG -> checkMem(st, spec, r, v, 8, false, true);
            }
        }
        if (id == HelperIds.TAIL_CALL) requireScalarReturn(s, "tail call");
        if (id == HelperIds.TAIL_CALL && (st.refs.length > 0 || st.lockHeld))
            throw a.reject(ErrorCode.TAIL_CALL_WITH_REFERENCE, "tail call while holding " + st.refs.length + " reference(s)" + (st.lockHeld ? " and a spin lock" : ""));
        if (id == HelperIds.SPIN_LOCK) {
            if (st.lockHeld) throw a.reject(ErrorCode.LOCK_MISUSE, "spin lock taken twice");
            st.lockHeld = true;
        } else if (id == HelperIds.SPIN_UNLOCK) {
            if (!st.lockHeld) throw a.reject(ErrorCode.LOCK_MISUSE, "spin unlock without a held lock");
            st.lockHeld = false;
        }
        if (releasing != null) {
            int ref = releasing.refId();
            if (!st.holds(ref)) throw a.reject(ErrorCode.INVALID_HELPER_ARGUMENT, spec.name() + ": record already released");
            st.release(ref);
            // copies of the released pointer are numbers from now on (privileged Linux); they reach nothing
            st.mapAll(r -> r.refId() == ref ? Reg.UNKNOWN : r);
        }
        if (callback >= 0) callback(s, st, spec, callback, map);
        for (int r = 1; r <= 5; r++) st.set(r, Reg.NOT_INIT);
        Reg ret = switch (proto.returns()) {
            case INTEGER -> Reg.UNKNOWN;
            case VOID -> Reg.NOT_INIT;
            case PTR_TO_MAP_VALUE_OR_NULL -> {
                if (map < 0) throw a.reject(ErrorCode.INVALID_HELPER_ARGUMENT, spec.name() + " returns a map value but takes no map");
                if (a.maps.get(map).type().ofMaps()) yield Reg.pointer(CONST_PTR_TO_MAP_OR_NULL, 0, a.innerMap(map), 0, 0).withId(a.freshId());
                yield Reg.pointer(PTR_TO_MAP_VALUE_OR_NULL, 0, map, 0, 0).withId(a.freshId());
            }
            case PTR_TO_ALLOC_MEM_OR_NULL -> {
                // Every state copy carries the held references: a loop that keeps reserving must end here, not at
                // the complexity limit after growing each copy by one reference per iteration.
                if (st.refs.length >= Analyzer.MAX_HELD_REFERENCES)
                    throw a.reject(ErrorCode.UNRELEASED_REFERENCE, "more than " + Analyzer.MAX_HELD_REFERENCES
                            + " references held at once (records reserved and not yet submitted or discarded)");
                int ref = a.freshId();
                st.acquire(ref);
                yield Reg.pointer(PTR_TO_MEM_OR_NULL, 0, -1, memSize, 0).withId(ref).withRefId(ref);
            }
        };
        st.set(0, ret);
        return s + 1;
    }

    /**
     * A kfunc call: Linux's open-coded number iterator. {@code bpf_iter_num_new} makes an 8-byte stack slot an
     * iterator holding a reference; {@code bpf_iter_num_next} on it goes on twice, with NULL (its range is used up)
     * and with a read-only pointer to the 4-byte value it hands out (the iterator's depth grows by one, which is what
     * ends a loop around it); {@code bpf_iter_num_destroy} releases it. No other instruction or helper may read or
     * write the slot, so nothing but these calls changes an iterator.
     */
    int kfunc(int s, State st, int id, Explorer.Checkpoint cp) {
        HelperSpec k = Kfuncs.get(id); // the control-flow checks refused unknown ids
        if (st.lockHeld) throw a.reject(ErrorCode.LOCK_MISUSE, "call to " + k.name() + " while holding a spin lock");
        Reg it = a.transfer.read(st, 1);
        if (it.type() != PTR_TO_STACK || !it.fixedOffset() || it.off() % 8 != 0 || it.off() < -State.STACK || it.off() > -8)
            throw argError(k, 1, it, "a pointer to an iterator (struct bpf_iter_num: 8 bytes of stack, 8-byte aligned)");
        for (int f = it.frame() + 1; f <= st.depth(); f++)
            if (st.frames[f].callback) throw a.reject(ErrorCode.INVALID_HELPER_ARGUMENT, k.name() + ": a callback may not use an iterator of its caller");
        a.facts.stackEscapes(st, it.frame());
        State.Frame fr = st.frames[it.frame()];
        int slot = (int) (it.off() + State.STACK) / 8;
        State.Iter iter = fr.iters[slot];
        String where = "fp" + it.off() + (it.frame() < st.depth() ? " of a caller's frame" : "");
        if (id == Kfuncs.ITER_NUM_NEW) {
            if (iter != null) throw a.reject(ErrorCode.INVALID_HELPER_ARGUMENT, k.name() + ": the iterator at " + where + " is open already; destroy it first");
            for (int r = 2; r <= 3; r++) {
                Reg bound = a.transfer.read(st, r);
                if (!bound.isScalar()) throw argError(k, r, bound, "a number (the range's " + (r == 2 ? "start" : "end") + ")");
            }
            if (st.refs.length >= Analyzer.MAX_HELD_REFERENCES)
                throw a.reject(ErrorCode.UNRELEASED_REFERENCE, "more than " + Analyzer.MAX_HELD_REFERENCES + " references held at once (open iterators, reserved records)");
            int ref = a.freshId();
            st.acquire(ref);
            MemoryChecks.scrub(fr, slot);
            fr.iters[slot] = new State.Iter(ref, 0, false);
            Arrays.fill(fr.kinds, slot * 8, slot * 8 + 8, State.ITER);
        } else if (iter == null) {
            throw a.reject(ErrorCode.INVALID_HELPER_ARGUMENT, k.name() + ": no open iterator at " + where + " (bpf_iter_num_new opens one)");
        }
        for (int r = 1; r <= 5; r++) st.set(r, Reg.NOT_INIT);
        switch (id) {
            case Kfuncs.ITER_NUM_NEW -> st.set(0, Reg.UNKNOWN); // 0, or a negative error number and an empty range
            case Kfuncs.ITER_NUM_NEXT -> {
                if (iter.drained()) {
                    st.set(0, Reg.constant(0));
                    break;
                }
                State drained = st.copy();
                drained.frames[it.frame()].iters[slot] = iter.drain();
                drained.set(0, Reg.constant(0));
                a.explorer.fork(s + 1, drained, cp);
                fr.iters[slot] = new State.Iter(iter.ref(), iter.depth() + 1, false);
                st.set(0, Reg.pointer(PTR_TO_RDONLY_BUF, 0, -1, 4, 0));
            }
            default -> { // destroy: the bytes are as never written again
                st.release(iter.ref());
                fr.iters[slot] = null;
                Arrays.fill(fr.kinds, slot * 8, slot * 8 + 8, State.INVALID);
                st.set(0, Reg.NOT_INIT);
            }
        }
        return s + 1;
    }

    /** The slots of a frame that hold open iterators, as "fp-8, fp-24", or null. */
    private static String openIterators(State.Frame f) {
        StringBuilder b = new StringBuilder();
        for (int slot = 0; slot < f.iters.length; slot++)
            if (f.iters[slot] != null) b.append(b.isEmpty() ? "" : ", ").append("fp").append(8 * slot - State.STACK);
        return b.isEmpty() ? null : b.toString();
    }

    private Analyzer.Reject argError(HelperSpec spec, int r, Reg v, String expected) {
        return a.reject(ErrorCode.INVALID_HELPER_ARGUMENT, spec.name() + ": r" + r + " must be " + expected + ", found " + v);
    }

    private int keySize(HelperSpec spec, int map, int r) {
        if (map < 0) throw a.reject(ErrorCode.INVALID_HELPER_ARGUMENT, spec.name() + ": key argument r" + r + " without a map argument");
        return a.maps.get(map).keySize();
    }

    private int valueSize(HelperSpec spec, int map, int r) {
        if (map < 0) throw a.reject(ErrorCode.INVALID_HELPER_ARGUMENT, spec.name() + ": value argument r" + r + " without a map argument");
        return a.maps.get(map).valueSize();
    }

    /**
     * Helpers that work on one kind of map only, and kinds of map that only their own helpers may touch (Linux's
     * check_map_func_compatibility).
     */
    private void checkMapHelper(HelperSpec spec, int r, int map) {
        MapType type = a.maps.get(map).type();
        int id = spec.id();
        Set<MapType> needs = switch (id) {
            case HelperIds.RINGBUF_OUTPUT, HelperIds.RINGBUF_RESERVE, HelperIds.RINGBUF_QUERY -> EnumSet.of(MapType.RINGBUF);
            case HelperIds.TAIL_CALL -> EnumSet.of(MapType.PROG_ARRAY);
            case HelperIds.PERF_EVENT_OUTPUT -> EnumSet.of(MapType.PERF_EVENT_ARRAY);
            case HelperIds.MAP_PUSH_ELEM, HelperIds.MAP_PEEK_ELEM -> EnumSet.of(MapType.QUEUE, MapType.STACK, MapType.BLOOM_FILTER);
            case HelperIds.MAP_POP_ELEM -> EnumSet.of(MapType.QUEUE, MapType.STACK);
            case HelperIds.MAP_LOOKUP_PERCPU_ELEM -> EnumSet.of(MapType.PERCPU_ARRAY, MapType.PERCPU_HASH, MapType.LRU_PERCPU_HASH);
            case GET_STACKID -> EnumSet.of(MapType.STACK_TRACE);
            case USER_RINGBUF_DRAIN -> EnumSet.of(MapType.USER_RINGBUF);
            case GET_LOCAL_STORAGE -> EnumSet.of(MapType.CGROUP_STORAGE, MapType.PERCPU_CGROUP_STORAGE);
            case SK_STORAGE_GET, SK_STORAGE_DELETE -> EnumSet.of(MapType.SK_STORAGE);
            default -> null;
        };
        boolean ok = needs != null ? needs.contains(type) : switch (type) {
            // these maps are reached only through their own helpers
            case RINGBUF, USER_RINGBUF, PROG_ARRAY, PERF_EVENT_ARRAY, STACK_TRACE, CGROUP_STORAGE, PERCPU_CGROUP_STORAGE, SK_STORAGE,
                 INODE_STORAGE, TASK_STORAGE, CGRP_STORAGE, QUEUE, STACK, BLOOM_FILTER, STRUCT_OPS, ARENA, CGROUP_ARRAY,
                 DEVMAP, DEVMAP_HASH, CPUMAP, XSKMAP, REUSEPORT_SOCKARRAY, SOCKMAP, SOCKHASH -> false;
            case ARRAY_OF_MAPS, HASH_OF_MAPS -> id == HelperIds.MAP_LOOKUP_ELEM;
            default -> true;
        };
        if (!ok)
            throw a.reject(ErrorCode.INVALID_HELPER_ARGUMENT, spec.name() + " cannot be used with " + type.name().toLowerCase(Locale.ROOT)
                    + " map " + a.maps.get(map).name() + " (r" + r + ")");
    }

    /** A helper reads (initialised) or writes {@code size} bytes at the pointer in register {@code r}. */
    private void checkMem(State st, HelperSpec spec, int r, Reg v, int size, boolean mustBeInit, boolean written) {
        if (size == 0) return;
        switch (v.type()) {
            case PTR_TO_STACK -> {
                State.Frame fr = st.frames[v.frame()];
                long lo = v.off() + v.var().smin(), hi = v.off() + v.var().smax() + size;
                if (v.var().smin() < -(1L << 31) || v.var().smax() > (1L << 31)) lo = Long.MIN_VALUE;
                if (lo < -State.STACK || hi > 0)
                    throw a.reject(ErrorCode.OUT_OF_BOUNDS, spec.name() + ": " + size + " bytes at r" + r + " (" + v + ") exceed the stack");
                int p0 = (int) lo + State.STACK, p1 = (int) hi + State.STACK;
                a.memory.requireNoIterator(fr, p0, p1, spec.name() + " (r" + r + ")");
                if (mustBeInit) {
                    for (int p = p0; p < p1; p++)
                        if (fr.kinds[p] == State.INVALID) {
                            if (a.readUnwrittenStack()) break;
                            throw a.reject(ErrorCode.UNINIT_STACK, spec.name() + ": r" + r + " points to " + size + " bytes of stack, byte fp"
                                    + (p - State.STACK) + " of which this path never wrote");
                        }
                }
                if (written) {
                    for (int s = p0 / 8; s <= (p1 - 1) / 8; s++) MemoryChecks.scrub(fr, s);
                    // a write at a fixed offset initialises exactly those bytes; at a variable one, none for certain
                    if (v.fixedOffset()) Arrays.fill(fr.kinds, p0, p1, State.MISC);
                    else for (int p = p0; p < p1; p++) if (fr.kinds[p] == State.ZERO) fr.kinds[p] = State.MISC;
                }
            }
            case PTR_TO_MAP_VALUE -> {
                MapSpec m = a.maps.get(v.map());
                if (written && m.readOnlyForPrograms()) throw a.reject(ErrorCode.READ_ONLY_WRITE, spec.name() + " would write read-only map " + m.name());
                a.memory.checkRange(v, 0, size, m.valueSize(), "map " + m.name() + " value");
            }
            case PTR_TO_MEM -> a.memory.checkRange(v, 0, size, v.size(), "memory of " + v.size() + " bytes");
            case PTR_TO_RDONLY_BUF -> {
                if (written) throw a.reject(ErrorCode.READ_ONLY_WRITE, spec.name() + " would write read-only memory through r" + r);
                a.memory.checkRange(v, 0, size, v.size(), "read-only memory of " + v.size() + " bytes");
            }
            case PTR_TO_PACKET -> {
                if (written && !a.ctx.packetWritable()) throw a.reject(ErrorCode.READ_ONLY_WRITE, spec.name() + " would write the context's read-only data through r" + r);
                long min = a.bufferProgram() ? a.minBufferLength(st, a.cfg.live[a.slot], true) : 0;
                boolean inRange = v.var().smin() >= 0 && v.off() >= 0 && (v.off() + size <= v.range()
                        || Long.compareUnsigned(v.var().umax(), 1L << 32) < 0 && v.var().umax() + v.off() + size <= min);
                if (!inRange) throw a.reject(ErrorCode.OUT_OF_BOUNDS, spec.name() + ": " + size + " bytes at r" + r + " (" + v + ") are not proven inside the packet");
            }
            case PTR_TO_CTX -> {
                if (!a.ctx.unstructured()) throw argError(spec, r, v, "memory (the context is not raw memory)");
                if (!v.fixedOffset() || v.off() < 0 || v.off() + size > a.ctx.size())
                    throw a.reject(ErrorCode.OUT_OF_BOUNDS, spec.name() + ": " + size + " bytes at r" + r + " exceed the context");
            }
            case PTR_TO_MAP_VALUE_OR_NULL, PTR_TO_MEM_OR_NULL -> throw a.reject(ErrorCode.NULL_DEREFERENCE, spec.name() + ": r" + r + " (" + v + ") may be NULL");
            default -> throw argError(spec, r, v, "a pointer to " + size + " bytes of memory");
        }
    }

    /**
     * A callback runs any number of times with its own frame. It is verified once from a state that stands for every
     * call: its arguments are what the helper's prototype says it passes (a loop index is any u32, a key or row is
     * read-only memory of the promised size), and what it can reach of the caller's stack is forgotten (spilled and
     * zero bytes become plain numbers), so whatever an earlier call wrote is covered; after the call the caller sees
     * the same forgotten stack.
     */
    private void callback(int s, State st, HelperSpec spec, int target, int map) {
        if (st.depth() + 1 >= Analyzer.MAX_FRAMES) throw a.reject(ErrorCode.CALL_DEPTH, "callback nested deeper than " + Analyzer.MAX_FRAMES + " frames");
        if (!a.cfg.entry[target]) throw a.reject(ErrorCode.INVALID_CALLBACK, "callback target " + target + " is not a function");
        List<ArgType> args = spec.prototype().args();
        int ctxIndex = args.indexOf(ArgType.PTR_TO_STACK_OR_NULL);
        Reg ctxArg = ctxIndex < 0 ? Reg.constant(0) : st.reg(ctxIndex + 1);
        if (!ctxArg.isInit()) ctxArg = Reg.constant(0);
        if (ctxArg.type() == PTR_TO_STACK) {
            State.Frame fr = st.frames[ctxArg.frame()];
            for (int i = 0; i < fr.spills.length; i++) MemoryChecks.scrub(fr, i);
            for (int p = 0; p < State.STACK; p++) if (fr.kinds[p] == State.ZERO) fr.kinds[p] = State.MISC;
        }
        State cb = st.copy();
        State.Frame f = new State.Frame(s, target, true);
        List<CallbackArg> passed = spec.prototype().callbackArgs();
        for (int i = 0; i < passed.size(); i++) {
            f.regs[i + 1] = switch (passed.get(i)) {
                case CallbackArg.Index x -> Reg.scalar(Scalar.unsigned(0, Scalar.U32));
                case CallbackArg.Scalar x -> Reg.UNKNOWN;
                case CallbackArg.Context x -> ctxArg;
                case CallbackArg.MapHandle x -> Reg.pointer(CONST_PTR_TO_MAP, 0, map, 0, 0);
                case CallbackArg.MapKey x -> Reg.pointer(PTR_TO_RDONLY_BUF, 0, -1, a.maps.get(map).keySize(), 0);
                case CallbackArg.MapValue x -> Reg.pointer(PTR_TO_MAP_VALUE, 0, map, 0, 0);
                case CallbackArg.ReadOnlyMemory m -> Reg.pointer(PTR_TO_RDONLY_BUF, 0, -1, m.bytes(), 0);
            };
        }
        f.regs[10] = Reg.pointer(PTR_TO_STACK, 0, -1, 0, cb.frames.length);
        State.Frame[] frames = Arrays.copyOf(cb.frames, cb.frames.length + 1);
        frames[frames.length - 1] = f;
        cb.frames = frames;
        // Walk the callback as its own path; it ends at its exit (see exit()).
        a.explorer.forkFresh(target, cb);
    }

    int local(int s, State st, int target) {
        if (st.depth() + 1 >= Analyzer.MAX_FRAMES) throw a.reject(ErrorCode.CALL_DEPTH, "calls nested deeper than " + Analyzer.MAX_FRAMES + " frames");
        for (State.Frame fr : st.frames) if (fr.entry == target) throw a.reject(ErrorCode.CALL_DEPTH, "recursive call to the function at " + target);
        if (st.lockHeld) throw a.reject(ErrorCode.LOCK_MISUSE, "function call while holding a spin lock");
        State.Frame f = new State.Frame(s, target, false);
        for (int r = 1; r <= 5; r++) {
            Reg v = st.reg(r);
            if (v.type() == PTR_TO_STACK) a.facts.stackEscapes(st, v.frame());
            f.regs[r] = v;
        }
        f.regs[10] = Reg.pointer(PTR_TO_STACK, 0, -1, 0, st.frames.length);
        State.Frame[] frames = Arrays.copyOf(st.frames, st.frames.length + 1);
        frames[frames.length - 1] = f;
        st.frames = frames;
        return target;
    }

    int exit(int s, State st) {
        Reg r0 = st.reg(0);
        State.Frame top = st.top();
        // A subprogram's r0 only has to be set when its caller reads it (clang leaves it unset in a function whose
        // result is unused): an unset r0 returns as unset, and a read of it in the caller is the error.
        if (!r0.isInit() && (st.frames.length == 1 || top.callback)) throw a.reject(ErrorCode.INVALID_RETURN, "r0 is not set at exit");
        int ownFrame = st.frames.length - 1;
        if (r0.type() == PTR_TO_STACK && r0.frame() == ownFrame && ownFrame > 0 && !top.callback)
            throw a.reject(ErrorCode.INVALID_RETURN, "returns a pointer into its own stack frame to its caller");
        a.facts.frameDepth(top.entry, top.depth());
        String open = openIterators(top);
        if (open != null)
            throw a.reject(ErrorCode.UNRELEASED_REFERENCE, (st.frames.length == 1 ? "the program ends" : top.callback ? "a callback returns" : "a function returns")
                    + " with the iterator at " + open + " open on this path (bpf_iter_num_destroy releases it)");
        if (st.frames.length == 1) {
            if (st.refs.length > 0) throw a.reject(ErrorCode.UNRELEASED_REFERENCE, st.refs.length + " reserved ring-buffer record(s) neither submitted nor discarded on this path");
            if (st.lockHeld) throw a.reject(ErrorCode.LOCK_MISUSE, "exit while holding a spin lock");
            if (!r0.isScalar() && !a.request.type().linux())
                throw a.reject(ErrorCode.INVALID_RETURN, "the program returns a pointer (" + r0 + "); programs of Bypass's own types return a "
                        + "number, the verdict their host reads (stricter than Linux, which lets privileged programs return pointers)");
            return -1;
        }
        if (top.callback) {
            if (!r0.isScalar()) throw a.reject(ErrorCode.INVALID_RETURN, "a callback must return a number, returns " + r0);
            a.explorer.needPrecise(st, 0);
            // 0 continues, 1 stops (bpf_loop, for_each_map_elem and the host's iterating helpers); Linux insists on that range
            if (Long.compareUnsigned(r0.var().umax(), 1) > 0)
                throw a.reject(ErrorCode.INVALID_RETURN, "a callback must return 0 (continue) or 1 (stop), returns " + r0);
            if (st.lockHeld) throw a.reject(ErrorCode.LOCK_MISUSE, "callback returns holding a spin lock");
            return -1; // the caller continued on its own path after the helper call
        }
        if (st.lockHeld) throw a.reject(ErrorCode.LOCK_MISUSE, "function returns holding a spin lock");
        st.frames = Arrays.copyOf(st.frames, st.frames.length - 1);
        for (int r = 1; r <= 5; r++) st.set(r, Reg.NOT_INIT);
        st.set(0, r0);
        return top.callSite + 1;
    }

    /**
     * Linux's rule for instructions that may end a subprogram early with r0 = 0 (legacy packet loads, tail calls):
     * a subprogram whose BTF declares it returns no number (void, a pointer) may not contain them.
     */
    void requireScalarReturn(int s, String what) {
        int fn = a.cfg.functionOf[s];
        if (fn == 0) return;
        dev.bypass.vm.elf.DeclaredFunction d = a.request.functions().apply(fn);
        if (d != null && !d.scalarReturn())
            throw a.reject(ErrorCode.INVALID_INSN, what + " in " + d.name() + ", which its BTF declares to return no number: Linux allows "
                    + what + "s only in functions that return 'int'");
    }
}
