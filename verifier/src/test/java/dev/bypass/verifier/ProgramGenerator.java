package dev.bypass.verifier;

import java.util.Random;

/**
 * Seeded random eBPF programs (assembly text) built from the shapes that stress a verifier: copies of one map lookup
 * with a NULL check on one copy, a second lookup untying a copy on one path, joins of paths that disagree, linked
 * scalars (a copy plus a constant, a comparison on one copy, the other used as an index), spills and fills of
 * linked registers and pointers at 8 and 4 bytes, variable stack offsets, buffer indexes compared with the length,
 * bounded loops short and long (so that some are widened), some with a {@code may_goto} in their body, ring-buffer
 * records, bpf-to-bpf calls, and plain arithmetic and comparisons on 32 and 64 bits. Most programs are rejected;
 * those accepted are what the soundness tests run.
 *
 * <p>Register convention of the generated code: r6 = the buffer (r1 at entry), r7 = its length (r2 at entry), both
 * kept; r0, r3, r4, r5, r8, r9 are scratch; helper calls clobber r1-r5, after which r3-r5 get values again.
 */
final class ProgramGenerator {
    static final String[] ALU = {"add", "sub", "mul", "div", "or", "and", "lsh", "rsh", "mod", "xor", "arsh", "neg"};
    static final String[] JMP = {"jeq", "jne", "jgt", "jge", "jlt", "jle", "jsgt", "jsge", "jslt", "jsle", "jset"};
    static final String[] W = {"b", "h", "w", "dw"};
    static final int[] SCRATCH = {0, 3, 4, 5, 8, 9};
    private static final String AFTER_CALL = "mov %r3, 1\nmov %r4, -3\nmov %r5, 12\n";

    private final Random rnd;
    private final boolean maps;
    private final boolean socket;
    /** Whether loops around open-coded iterators are generated too (a series of its own). */
    private final boolean iterators;
    private final StringBuilder b = new StringBuilder();
    /** Blocks placed after the program's exit, reached by a jump and jumping back (so that they are walked last). */
    private final StringBuilder outOfLine = new StringBuilder();
    private int label;
    private int n;

    private ProgramGenerator(Random rnd, boolean maps, boolean socket, boolean iterators) {
        this.rnd = rnd;
        this.maps = maps;
        this.socket = socket;
        this.iterators = iterators;
    }

    /**
     * A program over a buffer (r1, r2) using map 0 (a hash, 4-byte keys, 8-byte values) and map 1 (a ring buffer);
     * with {@code maps} false, no map is used.
     */
    static String generate(Random rnd, boolean maps) { return new ProgramGenerator(rnd, maps, false, false).program(); }

    /** As {@link #generate} with maps, and loops around open-coded iterators among the snippets. */
    static String withIterators(Random rnd) { return new ProgramGenerator(rnd, true, false, true).program(); }

    /** A program for a socket filter (r1 = the __sk_buff, r2 unset; r7 then holds 32), without maps. */
    static String socket(Random rnd) { return new ProgramGenerator(rnd, false, true, false).program(); }

    private int scratch() { return SCRATCH[rnd.nextInt(SCRATCH.length)]; }

    private String r(int i) { return "%r" + i; }

    private String fwd() { return "L" + (label + 1 + rnd.nextInt(Math.max(1, n - label))); }

    private void line(String s) { b.append(s).append('\n'); }

    private String program() {
        n = 4 + rnd.nextInt(14);
        line("mov %r6, %r1");
        line(socket ? "mov %r7, 32" : "mov %r7, %r2");
        for (int i : SCRATCH) line("mov " + r(i) + ", " + (rnd.nextInt(64) - 8));
        if (rnd.nextInt(3) != 0) for (int k = 1; k <= 4; k++) line("stdw [%r10-" + 8 * k + "], 0");
        for (label = 0; label < n; label++) {
            line("L" + label + ":");
            snippet();
        }
        line("L" + n + ":");
        line("mov %r0, 0");
        line("exit");
        b.append(outOfLine);
        if (b.indexOf("call local f") >= 0) {
            line("f:");
            line("mov %r0, %r1");
            if (rnd.nextBoolean()) line("add %r0, %r2");
            if (rnd.nextBoolean()) line("ldxb %r0, [%r3+0]");
            line("exit");
        }
        return b.toString();
    }

    private void snippet() {
        if (iterators && rnd.nextInt(3) == 0) {
            iteratorLoop();
            return;
        }
        int d = scratch(), s = scratch();
        switch (rnd.nextInt(maps ? 16 : 11)) {
            case 0, 1 -> { // arithmetic
                String op = ALU[rnd.nextInt(ALU.length)];
                String w = rnd.nextInt(4) == 0 ? "32" : "";
                if (op.equals("neg")) line("neg" + w + " " + r(d));
                else line(op + w + " " + r(d) + ", " + (rnd.nextBoolean() ? r(s) : Integer.toString(rnd.nextInt(40) - 8)));
            }
            case 2 -> line("mov " + r(d) + ", " + (rnd.nextBoolean() ? r(s) : Integer.toString(rnd.nextInt(600) - 300)));
            case 3, 4 -> line(JMP[rnd.nextInt(JMP.length)] + (rnd.nextInt(4) == 0 ? "32" : "") + " " + r(d) + ", "
                    + (rnd.nextBoolean() ? r(s) : Integer.toString(rnd.nextInt(40) - 4)) + ", " + fwd());
            case 5 -> { // linked scalars: a copy plus a constant, a comparison on one, the other as a stack index
                line("mov " + r(d) + ", " + r(s));
                if (rnd.nextBoolean()) line("add " + r(d) + ", " + (rnd.nextInt(9) - 4));
                line(pick("jgt", "jge", "jlt", "jsgt", "jslt") + " " + r(rnd.nextBoolean() ? d : s) + ", " + rnd.nextInt(40) + ", " + fwd());
                stackIndex(rnd.nextBoolean() ? d : s);
            }
            case 6 -> { // spill and fill, 8 or 4 bytes, sometimes of a copy
                int k = 8 * (1 + rnd.nextInt(4));
                String w = rnd.nextInt(3) == 0 ? "w" : "dw";
                if (rnd.nextBoolean()) line("mov " + r(d) + ", " + r(s));
                line("stx" + w + " [%r10-" + k + "], " + r(d));
                if (rnd.nextBoolean()) line(pick("jgt", "jlt", "jne") + " " + r(rnd.nextBoolean() ? d : s) + ", " + rnd.nextInt(20) + ", " + fwd());
                line("ldx" + (rnd.nextBoolean() ? w : W[rnd.nextInt(4)]) + " " + r(scratch()) + ", [%r10-" + k + "]");
            }
            case 7 -> stackIndex(d);
            case 8 -> { // a buffer index checked against the length (sometimes off by one), then a read or write
                line("mov " + r(d) + ", " + r(s));
                if (rnd.nextBoolean()) line("and " + r(d) + ", " + (rnd.nextInt(64) + 1));
                line((rnd.nextInt(6) == 0 ? "jgt " : "jge ") + r(d) + ", %r7, " + fwd());
                line("mov " + r(s == d ? 0 : s) + ", %r6");
                line("add " + r(s == d ? 0 : s) + ", " + r(d));
                if (rnd.nextBoolean()) line("ldxb " + r(d) + ", [" + r(s == d ? 0 : s) + "+0]");
                else line("stb [" + r(s == d ? 0 : s) + "+0], 1");
            }
            case 9 -> { // a join: two paths giving a register different values
                String other = "J" + label;
                line(pick("jeq", "jgt", "jset") + " " + r(s) + ", " + rnd.nextInt(8) + ", " + other);
                line("mov " + r(d) + ", " + (rnd.nextInt(20) - 4));
                line("ja " + other + "e");
                line(other + ":");
                line(rnd.nextBoolean() ? "mov " + r(d) + ", %r10" : "mov " + r(d) + ", " + rnd.nextInt(100));
                line(other + "e:");
            }
            case 10 -> { // a bounded loop, sometimes long enough to be widened
                int bound = new int[] {3, 7, 40, 300, 2000}[rnd.nextInt(5)];
                String head = "H" + label;
                line("mov %r9, " + rnd.nextInt(3));
                line(head + ":");
                // cond_break: leaves early once the loop budget is spent. Not in socket programs, whose series (and
                // the triaged seeds of KernelDifferentialTest) stay as they were; the selftests compare may_goto with Linux.
                if (!socket && rnd.nextInt(3) == 0) line("may_goto " + fwd());
                line(ALU[rnd.nextInt(6)] + " %r0, " + (rnd.nextBoolean() ? "%r9" : Integer.toString(rnd.nextInt(9))));
                if (rnd.nextBoolean()) stackIndex(9);
                if (rnd.nextInt(4) == 0) line("jgt %r0, " + rnd.nextInt(1000) + ", " + fwd());
                int step = 1 + rnd.nextInt(3);
                line("add %r9, " + step);
                line((step == 1 && rnd.nextInt(8) == 0 ? "jne" : "jlt") + " %r9, " + bound + ", " + head);
            }
            case 11, 12 -> lookups(d, s);
            case 13 -> { // a ring-buffer record: reserve, check, write, submit or discard (or, sometimes, leak it)
                int size = rnd.nextBoolean() ? 8 : 16;
                line("lddw %r1, map_idx(1)\nmov %r2, " + size + "\nmov %r3, 0\ncall 131");
                line("mov %r8, %r0");
                if (rnd.nextInt(6) != 0) line("jeq %r8, 0, " + fwd());
                line("stdw [%r8+" + (rnd.nextInt(4) != 0 ? rnd.nextInt(size / 8) * 8 : rnd.nextInt(12)) + "], 1");
                if (rnd.nextInt(8) != 0) line("mov %r1, %r8\nmov %r2, 0\ncall " + (rnd.nextBoolean() ? 132 : 133));
                line("mov %r8, 0"); // a released record's address is a number, but not the same from run to run
                line(AFTER_CALL);
            }
            case 14 -> { // a pointer spilled and filled, then used
                line("mov " + r(d) + ", %r10\nadd " + r(d) + ", -" + 8 * (1 + rnd.nextInt(4)));
                line("stxdw [%r10-40], " + r(d));
                line("ldxdw " + r(s) + ", [%r10-40]");
                line("ldx" + W[rnd.nextInt(4)] + " " + r(d) + ", [" + r(s) + "+0]");
            }
            default -> { // a local call with a pointer or a number
                line("mov %r1, " + r(s) + "\nmov %r2, " + r(d) + "\nmov %r3, %r10\nadd %r3, -8");
                line("call local f");
                line(AFTER_CALL);
            }
        }
    }

    /**
     * A loop around an iterator at fp-64 (as bpf_for compiles), over a range that may be empty or refused, whose body
     * uses the value, indexes the stack or the buffer with it, goes around early, or leaves; now and then a misuse
     * (a write through the value, no destroy) that must be refused.
     */
    private void iteratorLoop() {
        String head = "I" + label, end = "IE" + label, it = "mov %r1, %r10\nadd %r1, -64\n";
        int start = rnd.nextInt(10) - 3, count = new int[] {0, 1, 3, 12, 40}[rnd.nextInt(5)];
        line(it + "mov %r2, " + start + "\nmov %r3, " + (rnd.nextInt(10) == 0 ? start - 1 : start + count) + "\ncall kfunc bpf_iter_num_new");
        line("mov %r8, " + rnd.nextInt(5));
        line(head + ":");
        line(it + "call kfunc bpf_iter_num_next");
        line("jeq %r0, 0, " + end);
        if (rnd.nextInt(12) == 0) line("stw [%r0+0], 0");
        line("ldx" + (rnd.nextInt(4) == 0 ? "b" : "w") + " %r9, [%r0+0]");
        for (int k = rnd.nextInt(4); k > 0; k--) {
            switch (rnd.nextInt(5)) {
                case 0 -> line(pick("add", "sub", "xor", "and", "or", "mul") + " %r8, " + (rnd.nextBoolean() ? "%r9" : Integer.toString(rnd.nextInt(9))));
                case 1 -> stackIndex(9);
                case 2 -> { // the value as a buffer index, checked against the length (sometimes off by one)
                    line("mov %r0, %r9");
                    line((rnd.nextInt(6) == 0 ? "jgt" : "jge") + " %r0, %r7, " + head);
                    line("add %r0, %r6");
                    line(rnd.nextBoolean() ? "ldxb %r8, [%r0+0]" : "stb [%r0+0], 7");
                }
                case 3 -> line(pick("jgt", "jlt", "jeq", "jset") + " %r9, " + rnd.nextInt(8) + ", " + head);
                default -> line("jgt %r8, " + rnd.nextInt(30) + ", " + end);
            }
        }
        line("ja " + head);
        line(end + ":");
        if (rnd.nextInt(12) != 0) line(it + "call kfunc bpf_iter_num_destroy");
        line(AFTER_CALL);
    }

    /** A stack access at an offset computed from {@code idx} (masked, sometimes not enough). */
    private void stackIndex(int idx) {
        int t = idx == 8 ? 9 : 8;
        line("mov " + r(t) + ", " + r(idx));
        line("and " + r(t) + ", " + new int[] {7, 15, 24, 31, 63}[rnd.nextInt(5)]);
        line("mov %r4, %r10\nadd %r4, -32\nadd %r4, " + r(t));
        if (rnd.nextBoolean()) line("ldxb " + r(t) + ", [%r4+0]");
        else line("stxb [%r4+0], " + r(t));
    }

    /** Copies of one lookup, maybe untied by a second lookup on one path, a NULL check on one, a use of another. */
    private void lookups(int d, int s) {
        int a = d == 0 ? 8 : d, c = a == 9 ? 8 : 9;
        line("stw [%r10-36], " + rnd.nextInt(4));
        line("lddw %r1, map_idx(0)\nmov %r2, %r10\nadd %r2, -36\ncall 1");
        line("mov " + r(a) + ", %r0");
        line("mov " + r(c) + ", %r0");
        if (rnd.nextBoolean()) { // on one path, the second copy comes from another lookup
            String join = "U" + label;
            String untie = "stw [%r10-36], " + rnd.nextInt(4) + "\nlddw %r1, map_idx(0)\nmov %r2, %r10\nadd %r2, -36\ncall 1\nmov " + r(c) + ", %r0\n";
            line("call 7");
            if (rnd.nextBoolean()) { // the untied path first
                line("jne %r0, 0, " + join);
                b.append(untie);
            } else { // the tied path first (so that its state is explored, and may be pruned against, before the other)
                line("jne %r0, 0, " + join + "x");
                outOfLine.append(join).append("x:\n").append(untie).append("ja ").append(join).append('\n');
            }
            line(join + ":");
        }
        if (rnd.nextBoolean()) { // a spill and fill of one copy
            line("stxdw [%r10-48], " + r(a));
            line("ldxdw " + r(a) + ", [%r10-48]");
        }
        line(AFTER_CALL);
        if (rnd.nextInt(6) != 0) line("jeq " + r(rnd.nextInt(3) == 0 ? c : a) + ", 0, " + fwd());
        int w = rnd.nextInt(4), size = 1 << w;
        int off = rnd.nextInt(4) != 0 ? rnd.nextInt(8 / size) * size : rnd.nextInt(10);
        line("ldx" + W[w] + " %r0, [" + r(rnd.nextBoolean() ? a : c) + "+" + off + "]");
    }

    private String pick(String... options) { return options[rnd.nextInt(options.length)]; }
}
