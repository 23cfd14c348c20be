package dev.bypass.verifier;

import dev.bypass.vm.asm.Disassembler;
import dev.bypass.vm.facts.RegisterType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The work list: every path of the program walked depth first, one abstract {@link State} per path, forking at
 * conditional jumps whose outcome the state does not decide.
 *
 * <p>Pruning: at prune points the walk keeps checkpoints. A path arriving in a state contained in a fully explored
 * checkpoint stops (nothing new can happen from there); a path arriving in exactly the state of a checkpoint it
 * descends from is an infinite loop.
 *
 * <p>Loops: a loop is first walked iteration by iteration, as Linux does. When a natural loop's head is reached for
 * the {@code wideningAfter}-th time since the loop was entered, the walk widens instead (PREVAIL's approach): the
 * last two iterations' states at the head become one state W covering both with bounds widened to the program's
 * constants, narrowed by the conditions of the edges into the head, and one round walks everything from W. Paths
 * coming back to the head must arrive inside W, or W is widened by what arrived and the round starts again; paths
 * leaving the loop go on as usual (their work is redone if the round is). Once a round is stable, W is an invariant
 * of the loop, and the loop ends when, on every way around it, one register (or spilled slot) moves by a constant
 * step in one direction while the state at the back edge bounds it short of wrapping around (a ranking function).
 * A loop whose round fails (an error on a path from W, no ranking function, no stable W in a few rounds) is walked
 * iteration by iteration after all, so widening never rejects what iteration would accept.
 */
final class Explorer {
    private static final int MAX_CHECKPOINTS_PER_SLOT = 64;
    /**
     * Checkpoints open (on the current path, not yet finished) per instruction: beyond this, a long walk around a loop
     * goes on without new checkpoints there (it prunes less, and an endless loop ends at the complexity limit).
     */
    private static final int MAX_OPEN_CHECKPOINTS_PER_SLOT = 4096;
    /**
     * Checkpoints at loop counters ({@code may_goto}, an iterator's next) a path compares itself with when it comes
     * back to one (the nearest ones of its call): a loop whose state converges meets its previous iterations there;
     * more would make every iteration of a loop that does not converge cost as much as all iterations before it.
     */
    private static final int MAX_COUNTER_ANCESTORS = 32;
    private static final int MAX_ROUNDS = 24;
    /** Rounds that widen to the program's constants; later ones widen to the ends of the ranges. */
    private static final int THRESHOLD_ROUNDS = 12;

    /** Validity of the checkpoints made in one loop round: a round that is abandoned takes its checkpoints with it. */
    static final class Token {
        final Token parent;
        boolean valid = true;

        Token(Token parent) { this.parent = parent; }

        boolean alive() {
            for (Token t = this; t != null; t = t.parent) if (!t.valid) return false;
            return true;
        }

        boolean descendsFrom(Token ancestor) {
            for (Token t = this; t != null; t = t.parent) if (t == ancestor) return true;
            return false;
        }
    }

    static final class Checkpoint {
        final int slot;
        final State state;
        final Checkpoint parent;
        final int fingerprint;
        final Token token;
        /** The instructions from the parent's slot up to this one (see {@link Precision}). */
        final long[] path;
        /** For the entries of {@code path} that narrowed linked scalars: the locations narrowed. */
        final java.util.Map<Integer, Precision.Need> pathLinked;
        int branches = 1;
        /** Precise registers and stack slots, per frame; with {@code allPrecise}, every scalar is. */
        final long[] preciseRegs = new long[Analyzer.MAX_FRAMES], preciseSlots = new long[Analyzer.MAX_FRAMES];
        boolean allPrecise;
        /** Paths this checkpoint pruned (kept ones that prune more when the list is full). */
        int hits;

        /** Frame depth at this checkpoint. */
        final int depth;
        /**
         * Whether this checkpoint holds a state at a loop counter: a {@code may_goto} or an iterator's next
         * ({@link Explorer#countedLoopSeen}).
         */
        boolean atLoopCounter;
        /** The nearest checkpoint above this one in the same call that is {@link #atLoopCounter}. */
        final Checkpoint counterAbove;

        /**
         * A checkpoint; {@code state} null makes it a mark on the path only (beyond the open-checkpoint limit): it keeps
         * the path's history in short segments for precision tracking, and is never pruned against.
         */
        Checkpoint(int slot, State state, int depth, Checkpoint parent, int fingerprint, Token token, long[] path, java.util.Map<Integer, Precision.Need> pathLinked) {
            this.slot = slot;
            this.state = state;
            this.depth = depth;
            this.parent = parent;
            this.fingerprint = fingerprint;
            this.token = token;
            this.path = path;
            this.pathLinked = pathLinked;
            this.counterAbove = counterAbove(parent, depth);
        }

        /** The nearest {@link #atLoopCounter} checkpoint from {@code from} up in the call at {@code depth}. */
        private static Checkpoint counterAbove(Checkpoint from, int depth) {
            Checkpoint x = from;
            while (x != null && x.depth > depth) x = x.parent; // back from a call: skip the callee's checkpoints
            if (x == null || x.depth < depth) return null; // the first checkpoint of a call
            return x.atLoopCounter ? x : x.counterAbove;
        }

        boolean preciseReg(int frame, int r) { return (preciseRegs[frame] & (1L << r)) != 0; }

        boolean preciseSlot(int frame, int s) { return (preciseSlots[frame] & (1L << s)) != 0; }

        /** Marks what {@code need} asks for; removes from it what was marked already; false when nothing is left. */
        boolean markNew(Precision.Need need) {
            boolean any = false;
            for (int i = 0; i < Analyzer.MAX_FRAMES; i++) {
                need.regs[i] &= ~preciseRegs[i];
                need.slots[i] &= ~preciseSlots[i];
                preciseRegs[i] |= need.regs[i];
                preciseSlots[i] |= need.slots[i];
                any |= need.regs[i] != 0 || need.slots[i] != 0;
            }
            return any;
        }
    }

    record Work(int slot, State state, Checkpoint checkpoint, Precision.History history) {}

    /** A path came back to the head of a round's loop outside W. */
    private static final class Unstable extends RuntimeException {
        final Round round;
        final State state;

        Unstable(Round round, State state) {
            super(null, null, false, false);
            this.round = round;
            this.state = state;
        }
    }

    /** One round of widening a loop: its head, frame, invariant candidate W, and what the round found. */
    private static final class Round {
        final int head, depth;
        final BitSet body;
        final State w;
        final Token token;
        final List<Checkpoint> made = new ArrayList<>();
        /** Ranking candidates common to every back edge so far ("r3:+u" ...), null before the first back edge. */
        java.util.Set<String> ranking;

        Round(int head, int depth, BitSet body, State w, Token token) {
            this.head = head;
            this.depth = depth;
            this.body = body;
            this.w = w;
            this.token = token;
        }
    }

    private final Analyzer a;
    private final Cfg cfg;
    private final Precision precision;
    /** The path being walked: its checkpoint and the instructions since. */
    private Checkpoint cp;
    private Precision.History hist;
    private final int n;
    private final List<List<Checkpoint>> complete;
    private final List<Map<Integer, List<Checkpoint>>> open;
    private final int[] openCount;
    private ArrayDeque<Work> stack = new ArrayDeque<>();
    /** Loops being widened, outermost first; a path is inside the first {@link State#inRounds} of them. */
    private final List<Round> rounds = new ArrayList<>();
    private Token token;
    long processed;

    Explorer(Analyzer a) {
        this.a = a;
        this.cfg = a.cfg;
        this.n = cfg.n;
        complete = new ArrayList<>(n);
        open = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            complete.add(null);
            open.add(null);
        }
        openCount = new int[n];
        precision = new Precision(cfg.program);
    }

    void run(State initial) {
        stack.push(new Work(0, initial, null, new Precision.History()));
        drain();
    }

    private void drain() {
        while (!stack.isEmpty()) {
            Work w = stack.pop();
            walk(w.slot(), w.state(), w.checkpoint(), w.history(), false);
        }
    }

    /** Forks the walk: the other state continues later from {@code target}. */
    void fork(int target, State other, Checkpoint cp) {
        if (cp != null) cp.branches++;
        stack.push(new Work(target, other, cp, new Precision.History(hist)));
    }

    /** A new path of its own (a callback's body): no checkpoint above it, no history. */
    void forkFresh(int target, State other) { stack.push(new Work(target, other, null, new Precision.History())); }

    private void walk(int s, State st, Checkpoint start, Precision.History history, boolean roundRoot) {
        a.current = st;
        cp = start;
        hist = history;
        while (true) {
            a.slot = s;
            if (st.inRounds > 0 && !roundRoot) {
                while (st.inRounds > 0 && left(rounds.get(st.inRounds - 1), s, st)) st.inRounds--;
                Round r = st.inRounds > 0 ? rounds.get(st.inRounds - 1) : null;
                if (r != null && s == r.head && st.depth() == r.depth) {
                    backEdge(r, st);
                    finish(cp);
                    return;
                }
            }
            if (++processed > Analyzer.COMPLEXITY_LIMIT)
                throw a.reject(ErrorCode.TOO_COMPLEX, s, "program is too complex: more than " + Analyzer.COMPLEXITY_LIMIT
                        + " instructions processed (a loop whose bound the verifier cannot see ends here)");
            if (cfg.prunePoint[s] && !roundRoot) {
                st.leaveLoops(s, cfg);
                if (prune(s, st, cp)) return;
                if (cfg.program.at(s) instanceof dev.bypass.vm.isa.Instruction.MayGoto
                        && countedLoopSeen(s, st, cp, "may_goto loop: state seen with more loop budget", (x, y) -> x.top().mayGotoPasses != y.top().mayGotoPasses)) return;
                if (cfg.iteratorNext(s) && countedLoopSeen(s, st, cp, "iterator loop: state seen with fewer values taken", Explorer::iteratorAdvanced)) return;
                int fp = fingerprint(st);
                if (cfg.isLoopHead(s)) {
                    loopCheck(s, st, cp, fp);
                    int count = st.arriveAtLoopHead(s);
                    if (count > a.options.wideningAfter() && widenable(s)) {
                        Checkpoint previous = ancestorAt(cp, s, st.depth());
                        if (previous != null && widen(s, previous, st, cp, hist)) return;
                        a.current = st;
                    }
                }
                cp = checkpoint(s, st, cp, fp);
            }
            roundRoot = false;
            hist.add(Precision.entry(s, st.depth()));
            if (a.options.observer() != null) a.options.observer().visit(s, st);
            a.facts.visit(s, st);
            if (a.log != null) a.log.append(s).append(": ").append(Disassembler.format(cfg.program.at(s))).append("  ").append(Analyzer.regsText(st)).append('\n');
            int next = a.transfer.step(s, st, cp);
            if (next < 0) {
                finish(cp);
                return;
            }
            s = next;
        }
    }

    private boolean widenable(int head) {
        return a.options.widening() && cfg.loops.containsKey(head) && !a.noWidening.get(head);
    }

    // ---------------------------------------------------------------- pruning

    private boolean prune(int s, State st, Checkpoint cp) {
        List<Checkpoint> done = complete.get(s);
        if (done == null) return false;
        // Inside a loop being widened, every way around must come back to the head to be seen (a checkpoint walked
        // before the round went around the loop without telling the round what ranks it)
        Token round = st.inRounds > 0 ? rounds.get(st.inRounds - 1).token : null;
        for (Checkpoint c : done) {
            if (c.token != null && !c.token.alive()) continue;
            if (round != null && (c.token == null || !c.token.descendsFrom(round))) continue;
            if (st.within(c.state, cfg.live[s], a.options.precision() ? c : null, a.unwrittenStackReadable) && st.sameIteratorDepths(c.state)) {
                c.hits++;
                if (a.log != null) a.log.append(s).append(": pruned (state seen)\n");
                if (a.options.observer() != null) a.options.observer().pruned(s, st, c.state);
                inheritPrecision(st, c, s);
                finish(cp);
                return true;
            }
        }
        return false;
    }

    /**
     * A path pruned against {@code c} is covered by c's exploration, whose decisions relied on c's precise scalars:
     * the same locations of this path must be precise in its own checkpoints.
     */
    private void inheritPrecision(State st, Checkpoint c, int s) {
        if (cp == null) return;
        if (c.allPrecise) {
            Precision.giveUp(cp);
            return;
        }
        Precision.Need need = new Precision.Need();
        int live = cfg.live[s];
        for (int i = 0; i < st.frames.length; i++) {
            for (int r = 0; r < 11; r++)
                if (c.preciseReg(i, r) && (i < st.frames.length - 1 || (live & (1 << r)) != 0) && st.frames[i].regs[r].isScalar()) need.setReg(i, r);
            for (int slot = 0; slot < 64; slot++)
                if (c.preciseSlot(i, slot) && st.frames[i].spills[slot] != null && st.frames[i].spills[slot].isScalar()) need.setSlot(i, slot);
        }
        if (!need.empty()) precision.backtrack(need, hist, 0, st.depth(), cp);
    }

    /** The instruction being executed needs the exact value of register {@code r} of the current frame. */
    void needPrecise(State st, int r) {
        Reg v = st.reg(r);
        if (!v.isScalar()) return;
        Precision.Need need = new Precision.Need();
        need.setReg(st.depth(), r);
        needPrecise(st, need);
    }

    /** The instruction being executed needs the exact values at these locations. */
    void needPrecise(State st, Precision.Need need) { precision.backtrack(need, hist, 1, st.depth(), cp); }

    /** Notes that the instruction being executed accessed stack slot {@code slot} of frame {@code frame}. */
    void noteStackAccess(int frame, int slot) {
        if (hist.n > 0) hist.setLast(Precision.withStack(hist.last(), frame, slot));
    }

    /** Notes that the branch being executed narrowed the scalars at {@code locations}, linked to its operands. */
    void noteLinked(Precision.Need locations) { hist.link(locations); }

    /**
     * A path back at a loop counter inside the state of an ancestor there in the same call (and the same widening
     * round), having {@code progressed} since (fallen through a {@code may_goto} of that call, taken a value from the
     * iterator), goes around a loop that the call's loop budget or the iterator's finite range ends: what it can do
     * from here, the ancestor's walk (still going on) covers. The path stops, as Linux's does for a different
     * {@code may_goto_depth} or iterator depth.
     */
    private boolean countedLoopSeen(int s, State st, Checkpoint cp, String why, java.util.function.BiPredicate<State, State> progressed) {
        if (cp == null) return false;
        Checkpoint x = cp.depth == st.depth() && cp.atLoopCounter ? cp : Checkpoint.counterAbove(cp, st.depth());
        for (int seen = 0; x != null && seen < MAX_COUNTER_ANCESTORS; x = x.counterAbove, seen++) {
            if (x.slot != s || x.token != token || !progressed.test(st, x.state)) continue;
            if (st.within(x.state, cfg.live[s], null, a.unwrittenStackReadable)) {
                if (a.log != null) a.log.append(s).append(": pruned (").append(why).append(")\n");
                if (a.options.observer() != null) a.options.observer().pruned(s, st, x.state);
                finish(cp);
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the iterator that r1 points to has handed out more values in {@code now} than in {@code before}: the
     * same iterator (one opened again in its place counts nothing).
     */
    private static boolean iteratorAdvanced(State now, State before) {
        Reg it = now.reg(1);
        if (it.type() != RegisterType.PTR_TO_STACK || !it.fixedOffset() || it.frame() >= before.frames.length) return false;
        int slot = (int) (it.off() + State.STACK) / 8;
        if (slot < 0 || slot >= State.STACK / 8) return false;
        State.Iter x = now.frames[it.frame()].iters[slot], y = before.frames[it.frame()].iters[slot];
        return x != null && x.beyond(y);
    }

    private static boolean samePasses(State x, State y) {
        for (int i = 0; i < x.frames.length && i < y.frames.length; i++)
            if (x.frames[i].mayGotoPasses != y.frames[i].mayGotoPasses) return false;
        return true;
    }

    /** A path back at a loop head in exactly the state of an ancestor there never ends. */
    private void loopCheck(int s, State st, Checkpoint cp, int fp) {
        Map<Integer, List<Checkpoint>> o = open.get(s);
        if (o == null) return;
        List<Checkpoint> same = o.get(fp);
        if (same == null) return;
        for (Checkpoint c : same)
            if (samePasses(c.state, st) && st.sameAs(c.state) && isAncestor(c, cp))
                throw a.reject(ErrorCode.INFINITE_LOOP, s, "infinite loop: this instruction is reached again in the same state");
    }

    private Checkpoint checkpoint(int s, State st, Checkpoint cp, int fp) {
        @SuppressWarnings("unchecked") java.util.Map<Integer, Precision.Need>[] linked = new java.util.Map[1];
        long[] path = hist.take(linked);
        if (openCount[s] >= MAX_OPEN_CHECKPOINTS_PER_SLOT) {
            return new Checkpoint(s, null, st.depth(), cp, fp, token, path, linked[0]); // takes over this path's branch of cp
        }
        Checkpoint c = new Checkpoint(s, st.copy(), st.depth(), cp, fp, token, path, linked[0]);
        c.atLoopCounter = cfg.program.at(s) instanceof dev.bypass.vm.isa.Instruction.MayGoto || cfg.iteratorNext(s);
        Map<Integer, List<Checkpoint>> o = open.get(s);
        if (o == null) open.set(s, o = new HashMap<>());
        o.computeIfAbsent(fp, k -> new ArrayList<>()).add(c);
        openCount[s]++;
        if (!rounds.isEmpty()) rounds.get(rounds.size() - 1).made.add(c);
        return c;
    }

    /** A path ended: its checkpoints whose every branch has ended become usable for pruning. */
    private void finish(Checkpoint cp) {
        for (Checkpoint c = cp; c != null; c = c.parent) {
            if (--c.branches > 0) return;
            if (c.state == null) continue; // a mark on the path
            forgetOpen(c);
            List<Checkpoint> done = complete.get(c.slot);
            if (done == null) complete.set(c.slot, done = new ArrayList<>());
            if (done.size() >= MAX_CHECKPOINTS_PER_SLOT) {
                // keep the states that prune: drop the one that pruned least
                int worst = 0;
                for (int i = 1; i < done.size(); i++) if (done.get(i).hits < done.get(worst).hits) worst = i;
                done.remove(worst);
            }
            done.add(c);
        }
    }

    private void forgetOpen(Checkpoint c) {
        Map<Integer, List<Checkpoint>> o = open.get(c.slot);
        if (o == null) return;
        List<Checkpoint> l = o.get(c.fingerprint);
        if (l != null && l.remove(c)) {
            openCount[c.slot]--;
            if (l.isEmpty()) o.remove(c.fingerprint);
        }
    }

    private static boolean isAncestor(Checkpoint x, Checkpoint from) {
        for (Checkpoint c = from; c != null; c = c.parent) if (c == x) return true;
        return false;
    }

    /** The nearest checkpoint at {@code slot} in frame {@code depth} on this path (the previous iteration). */
    private static Checkpoint ancestorAt(Checkpoint from, int slot, int depth) {
        for (Checkpoint c = from; c != null; c = c.parent) {
            if (c.state != null && c.slot == slot && c.depth == depth) return c;
            if (c.depth < depth) return null; // left the loop's frame
        }
        return null;
    }

    private static int fingerprint(State st) {
        int h = st.frames.length * 31 + (st.lockHeld ? 1 : 0);
        for (State.Frame f : st.frames) {
            for (Reg r : f.regs) h = h * 31 + r.type().ordinal() * 7 + r.var().hashCode();
            h = h * 31 + Arrays.hashCode(f.kinds);
            // the same state except for how far an iterator went is another state (its loop's iterations differ so)
            for (State.Iter it : f.iters) if (it != null) h = h * 31 + it.depth() * 2 + (it.drained() ? 1 : 0);
        }
        return h * 31 + st.refs.length;
    }

    // ---------------------------------------------------------------- loops by widening

    /**
     * Tries to prove the loop at {@code head} by widening from the states of its last two iterations; true when it
     * did (the loop's exits then continue as paths, and this path is done), false to go on iterating.
     */
    private boolean widen(int head, Checkpoint previous, State st, Checkpoint cp, Precision.History pathToHead) {
        State entry = entryState(previous, head);
        State w = narrow(head, Widening.widen(a, previous.state, st, cfg.live[head], a.thresholds), entry);
        if (w == null) {
            a.noWidening.set(head);
            return false;
        }
        w.markWidened(head);
        Token outerToken = token;
        ArrayDeque<Work> outerStack = stack;
        Checkpoint outerCp = cp;
        Precision.History outerHist = hist;
        for (int attempt = 0; attempt < MAX_ROUNDS; attempt++) {
            Round r = new Round(head, st.depth(), cfg.loops.get(head), w, new Token(outerToken));
            rounds.add(r);
            token = r.token;
            stack = new ArrayDeque<>();
            Checkpoint root = new Checkpoint(head, w.copy(), w.depth(), cp, fingerprint(w), r.token, java.util.Arrays.copyOf(pathToHead.a, pathToHead.n),
                    pathToHead.linked);
            root.branches = 2; // the walk from W, and the round itself until it succeeds (so cp is untouched if it fails)
            r.made.add(root);
            State start = w.copy();
            start.inRounds = rounds.size();
            try {
                walk(head, start, root, new Precision.History(), true);
                drain();
            } catch (Unstable u) {
                abandon(r);
                if (u.round != r) throw u; // an enclosing loop's round starts again
                State next = narrow(head, Widening.widen(a, w, u.state, cfg.live[head], attempt < THRESHOLD_ROUNDS ? a.thresholds : Thresholds.NONE), entry);
                if (next == null) break;
                next.markWidened(head);
                w = next;
                continue;
            } catch (Analyzer.Reject e) {
                abandon(r);
                break;
            } finally {
                rounds.remove(rounds.size() - 1);
                token = outerToken;
                stack = outerStack;
                cp = outerCp;
                hist = outerHist;
            }
            if (r.ranking != null && r.ranking.isEmpty()) {
                abandon(r);
                break;
            }
            // W is an invariant and the loop ends: what was walked from it stands
            if (a.log != null) a.log.append(head).append(": loop proven by widening (ranking ").append(r.ranking).append(")\n");
            finish(root); // the round's hold: with every path from W done, the root is complete and this path (cp) with it
            return true;
        }
        a.noWidening.set(head);
        if (a.log != null) a.log.append(head).append(": widening gave up, iterating instead\n");
        return false;
    }

    /** Whether a path at {@code s} is out of the round's loop (left its body, or returned from its function). */
    private static boolean left(Round r, int s, State st) {
        return st.depth() < r.depth || st.depth() == r.depth && !r.body.get(s);
    }

    /**
     * Narrowing by the loop's edges: a state at the head either entered the loop ({@code entry}, the state this path
     * first reached the head in) or came around a back edge, and then satisfies that edge's jump condition; W shrinks
     * to the join of the entry state and W refined by each back edge's condition (a loop's guard bounds what
     * widening let run to the next threshold).
     */
    private State narrow(int head, State w, State entry) {
        if (w == null) return null;
        BitSet body = cfg.loops.get(head);
        State out = entry == null ? null : entry.copy();
        for (int p : cfg.predecessors(head)) {
            if (!body.get(p)) {
                if (entry == null) return w; // an entry this path did not take: keep W as it is
                continue;
            }
            State c = w.copy();
            if (!a.transfer.refineEdge(c, p, head)) continue;
            out = out == null ? c : Widening.join(a, out, c);
            if (out == null) return w;
        }
        if (out == null) return w;
        out.widenedFrom = w.widenedFrom;
        out.loopHeads = w.loopHeads;
        out.loopDepths = w.loopDepths;
        out.loopCounts = w.loopCounts;
        out.inRounds = w.inRounds;
        for (int i = 0; i < out.frames.length; i++) out.frames[i].mayGotoPasses = w.frames[i].mayGotoPasses;
        return out;
    }

    /** The state this path first reached the loop head in, since it last entered the loop (its oldest ancestor there). */
    private State entryState(Checkpoint previous, int head) {
        BitSet body = cfg.loops.get(head);
        int depth = previous.state.depth();
        State first = previous.state;
        for (Checkpoint c = previous; c != null; c = c.parent) {
            if (c.depth < depth || c.depth == depth && !body.get(c.slot)) break;
            if (c.state != null && c.slot == head && c.depth == depth) first = c.state;
        }
        return first;
    }

    private void abandon(Round r) {
        r.token.valid = false;
        for (Checkpoint c : r.made) forgetOpen(c);
    }

    /** A path of the round is back at the loop head: it must be inside W, and tells what can rank the loop. */
    private void backEdge(Round r, State st) {
        if (!st.within(r.w, cfg.live[r.head], null, a.unwrittenStackReadable)) throw new Unstable(r, st);
        java.util.Set<String> here = rankingCandidates(r.w.frames[r.depth], st.frames[r.depth]);
        // this way around spent the run's loop budget, which bounds how often it can be taken
        if (st.frames[r.depth].mayGotoPasses > r.w.frames[r.depth].mayGotoPasses) here.add("may_goto");
        // this way around took a value from an iterator that was open at the head: its finite range bounds it
        for (int i = 0; i < st.frames.length; i++)
            for (int slot = 0; slot < State.STACK / 8; slot++) {
                State.Iter head = r.w.frames[i].iters[slot], back = st.frames[i].iters[slot];
                if (back != null && back.beyond(head)) here.add("iterator fp" + (8 * slot - State.STACK) + "@" + i);
            }
        if (r.ranking == null) r.ranking = here;
        else r.ranking.retainAll(here);
    }

    /**
     * Locations (registers and spilled slots of the loop's frame) that moved by a constant nonzero step since the
     * head and are bounded at the back edge short of wrapping around, with the direction and order ("u+", "s-" ...).
     */
    static java.util.Set<String> rankingCandidates(State.Frame head, State.Frame back) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (int r = 0; r < 10; r++) ranking("r" + r, head.regs[r], back.regs[r], out);
        for (int s = 0; s < head.spills.length; s++)
            if (head.spills[s] != null && back.spills[s] != null) ranking("fp" + (8 * s - State.STACK), head.spills[s], back.spills[s], out);
        return out;
    }

    private static void ranking(String where, Reg x, Reg y, java.util.Set<String> out) {
        if (!x.isInit() || x.type() != y.type()) return;
        long d;
        Scalar v;
        if (x.isScalar()) {
            if (x.id() == 0 || x.id() != y.id()) return;
            d = y.off() - x.off();
            v = y.var();
        } else {
            if (x.type() == RegisterType.PTR_TO_STACK || x.map() != y.map() || x.id() != y.id() || !x.var().equals(y.var()) && x.id() == 0) return;
            d = y.off() - x.off();
            // a pointer is a number: bounded when its offset is (below its region's proven length for packets)
            Scalar off = ScalarAlu.alu(dev.bypass.vm.isa.AluOp.ADD, true, y.var(), Scalar.constant(y.off()));
            if (x.type() == RegisterType.PTR_TO_PACKET && y.range() > y.off() && d > 0) { out.add(where + ":u+"); return; }
            if (Long.compareUnsigned(off.umax(), 1L << 32) > 0 || off.smin() < 0) return;
            v = off;
        }
        if (d == 0 || d == Long.MIN_VALUE) return;
        if (d > 0) {
            if (Long.compareUnsigned(v.umax(), -1L - d) <= 0) out.add(where + ":u+");
            if (v.smax() <= Long.MAX_VALUE - d) out.add(where + ":s+");
        } else {
            long m = -d;
            if (Long.compareUnsigned(v.umin(), m) >= 0) out.add(where + ":u-");
            if (v.smin() >= Long.MIN_VALUE + m) out.add(where + ":s-");
        }
    }

    /** Unused by the walk; kept for the log: the loops of the program and whether they may be widened. */
    Map<Integer, Boolean> loopSummary() {
        Map<Integer, Boolean> m = new LinkedHashMap<>();
        for (int h : cfg.loops.keySet()) m.put(h, widenable(h));
        return m;
    }
}
