package dev.bypass.verifier;

import dev.bypass.vm.helpers.Kfuncs;
import dev.bypass.vm.isa.Instruction;
import dev.bypass.vm.isa.Instruction.*;
import dev.bypass.vm.isa.Opcodes;
import dev.bypass.vm.isa.Program;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The control-flow checks made before any path is walked, and what the walk needs to know about the program's
 * shape: where functions start, which instructions are prune points (jump targets, the fall-through of conditional
 * jumps, the return sites of calls), which registers are live where ({@link Liveness}), and the natural loops of each
 * function (a back edge's target that dominates its source, and the instructions that reach the back edge without
 * passing the head), where the walk may widen instead of walking every iteration.
 */
final class Cfg {
    /** A control-flow error found before the walk. */
    record Error(ErrorCode code, int slot, String detail) {}

    final Program program;
    final int n;
    final boolean[] entry;
    final boolean[] prunePoint;
    final int[] live;
    /** Function entry of each slot (-1 for the second half of lddw). */
    final int[] functionOf;
    /** Loop body per natural loop head. */
    final Map<Integer, BitSet> loops = new HashMap<>();
    /** Heads of loops that are not natural (entered other than through their head): walked, never widened. */
    final BitSet irreducibleHeads = new BitSet();

    private Cfg(Program program) {
        this.program = program;
        this.n = program.slotCount();
        entry = new boolean[n + 1];
        prunePoint = new boolean[n + 1];
        functionOf = new int[n];
        live = Liveness.liveIn(program);
    }

    /** Builds the graph of a program; a structural error (empty, jump out of range, ...) is returned as {@code error}. */
    static Cfg of(Program program, Error[] error) {
        Cfg c = new Cfg(program);
        error[0] = c.check();
        if (error[0] == null) c.findLoops();
        return c;
    }

    boolean inLoop(int head, int slot) {
        BitSet body = loops.get(head);
        return body != null && slot >= 0 && body.get(slot);
    }

    boolean isLoopHead(int slot) { return loops.containsKey(slot) || irreducibleHeads.get(slot); }

    /** Slots with an edge to {@code s} within its function. */
    List<Integer> predecessors(int s) {
        if (preds == null) {
            preds = new ArrayList<>();
            for (int i = 0; i < n; i++) preds.add(new ArrayList<>());
            for (int i = 0; i < n; i++) {
                if (program.at(i) == null) continue;
                for (int t : successors(i)) if (t < n && functionOf[t] == functionOf[i]) preds.get(t).add(i);
            }
        }
        return preds.get(s);
    }

    private List<List<Integer>> preds;

    /** Successor slots of {@code s} within its function (a local call falls through to its return site). */
    int[] successors(int s) {
        Instruction insn = program.at(s);
        return switch (insn) {
            case Jump j -> new int[] {s + 1, s + 1 + j.offset()};
            case Goto g -> new int[] {s + 1 + g.offset()};
            case MayGoto m -> new int[] {s + 1, s + 1 + m.offset()};
            case Exit e -> new int[0];
            case LoadImm64 l -> new int[] {s + 2};
            default -> new int[] {s + 1};
        };
    }

    /** Whether slot {@code s} calls {@code bpf_iter_num_next}. */
    boolean iteratorNext(int s) {
        return program.at(s) instanceof Call c && c.kind() == CallKind.KFUNC && c.imm() == Kfuncs.ITER_NUM_NEXT;
    }

    private Error check() {
        if (n == 0) return new Error(ErrorCode.FALL_THROUGH_END, 0, "empty program");
        boolean[] secondHalf = new boolean[n];
        for (int s = 0; s < n; s++) if (program.at(s) instanceof LoadImm64) secondHalf[s + 1] = true;
        entry[0] = true;
        for (int s = 0; s < n; s++) {
            Instruction insn = program.at(s);
            if (insn == null) continue;
            boolean hasTarget = insn instanceof Jump || insn instanceof Goto || insn instanceof MayGoto
                    || insn instanceof Call c0 && c0.kind() == CallKind.LOCAL
                    || insn instanceof LoadImm64 l0 && l0.pseudo() == Opcodes.PSEUDO_FUNC;
            if (insn instanceof Call c && c.kind() == CallKind.KFUNC && Kfuncs.get(c.imm()) == null)
                return new Error(ErrorCode.INVALID_INSN, s, "call to kernel function (kfunc) id " + c.imm() + ", which this runtime does not provide"
                        + " (it provides " + String.join(", ", Kfuncs.names()) + ")");
            // an iterator's next, like a may_goto, tells by its states whether a loop around it takes values
            if (iteratorNext(s)) prunePoint[s] = true;
            if (!hasTarget) continue;
            int target = switch (insn) {
                case Jump j -> s + 1 + j.offset();
                case Goto g -> s + 1 + g.offset();
                case MayGoto m -> s + 1 + m.offset();
                case Call c -> s + 1 + c.imm();
                case LoadImm64 l -> s + 1 + l.imm();
                default -> throw new IllegalStateException();
            };
            if (target < 0 || target >= n) return new Error(ErrorCode.JUMP_OUT_OF_RANGE, s, "target " + target + " is outside the program (0.." + (n - 1) + ")");
            if (secondHalf[target]) return new Error(ErrorCode.JUMP_INTO_LDDW, s, "target " + target + " is the second half of an lddw");
            if (insn instanceof Call || insn instanceof LoadImm64) {
                entry[target] = true;
                prunePoint[s + (insn instanceof LoadImm64 ? 2 : 1)] = true;
            } else {
                prunePoint[target] = true;
                if (insn instanceof Jump) prunePoint[s + 1] = true;
                // a may_goto's own states tell a loop that spends the loop budget from one that does not
                if (insn instanceof MayGoto) prunePoint[s] = prunePoint[s + 1] = true;
            }
        }
        int fn = 0;
        for (int s = 0; s < n; s++) {
            if (entry[s]) fn = s;
            functionOf[s] = secondHalf[s] ? -1 : fn;
        }
        // Jumps stay inside their function, and no function runs on into the next one or off the end.
        for (int s = 0; s < n; s++) {
            Instruction insn = program.at(s);
            if (insn == null || insn instanceof Exit) continue;
            int fallThrough = s + insn.slots();
            for (int t : successors(s)) {
                boolean falls = t == fallThrough && !(insn instanceof Goto);
                if (t >= n) return new Error(ErrorCode.FALL_THROUGH_END, s, "execution continues past the last instruction");
                if (falls && entry[t])
                    return new Error(ErrorCode.FALL_THROUGH_END, s, "the function at " + functionOf[s] + " runs on into the function at " + t);
                if (!falls && functionOf[t] != functionOf[s])
                    return new Error(ErrorCode.JUMP_OUT_OF_RANGE, s, "jump from the function at " + functionOf[s] + " into the function at " + functionOf[t]);
            }
        }
        // Every instruction is reachable along some edge (Linux's "unreachable insn").
        boolean[] seen = new boolean[n];
        ArrayDeque<Integer> todo = new ArrayDeque<>();
        for (int s = 0; s < n; s++) if (entry[s]) todo.push(s);
        while (!todo.isEmpty()) {
            int s = todo.pop();
            if (s >= n || seen[s]) continue;
            seen[s] = true;
            for (int t : successors(s)) todo.push(t);
        }
        for (int s = 0; s < n; s++)
            if (!seen[s] && program.at(s) != null) return new Error(ErrorCode.UNREACHABLE_INSN, s, "no path reaches this instruction");
        return null;
    }

    /** Natural loops of every function: dominators, back edges, bodies. */
    private void findLoops() {
        for (int f = 0; f < n; f++) {
            if (!entry[f]) continue;
            List<Integer> nodes = new ArrayList<>();
            for (int s = f; s < n && (s == f || !entry[s]); s++) if (functionOf[s] == f) nodes.add(s);
            loopsOf(f, nodes);
        }
    }

    private void loopsOf(int entrySlot, List<Integer> nodes) {
        // reverse post-order from the entry
        Map<Integer, Integer> index = new HashMap<>();
        List<Integer> order = new ArrayList<>();
        BitSet visited = new BitSet(), onStack = new BitSet();
        List<int[]> retreating = new ArrayList<>();
        ArrayDeque<int[]> stack = new ArrayDeque<>();
        stack.push(new int[] {entrySlot, 0});
        visited.set(entrySlot);
        onStack.set(entrySlot);
        while (!stack.isEmpty()) {
            int[] top = stack.peek();
            int[] succ = successors(top[0]);
            if (top[1] < succ.length) {
                int t = succ[top[1]++];
                if (t >= n || functionOf[t] != entrySlot) continue;
                if (onStack.get(t)) retreating.add(new int[] {top[0], t});
                else if (!visited.get(t)) {
                    visited.set(t);
                    onStack.set(t);
                    stack.push(new int[] {t, 0});
                }
            } else {
                stack.pop();
                onStack.clear(top[0]);
                order.add(top[0]);
            }
        }
        java.util.Collections.reverse(order);
        for (int i = 0; i < order.size(); i++) index.put(order.get(i), i);
        // predecessors
        Map<Integer, List<Integer>> preds = new HashMap<>();
        for (int s : order) for (int t : successors(s)) if (index.containsKey(t)) preds.computeIfAbsent(t, k -> new ArrayList<>()).add(s);
        // dominators (Cooper, Harvey, Kennedy)
        int[] idom = new int[order.size()];
        Arrays.fill(idom, -1);
        idom[0] = 0;
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = 1; i < order.size(); i++) {
                int newIdom = -1;
                for (int p : preds.getOrDefault(order.get(i), List.of())) {
                    int pi = index.get(p);
                    if (idom[pi] < 0) continue;
                    newIdom = newIdom < 0 ? pi : intersect(idom, pi, newIdom);
                }
                if (newIdom != idom[i]) {
                    idom[i] = newIdom;
                    changed = true;
                }
            }
        }
        for (int[] e : retreating) {
            int u = e[0], h = e[1];
            if (!dominates(idom, index.get(h), index.get(u))) {
                irreducibleHeads.set(h);
                continue;
            }
            BitSet body = loops.computeIfAbsent(h, k -> new BitSet());
            body.set(h);
            ArrayDeque<Integer> work = new ArrayDeque<>();
            if (!body.get(u)) { body.set(u); work.push(u); }
            while (!work.isEmpty()) {
                int x = work.pop();
                for (int p : preds.getOrDefault(x, List.of())) if (!body.get(p)) { body.set(p); work.push(p); }
            }
        }
        // a loop whose body another loop's head enters from outside is not natural either
        for (Map.Entry<Integer, BitSet> l : loops.entrySet())
            for (int s = l.getValue().nextSetBit(0); s >= 0; s = l.getValue().nextSetBit(s + 1))
                if (s != l.getKey()) for (int p : preds.getOrDefault(s, List.of())) if (!l.getValue().get(p)) irreducibleHeads.set(l.getKey());
        for (int h = irreducibleHeads.nextSetBit(0); h >= 0; h = irreducibleHeads.nextSetBit(h + 1)) loops.remove(h);
    }

    private static int intersect(int[] idom, int a, int b) {
        while (a != b) {
            while (a > b) a = idom[a];
            while (b > a) b = idom[b];
        }
        return a;
    }

    private static boolean dominates(int[] idom, int d, int x) {
        while (true) {
            if (x == d) return true;
            if (x == 0 || idom[x] == x || idom[x] < 0) return false;
            x = idom[x];
        }
    }
}
