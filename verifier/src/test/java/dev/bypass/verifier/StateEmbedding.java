package dev.bypass.verifier;

import dev.bypass.vm.exec.InstructionObserver;
import dev.bypass.vm.memory.Memory;
import dev.bypass.vm.memory.Pointers;
import dev.bypass.vm.facts.RegisterType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Soundness by state embedding ("Validating the eBPF Verifier via State Embedding", OSDI 2024): the verifier records
 * every abstract state it executed an instruction in; a run of the accepted program in the interpreter then checks,
 * before every instruction, that the concrete machine (the running frame's registers, every frame's stack bytes)
 * lies inside one of the abstract states recorded for that instruction. A path the verifier pruned is covered by the
 * state it was pruned against, which was recorded at the same instruction, so a concrete state following a wrongly
 * pruned path shows up outside every recorded state. Containment is checked component by component: types, known
 * bits and the four ranges of scalars, pointers' regions and offsets, NULL-ness, ids (registers linked by one id
 * hold values that differ by their offsets; pointers with one id come from one lookup, into one element), proven
 * packet ranges, the proof of a buffer index against the length, and the contents of stack bytes (spilled registers,
 * zeros).
 */
final class StateEmbedding implements Analyzer.Observer, InstructionObserver {
    /** What the run's pointers mean: where the buffer and context are, and each map's value region. */
    record World(long buffer, long bufferLength, long context, List<MapInfo> maps, Memory memory) {}

    /** A map of the run: the region of its values, their stride, and its handle. */
    record MapInfo(int region, int stride, long handle) {}

    private final Map<Integer, List<State>> visits = new HashMap<>();
    private final boolean scalars;
    /** Registers live before each instruction: dead ones are ignored, as the verifier ignores them when pruning. */
    private final int[] live;
    private World world;
    private String finding;
    private long steps;

    /** {@code scalars}: compare scalar values too (for analyses without precision tracking, where every one matters). */
    StateEmbedding(boolean scalars, dev.bypass.vm.isa.Program program) {
        this.scalars = scalars;
        this.live = Liveness.liveIn(program);
    }

    @Override public void visit(int slot, State state) { visits.computeIfAbsent(slot, k -> new ArrayList<>()).add(state.copy()); }

    /** Per instruction, the recorded state its last run lay in. */
    private final Map<Integer, Integer> lastHit = new HashMap<>();

    void world(World w) {
        world = w;
        finding = null;
        steps = 0;
    }

    /** The first concrete state found outside every recorded state, described; null when there was none. */
    String finding() { return finding; }

    long steps() { return steps; }

    @Override public void before(int slot, long[] registers, int depth) {
        steps++;
        if (finding != null) return;
        List<State> candidates = visits.get(slot);
        if (candidates == null) {
            finding = "instruction " + slot + " ran, but the verifier never reached it";
            return;
        }
        // from the state that held this instruction's last run on: a loop walked iteration by iteration records a
        // state per iteration there, and the next run lies in the next one
        int start = lastHit.getOrDefault(slot, 0), n = candidates.size();
        for (int k = 0; k < n; k++) {
            int i = (start + k) % n;
            if (contains(candidates.get(i), slot, registers, depth)) {
                if (i != start) lastHit.put(slot, i);
                return;
            }
        }
        StringBuilder b = new StringBuilder("at instruction ").append(slot).append(", depth ").append(depth).append(", registers");
        for (int r = 0; r <= 10; r++) b.append(" r").append(r).append("=0x").append(Long.toHexString(registers[r]));
        b.append(" lie in none of the ").append(candidates.size()).append(" recorded states:");
        for (int i = 0; i < Math.min(4, candidates.size()); i++) b.append("\n  ").append(Analyzer.regsText(candidates.get(i)))
                .append("  why: ").append(why(candidates.get(i), slot, registers, depth));
        finding = b.toString();
    }

    private String why(State s, int slot, long[] regs, int depth) {
        if (s.frames.length != depth + 1) return "frames " + s.frames.length + " vs depth " + depth;
        Links links = new Links();
        for (int r = 0; r <= 10; r++) if ((live[slot] & (1 << r)) != 0 && !reg(s.top().regs[r], regs[r], depth, links)) return "r" + r;
        for (int f = 0; f <= depth; f++) {
            String w = stack(s.frames[f], f, depth, links);
            if (w != null) return "frame " + f + " stack " + w;
        }
        return "links";
    }

    boolean contains(State s, int slot, long[] regs, int depth) {
        if (s.frames.length != depth + 1) return false;
        Links links = new Links();
        for (int r = 0; r <= 10; r++) if ((live[slot] & (1 << r)) != 0 && !reg(s.top().regs[r], regs[r], depth, links)) return false;
        for (int f = 0; f <= depth; f++) if (stack(s.frames[f], f, depth, links) != null) return false;
        return true;
    }

    /** Values seen per id, which must agree. */
    private static final class Links {
        final Map<Integer, Long> bases = new HashMap<>();

        boolean agree(int id, long base) {
            Long b = bases.putIfAbsent(id, base);
            return b == null || b == base;
        }
    }

    private long framePointer(int frame) { return Memory.framePointer(frame); }

    private boolean reg(Reg a, long v, int depth, Links links) {
        switch (a.type()) {
            case NOT_INIT -> { return true; }
            case SCALAR -> {
                if (!scalars) return true;
                if (!a.var().contains(v)) return false;
                if (a.id() != 0 && !links.agree(a.id(), v - a.off())) return false;
                if (a.lenSlack() > 0 && (Long.compareUnsigned(v, world.bufferLength()) > 0 || v + a.lenSlack() > world.bufferLength())) return false;
                return true;
            }
            case PTR_TO_STACK -> {
                if (a.frame() > depth) return false;
                return a.var().contains(v - framePointer(a.frame()) - a.off());
            }
            case PTR_TO_CTX -> { return a.var().contains(v - world.context() - a.off()); }
            case PTR_TO_PACKET -> {
                long x = v - world.buffer() - a.off();
                if (!a.var().contains(x)) return false;
                if (a.range() > 0 && x + a.range() > world.bufferLength()) return false;
                return a.id() == 0 || links.agree(a.id(), x);
            }
            case PTR_TO_PACKET_END -> { return v == world.buffer() + world.bufferLength() + a.off(); }
            case PTR_TO_MAP_VALUE -> { return mapValue(a, v, links); }
            case PTR_TO_MAP_VALUE_OR_NULL, PTR_TO_MEM_OR_NULL -> {
                if (v == 0) return a.id() == 0 || links.agree(a.id(), 0);
                if (a.id() != 0 && !links.agree(a.id(), v - a.off())) return false;
                return a.type() != RegisterType.PTR_TO_MAP_VALUE_OR_NULL || mapValue(a, v, new Links());
            }
            case CONST_PTR_TO_MAP -> { return a.map() >= world.maps().size() || v == world.maps().get(a.map()).handle(); }
            case CONST_PTR_TO_MAP_OR_NULL -> { return true; }
            case PTR_TO_MEM, PTR_TO_RDONLY_BUF -> { return v != 0 && (a.id() == 0 || links.agree(a.id(), v - a.off())); }
            case PTR_TO_FUNC -> { return v == Pointers.code((int) a.off()); }
        }
        return false;
    }

    private boolean mapValue(Reg a, long v, Links links) {
        if (a.map() >= world.maps().size()) return true;
        MapInfo m = world.maps().get(a.map());
        // tagged pointers: an offset below the value's start reaches into the region id below, so compute, not decode
        long inRegion = v - Pointers.make(m.region(), 0) - a.off();
        long start = Math.floorDiv(inRegion, m.stride()) * m.stride();
        for (int k = 0; k < 3; k++, start -= m.stride()) {
            // One id means one lookup: pointers derived from it may differ by their offsets but share the element.
            // A variable offset may span elements, so only a pointer at a known offset names its element.
            if (start >= 0 && start < (1L << 32) && a.var().contains(inRegion - start))
                return a.id() == 0 || !a.var().isConstant() || links.agree(a.id(), Pointers.make(m.region(), 0) + start);
        }
        return false;
    }

    /** Null when the stack bytes of frame {@code f} agree with the abstract frame, else where they do not. */
    private String stack(State.Frame fr, int f, int depth, Links links) {
        long[] words = world.memory().stackWords();
        long base = Pointers.offset(framePointer(f)) - State.STACK;
        for (int p = 0; p < State.STACK; p++) {
            byte k = fr.kinds[p];
            if (k == State.INVALID || k == State.MISC) continue;
            if (k == State.ZERO) {
                if (stackByte(words, base + p) != 0) return "fp" + (p - State.STACK) + " is not zero";
                continue;
            }
            if (p % 8 != 0) continue; // a spill is checked at its slot's start
            int slot = p / 8, size = fr.spillSize(slot);
            Reg spilled = fr.spills[slot];
            if (spilled == null || size == 0) continue;
            long v = 0;
            for (int i = size - 1; i >= 0; i--) v = (v << 8) | stackByte(words, base + p + i);
            if (size == 8) {
                if (!reg(spilled, v, depth, links)) return "spill at fp" + (p - State.STACK) + " (" + spilled + ") holds 0x" + Long.toHexString(v);
            } else if (scalars && spilled.isScalar() && !ScalarAlu.truncate(spilled.var(), size).contains(v)) {
                return size + "-byte spill at fp" + (p - State.STACK) + " (" + spilled + ") holds 0x" + Long.toHexString(v);
            }
        }
        return null;
    }

    private static int stackByte(long[] words, long at) { return (int) (words[(int) (at >>> 3)] >>> ((at & 7) * 8)) & 0xff; }
}
