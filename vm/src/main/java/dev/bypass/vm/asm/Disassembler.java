package dev.bypass.vm.asm;

import dev.bypass.vm.helpers.Kfuncs;
import dev.bypass.vm.isa.*;
import dev.bypass.vm.isa.Instruction.*;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * Instructions to the assembly syntax {@link Assembler} reads, so that {@code assemble(disassemble(p))} equals
 * {@code p}. Jump targets are printed as relative offsets, or as generated labels with {@link #withLabels}.
 */
public final class Disassembler {
    private Disassembler() {}

    /** One instruction; relative targets as {@code +N}/{@code -N}. */
    public static String format(Instruction insn) { return format(insn, 0, null); }

    /**
     * One instruction at {@code slot}; {@code labelOf} names a target slot (or returns null to print it relative).
     */
    public static String format(Instruction insn, int slot, IntFunction<String> labelOf) {
        IntFunction<String> target = off -> {
            String label = labelOf == null ? null : labelOf.apply(slot + 1 + off);
            return label != null ? label : (off >= 0 ? "+" + off : Integer.toString(off));
        };
        return switch (insn) {
            case Alu a -> {
                String m;
                if (a.op().isSignExtendingMove()) m = "movsx" + a.op().offset + (a.alu64() ? "64" : "32");
                else m = a.op().mnemonic + (a.alu64() ? "" : "32");
                if (a.op() == AluOp.NEG) yield m + " " + reg(a.dst());
                yield m + " " + reg(a.dst()) + ", " + (a.useRegister() ? reg(a.src()) : Integer.toString(a.imm()));
            }
            case Endian e -> e.order().mnemonic + e.bits() + " " + reg(e.dst());
            case Load l -> "ldx" + (l.signExtend() ? "s" : "") + l.width().suffix + " " + reg(l.dst()) + ", " + mem(l.src(), l.offset());
            case Store s -> "stx" + s.width().suffix + " " + mem(s.dst(), s.offset()) + ", " + reg(s.src());
            case StoreImm s -> "st" + s.width().suffix + " " + mem(s.dst(), s.offset()) + ", " + s.imm();
            case Atomic a -> "lock " + (a.fetch() && !a.op().alwaysFetches() ? "fetch " : "") + a.op().mnemonic
                    + (a.width() == Width.W ? "32" : "") + " " + mem(a.dst(), a.offset()) + ", " + reg(a.src());
            case LoadImm64 l -> "lddw " + reg(l.dst()) + ", " + switch (l.pseudo()) {
                case Opcodes.PSEUDO_IMM64 -> "0x" + Long.toHexString(l.value());
                case Opcodes.PSEUDO_MAP_FD -> "map_fd(" + l.imm() + ")";
                case Opcodes.PSEUDO_MAP_VALUE -> "map_value(" + l.imm() + ", " + l.nextImm() + ")";
                case Opcodes.PSEUDO_MAP_IDX -> "map_idx(" + l.imm() + ")";
                case Opcodes.PSEUDO_MAP_IDX_VALUE -> "map_idx_value(" + l.imm() + ", " + l.nextImm() + ")";
                case Opcodes.PSEUDO_BTF_ID -> "btf_id(" + l.imm() + (l.nextImm() != 0 ? ", " + l.nextImm() : "") + ")";
                default -> "func(" + target.apply(l.imm()) + ")";
            };
            case PacketLoad pl -> pl.indirect()
                    ? "ldind" + pl.width().suffix + " " + reg(pl.src()) + ", " + pl.imm()
                    : "ldabs" + pl.width().suffix + " " + pl.imm();
            case Jump j -> j.op().mnemonic + (j.jmp64() ? "" : "32") + " " + reg(j.dst()) + ", "
                    + (j.useRegister() ? reg(j.src()) : Integer.toString(j.imm())) + ", " + target.apply(j.offset());
            case Goto g -> (g.wide() ? "ja32 " : "ja ") + target.apply(g.offset());
            case MayGoto m -> "may_goto " + target.apply(m.offset());
            case Call c -> switch (c.kind()) {
                case HELPER -> "call " + c.imm();
                case LOCAL -> "call local " + target.apply(c.imm());
                case KFUNC -> "call kfunc " + (Kfuncs.get(c.imm()) != null ? Kfuncs.get(c.imm()).name() : Integer.toString(c.imm()));
            };
            case CallRegister c -> "call " + reg(c.reg());
            case Exit e -> "exit";
        };
    }

    /** A whole program, one instruction per line, relative targets. */
    public static String disassemble(Program program) {
        StringBuilder sb = new StringBuilder();
        for (Instruction i : program.instructions()) sb.append(format(i)).append('\n');
        return sb.toString();
    }

    /** A whole program with a label ({@code L<slot>}) at every jump or call target, for reading. */
    public static String withLabels(Program program) {
        TreeMap<Integer, String> labels = new TreeMap<>();
        for (int s = 0; s < program.slotCount(); s++) {
            Instruction insn = program.at(s);
            int t = switch (insn) {
                case Jump j -> s + 1 + j.offset();
                case Goto g -> s + 1 + g.offset();
                case MayGoto m -> s + 1 + m.offset();
                case Call c when c.kind() == CallKind.LOCAL -> s + 1 + c.imm();
                case LoadImm64 l when l.pseudo() == Opcodes.PSEUDO_FUNC -> s + 1 + l.imm();
                case null, default -> -1;
            };
            if (t >= 0) labels.put(t, "L" + t);
        }
        StringBuilder sb = new StringBuilder();
        for (int s = 0; s < program.slotCount(); s++) {
            Instruction insn = program.at(s);
            if (insn == null) continue;
            if (labels.containsKey(s)) sb.append(labels.get(s)).append(":\n");
            sb.append("    ").append(format(insn, s, labels::get)).append('\n');
        }
        return sb.toString();
    }

    static String reg(int r) { return "%r" + r; }

    static String mem(int reg, short off) { return "[" + reg(reg) + (off >= 0 ? "+" : "") + off + "]"; }
}
