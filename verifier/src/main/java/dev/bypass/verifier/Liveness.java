package dev.bypass.verifier;

import dev.bypass.vm.isa.AtomicOp;
import dev.bypass.vm.isa.AluOp;
import dev.bypass.vm.isa.Instruction;
import dev.bypass.vm.isa.Instruction.*;
import dev.bypass.vm.isa.Program;

/**
 * Which registers may still be read, before being written, on some path from each instruction (backward dataflow,
 * per function). Pruning compares only live registers: a dead register's value cannot change what happens next,
 * and ignoring it is what keeps the number of distinct states small.
 */
final class Liveness {
    private static final int ARGS = 0b111110, CLOBBERED = 0b111111, FP = 1 << 10;

    static int[] liveIn(Program p) {
        int n = p.slotCount();
        int[] use = new int[n], def = new int[n];
        for (int s = 0; s < n; s++) {
            Instruction insn = p.at(s);
            if (insn == null) continue;
            switch (insn) {
                case Alu a -> {
                    boolean reads = a.op() != AluOp.MOV && !a.op().isSignExtendingMove();
                    use[s] = (reads ? bit(a.dst()) : 0) | (a.useRegister() ? bit(a.src()) : 0);
                    def[s] = bit(a.dst());
                }
                case Endian e -> { use[s] = bit(e.dst()); def[s] = bit(e.dst()); }
                case LoadImm64 l -> def[s] = bit(l.dst());
                case Load l -> { use[s] = bit(l.src()); def[s] = bit(l.dst()); }
                case Store x -> use[s] = bit(x.dst()) | bit(x.src());
                case StoreImm x -> use[s] = bit(x.dst());
                case Atomic a -> {
                    boolean cmpxchg = a.op() == AtomicOp.CMPXCHG;
                    use[s] = bit(a.dst()) | bit(a.src()) | (cmpxchg ? 1 : 0);
                    def[s] = cmpxchg ? 1 : a.fetch() || a.op() == AtomicOp.XCHG ? bit(a.src()) : 0;
                }
                case PacketLoad pl -> { use[s] = bit(6) | (pl.indirect() ? bit(pl.src()) : 0); def[s] = CLOBBERED; }
                case Jump j -> use[s] = bit(j.dst()) | (j.useRegister() ? bit(j.src()) : 0);
                case Goto g -> {}
                case MayGoto m -> {}
                case Call c -> { use[s] = ARGS; def[s] = CLOBBERED; }
                case CallRegister c -> { use[s] = ARGS | bit(c.reg()); def[s] = CLOBBERED; }
                case Exit e -> use[s] = 1;
            }
        }
        int[] in = new int[n];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int s = n - 1; s >= 0; s--) {
                Instruction insn = p.at(s);
                if (insn == null) continue;
                int out = switch (insn) {
                    case Jump j -> at(in, s + 1) | at(in, s + 1 + j.offset());
                    case Goto g -> at(in, s + 1 + g.offset());
                    case MayGoto m -> at(in, s + 1) | at(in, s + 1 + m.offset());
                    case Exit e -> 0;
                    case LoadImm64 l -> at(in, s + 2);
                    default -> at(in, s + 1);
                };
                int v = use[s] | (out & ~def[s]) | FP;
                if (v != in[s]) {
                    in[s] = v;
                    changed = true;
                }
            }
        }
        return in;
    }

    private static int at(int[] in, int s) { return s >= 0 && s < in.length ? in[s] : 0; }

    private static int bit(int r) { return 1 << r; }
}
