package dev.bypass.vm.isa;

import static dev.bypass.vm.isa.Opcodes.*;

import dev.bypass.vm.isa.Instruction.*;
import java.util.List;

/** {@link Instruction}s to slots and bytes; the inverse of {@link Decoder}. */
public final class Encoder {
    private Encoder() {}

    /** The one or two raw slots of an instruction. */
    public static RawInstruction[] encode(Instruction insn) {
        return switch (insn) {
            case Alu a -> {
                int opcode = (a.alu64() ? CLS_ALU64 : CLS_ALU) | (a.op().code << 4) | (a.useRegister() ? SRC_X : SRC_K);
                yield one(opcode, a.dst(), a.useRegister() ? a.src() : 0, a.op().offset, a.useRegister() ? 0 : a.imm());
            }
            case Endian e -> {
                int opcode = switch (e.order()) {
                    case LE -> CLS_ALU | 0xd0;
                    case BE -> CLS_ALU | 0xd0 | SRC_X;
                    case SWAP -> CLS_ALU64 | 0xd0;
                };
                yield one(opcode, e.dst(), 0, 0, e.bits());
            }
            case Load l -> one(CLS_LDX | l.width().code | (l.signExtend() ? MODE_MEMSX : MODE_MEM), l.dst(), l.src(), l.offset(), 0);
            case Store s -> one(CLS_STX | s.width().code | MODE_MEM, s.dst(), s.src(), s.offset(), 0);
            case StoreImm s -> one(CLS_ST | s.width().code | MODE_MEM, s.dst(), 0, s.offset(), s.imm());
            case Atomic a -> one(CLS_STX | a.width().code | MODE_ATOMIC, a.dst(), a.src(), a.offset(),
                    a.op().code | (a.fetch() ? ATOMIC_FETCH : 0));
            case LoadImm64 l -> new RawInstruction[] {
                    new RawInstruction(LDDW, l.dst(), l.pseudo(), (short) 0, l.imm()),
                    new RawInstruction(0, 0, 0, (short) 0, l.nextImm()) };
            case PacketLoad p -> one(CLS_LD | p.width().code | (p.indirect() ? MODE_IND : MODE_ABS), 0, p.indirect() ? p.src() : 0, 0, p.imm());
            case Jump j -> one((j.jmp64() ? CLS_JMP : CLS_JMP32) | (j.op().code << 4) | (j.useRegister() ? SRC_X : SRC_K),
                    j.dst(), j.useRegister() ? j.src() : 0, j.offset(), j.useRegister() ? 0 : j.imm());
            case Goto g -> g.wide() ? one(CLS_JMP32 | JMP_JA, 0, 0, 0, g.offset()) : one(CLS_JMP | JMP_JA, 0, 0, g.offset(), 0);
            case MayGoto m -> one(CLS_JMP | JMP_JCOND, 0, JCOND_MAY_GOTO, m.offset(), 0);
            case Call c -> one(CLS_JMP | JMP_CALL, 0, c.kind().src, 0, c.imm());
            case CallRegister c -> one(CLS_JMP | JMP_CALL | SRC_X, c.reg(), 0, 0, 0);
            case Exit e -> one(CLS_JMP | JMP_EXIT, 0, 0, 0, 0);
        };
    }

    private static RawInstruction[] one(int opcode, int dst, int src, int offset, int imm) {
        return new RawInstruction[] {new RawInstruction(opcode, dst, src, (short) offset, imm)};
    }

    public static long[] words(List<Instruction> program) {
        int n = 0;
        for (Instruction i : program) n += i.slots();
        long[] out = new long[n];
        int k = 0;
        for (Instruction i : program) for (RawInstruction r : encode(i)) out[k++] = r.word();
        return out;
    }

    public static byte[] bytes(List<Instruction> program) {
        long[] words = words(program);
        byte[] out = new byte[words.length * 8];
        for (int i = 0; i < words.length; i++) for (int b = 0; b < 8; b++) out[i * 8 + b] = (byte) (words[i] >>> (8 * b));
        return out;
    }
}
