package dev.bypass.txnstore;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An Elle-style checker for list-append histories. Each key holds a list; transactions append unique values and
 * read whole lists. Because every committed read is a prefix of the key's final list, reads reveal the version
 * order, from which it builds the dependency graph: ww (a value's writer precedes the writer of the next value),
 * wr (the writer of a read's last value precedes the reader) and rw (a reader precedes the writer of the value
 * that follows what it read). Cycles are classified by their edges, after Adya: only ww — G0; ww and wr — G1c;
 * exactly one rw — G-single; more — G2. It also reports G1a (reading an aborted append), G1b (reading a
 * transaction's intermediate state) and incompatible orders (two reads that are not prefixes of one list).
 */
public final class ListAppendChecker {
    public enum OpType { APPEND, READ }

    public record Op(OpType type, int key, int value, List<Integer> read) {
        public static Op append(int key, int value) { return new Op(OpType.APPEND, key, value, null); }

        public static Op read(int key, List<Integer> result) { return new Op(OpType.READ, key, 0, List.copyOf(result)); }
    }

    public record Txn(int id, boolean committed, List<Op> ops) {}

    public record Result(Map<String, Integer> anomalies, List<String> examples, int edges) {
        public boolean has(String a) { return anomalies.getOrDefault(a, 0) > 0; }

        public Set<String> kinds() { return anomalies.keySet(); }
    }

    private static final int WW = 0, WR = 1, RW = 2;

    public static Result check(List<Txn> history) {
        Map<String, Integer> found = new TreeMap<>();
        List<String> examples = new ArrayList<>();
        List<Txn> committed = history.stream().filter(Txn::committed).toList();
        Map<Integer, Integer> index = new HashMap<>();
        for (int i = 0; i < committed.size(); i++) index.put(committed.get(i).id(), i);
        // (key, value) -> writer, and aborted appends
        Map<Long, Integer> writer = new HashMap<>();
        Set<Long> aborted = new HashSet<>();
        Map<Long, Integer> positionInWriter = new HashMap<>();
        Map<Integer, Map<Integer, Integer>> lastAppendPos = new HashMap<>();
        for (Txn t : history)
            for (int p = 0; p < t.ops().size(); p++) {
                Op o = t.ops().get(p);
                if (o.type() != OpType.APPEND) continue;
                long kv = kv(o.key(), o.value());
                if (t.committed()) {
                    writer.put(kv, index.get(t.id()));
                    positionInWriter.put(kv, p);
                    lastAppendPos.computeIfAbsent(index.get(t.id()), x -> new HashMap<>()).merge(o.key(), p, Math::max);
                } else aborted.add(kv);
            }
        // version order per key: the longest read; every other read must be its prefix
        Map<Integer, List<Integer>> order = new HashMap<>();
        for (Txn t : committed)
            for (Op o : t.ops())
                if (o.type() == OpType.READ) {
                    List<Integer> cur = order.get(o.key());
                    if (cur == null || o.read().size() > cur.size()) order.put(o.key(), o.read());
                }
        for (Txn t : committed)
            for (Op o : t.ops())
                if (o.type() == OpType.READ) {
                    List<Integer> full = order.get(o.key());
                    if (!full.subList(0, o.read().size()).equals(o.read())) note(found, examples, "incompatible-order", "key " + o.key() + ": " + o.read() + " vs " + full);
                }
        int n = committed.size();
        List<List<int[]>> adj = new ArrayList<>();
        for (int i = 0; i < n; i++) adj.add(new ArrayList<>());
        int edges = 0;
        for (var e : order.entrySet()) {
            List<Integer> vs = e.getValue();
            for (int i = 0; i + 1 < vs.size(); i++) {
                Integer a = writer.get(kv(e.getKey(), vs.get(i))), b = writer.get(kv(e.getKey(), vs.get(i + 1)));
                if (a != null && b != null && !a.equals(b)) { adj.get(a).add(new int[] {b, WW}); edges++; }
            }
        }
        for (int ti = 0; ti < n; ti++) {
            Txn t = committed.get(ti);
            for (int p = 0; p < t.ops().size(); p++) {
                Op o = t.ops().get(p);
                if (o.type() != OpType.READ) continue;
                for (int v : o.read()) {
                    long kv = kv(o.key(), v);
                    if (aborted.contains(kv)) note(found, examples, "G1a", "txn " + t.id() + " read aborted value " + v + " of key " + o.key());
                    else if (!writer.containsKey(kv)) note(found, examples, "garbage-read", "txn " + t.id() + " read unknown value " + v);
                }
                if (!o.read().isEmpty()) {
                    int last = o.read().getLast();
                    Integer w = writer.get(kv(o.key(), last));
                    if (w != null && w != ti) {
                        adj.get(w).add(new int[] {ti, WR});
                        edges++;
                        int pos = positionInWriter.get(kv(o.key(), last));
                        if (pos < lastAppendPos.get(w).get(o.key()))
                            note(found, examples, "G1b", "txn " + t.id() + " read an intermediate value " + last + " of key " + o.key());
                    }
                }
                List<Integer> full = order.get(o.key());
                if (o.read().size() < full.size()) {
                    Integer w = writer.get(kv(o.key(), full.get(o.read().size())));
                    if (w != null && w != ti) { adj.get(ti).add(new int[] {w, RW}); edges++; }
                }
            }
        }
        classifyCycles(adj, committed, found, examples);
        return new Result(found, examples, edges);
    }

    private static void classifyCycles(List<List<int[]>> adj, List<Txn> txns, Map<String, Integer> found, List<String> examples) {
        int n = adj.size();
        int[] comp = scc(adj, Set.of(WW, WR, RW));
        // only nodes in non-trivial components can be on a cycle
        Map<Integer, Integer> size = new HashMap<>();
        for (int c : comp) size.merge(c, 1, Integer::sum);
        int[] compWw = scc(adj, Set.of(WW));
        int[] compWwWr = scc(adj, Set.of(WW, WR));
        Map<Integer, Integer> sWw = new HashMap<>(), sWwWr = new HashMap<>();
        for (int c : compWw) sWw.merge(c, 1, Integer::sum);
        for (int c : compWwWr) sWwWr.merge(c, 1, Integer::sum);
        Set<Integer> seenG0 = new HashSet<>(), seenG1c = new HashSet<>();
        for (int i = 0; i < n; i++) {
            if (sWw.get(compWw[i]) > 1 && seenG0.add(compWw[i])) note(found, examples, "G0", "ww cycle through txn " + txns.get(i).id());
            else if (sWw.get(compWw[i]) == 1 && sWwWr.get(compWwWr[i]) > 1 && seenG1c.add(compWwWr[i]))
                note(found, examples, "G1c", "ww/wr cycle through txn " + txns.get(i).id());
        }
        // cycles with rw edges: for each rw edge a->b inside one component, is there a path back from b to a,
        // first using ww/wr only (G-single), else any edges (G2)?
        for (int a = 0; a < n; a++) {
            if (size.get(comp[a]) < 2) continue;
            for (int[] e : adj.get(a)) {
                if (e[1] != RW || comp[e[0]] != comp[a]) continue;
                int b = e[0];
                if (reaches(adj, comp, b, a, Set.of(WW, WR))) note(found, examples, "G-single", "rw " + txns.get(a).id() + " -> " + txns.get(b).id() + " closed by ww/wr");
                else note(found, examples, "G2", "rw " + txns.get(a).id() + " -> " + txns.get(b).id() + " closed through another rw");
            }
        }
    }

    private static boolean reaches(List<List<int[]>> adj, int[] comp, int from, int to, Set<Integer> kinds) {
        BitSet seen = new BitSet();
        ArrayDeque<Integer> q = new ArrayDeque<>();
        q.add(from);
        seen.set(from);
        while (!q.isEmpty()) {
            int x = q.poll();
            if (x == to) return true;
            for (int[] e : adj.get(x))
                if (kinds.contains(e[1]) && comp[e[0]] == comp[to] && !seen.get(e[0])) {
                    seen.set(e[0]);
                    q.add(e[0]);
                }
        }
        return false;
    }

    /** Tarjan's strongly connected components over the edges of the given kinds (iterative). */
    private static int[] scc(List<List<int[]>> adj, Set<Integer> kinds) {
        int n = adj.size();
        int[] idx = new int[n], low = new int[n], comp = new int[n], it = new int[n];
        java.util.Arrays.fill(idx, -1);
        boolean[] on = new boolean[n];
        ArrayDeque<Integer> stack = new ArrayDeque<>(), call = new ArrayDeque<>();
        int counter = 0, comps = 0;
        for (int s = 0; s < n; s++) {
            if (idx[s] >= 0) continue;
            call.push(s);
            idx[s] = low[s] = counter++;
            stack.push(s);
            on[s] = true;
            while (!call.isEmpty()) {
                int v = call.peek();
                List<int[]> es = adj.get(v);
                if (it[v] < es.size()) {
                    int[] e = es.get(it[v]++);
                    if (!kinds.contains(e[1])) continue;
                    int w = e[0];
                    if (idx[w] < 0) {
                        idx[w] = low[w] = counter++;
                        stack.push(w);
                        on[w] = true;
                        call.push(w);
                    } else if (on[w]) low[v] = Math.min(low[v], idx[w]);
                } else {
                    call.pop();
                    if (!call.isEmpty()) low[call.peek()] = Math.min(low[call.peek()], low[v]);
                    if (low[v] == idx[v]) {
                        int w;
                        do {
                            w = stack.pop();
                            on[w] = false;
                            comp[w] = comps;
                        } while (w != v);
                        comps++;
                    }
                }
            }
        }
        return comp;
    }

    private static void note(Map<String, Integer> found, List<String> examples, String kind, String example) {
        if (found.merge(kind, 1, Integer::sum) <= 3) examples.add(kind + ": " + example);
    }

    private static long kv(int key, int value) { return ((long) key << 32) | (value & 0xffffffffL); }
}
