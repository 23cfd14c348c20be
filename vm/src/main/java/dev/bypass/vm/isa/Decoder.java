package dev.bypass.vm.isa;

import static dev.bypass.vm.isa.Opcodes.*;

import dev.bypass.vm.isa.Instruction.*;
import java.util.ArrayList;
import java.util.List;

/**
 * Little-endian bytecode to {@link Instruction}s. Strict in the way Linux is: fields an instruction does not use
 * must be zero, so that every accepted program re-encodes to the same bytes.
 */
public final class Decoder {
    private Decoder() {}

    /** Decodes and validates a whole program (jump targets included). */
    public static Program decode(byte[] bytes) {
        if (bytes.length % 8 != 0)
            throw new BytecodeException(-1, "program length " + bytes.length + " is not a multiple of 8 bytes");
        long[] words = new long[bytes.length / 8];
        for (int i = 0; i < words.length; i++) {
            long w = 0;
            for (int b = 7; b >= 0; b--) w = (w << 8) | (bytes[i * 8 + b] & 0xff);
            words[i] = w;
        }
        return decode(words);
    }

    public static Program decode(long[] words) {
        List<Instruction> out = new ArrayList<>(words.length);
        for (int i = 0; i < words.length; ) {
            RawInstruction raw = RawInstruction.of(words[i]);
            RawInstruction next = i + 1 < words.length ? RawInstruction.of(words[i + 1]) : null;
            Instruction insn = decodeOne(i, raw, next);
            out.add(insn);
            i += insn.slots();
        }
        return Program.of(out);
    }

    /** Decodes one instruction at slot {@code index}; {@code next} is the following slot or null at the end. */
    public static Instruction decodeOne(int index, RawInstruction raw, RawInstruction next) {
        int op = raw.opcode();
        int dst = raw.dst(), src = raw.src(), off = raw.offset(), imm = raw.imm();
        Checker c = new Checker(index, op);
        return switch (cls(op)) {
            case CLS_ALU, CLS_ALU64 -> decodeAlu(c, cls(op) == CLS_ALU64, op, dst, src, off, imm);
            case CLS_LDX -> {
                int mode = op & 0xe0;
                Width width = Width.ofCode(op & 0x18);
                c.reg("dst", dst).reg("src", src).zero("imm", imm);
                if (mode == MODE_MEM) yield new Load(width, false, dst, src, (short) off);
                if (mode == MODE_MEMSX && width != Width.DW) yield new Load(width, true, dst, src, (short) off);
                throw c.unknown();
            }
            case CLS_ST -> {
                if ((op & 0xe0) != MODE_MEM) throw c.unknown();
                c.reg("dst", dst).zero("src", src);
                yield new StoreImm(Width.ofCode(op & 0x18), dst, (short) off, imm);
            }
            case CLS_STX -> {
                int mode = op & 0xe0;
                Width width = Width.ofCode(op & 0x18);
                c.reg("dst", dst).reg("src", src);
                if (mode == MODE_MEM) {
                    c.zero("imm", imm);
                    yield new Store(width, dst, (short) off, src);
                }
                if (mode == MODE_ATOMIC && (width == Width.W || width == Width.DW)) {
                    AtomicOp aop = AtomicOp.decode(imm);
                    if (aop == null) throw c.fail(String.format("unknown atomic operation 0x%x", imm));
                    yield new Atomic(width, aop, (imm & ATOMIC_FETCH) != 0, dst, (short) off, src);
                }
                throw c.unknown();
            }
            case CLS_LD -> {
                if (op == LDDW) {
                    c.reg("dst", dst).zero("offset", off);
                    if (src > PSEUDO_MAP_IDX_VALUE) throw c.fail("unknown lddw source " + src);
                    if (next == null) throw c.fail("lddw is missing its second half");
                    if (next.opcode() != 0 || next.dst() != 0 || next.src() != 0 || next.offset() != 0)
                        throw c.fail("lddw second half must have zero opcode, registers and offset");
                    // Only the map-value forms and BTF ids (object fd) use the second immediate.
                    if (next.imm() != 0 && (src == PSEUDO_MAP_FD || src == PSEUDO_MAP_IDX || src == PSEUDO_FUNC))
                        throw c.fail("lddw with source " + src + " must have a zero second immediate");
                    yield new LoadImm64(dst, src, imm, next.imm());
                }
                int mode = op & 0xe0;
                Width width = Width.ofCode(op & 0x18);
                if ((mode == MODE_ABS || mode == MODE_IND) && width != Width.DW) {
                    c.zero("dst", dst).zero("offset", off);
                    if (mode == MODE_ABS) c.zero("src", src);
                    else c.reg("src", src);
                    yield new PacketLoad(width, mode == MODE_IND, src, imm);
                }
                throw c.unknown();
            }
            case CLS_JMP, CLS_JMP32 -> decodeJump(c, cls(op) == CLS_JMP, op, dst, src, off, imm);
            default -> throw c.unknown();
        };
    }

    private static Instruction decodeAlu(Checker c, boolean alu64, int op, int dst, int src, int off, int imm) {
        int code = op >>> 4;
        boolean x = (op & SRC_X) != 0;
        c.reg("dst", dst);
        if (code == 0xd) {
            c.zero("src", src).zero("offset", off);
            ByteOrder order;
            if (!alu64) order = x ? ByteOrder.BE : ByteOrder.LE;
            else if (!x) order = ByteOrder.SWAP;
            else throw c.unknown();
            if (imm != 16 && imm != 32 && imm != 64) throw c.fail("byte swap width must be 16, 32 or 64, not " + imm);
            return new Endian(order, imm, dst);
        }
        if (code == 0x8) {
            if (x) throw c.unknown();
            c.zero("src", src).zero("offset", off).zero("imm", imm);
            return Alu.imm(alu64, AluOp.NEG, dst, 0);
        }
        AluOp aop = AluOp.decode(code, off);
        if (aop == null) {
            if (AluOp.decode(code, 0) == null) throw c.unknown();
            throw c.fail("offset " + off + " is not defined for this operation");
        }
        if (!aop.validFor(alu64)) throw c.fail(aop.mnemonic + " has no 32-bit form");
        if (x) {
            c.reg("src", src).zero("imm", imm);
            return Alu.reg(alu64, aop, dst, src);
        }
        if (aop.isSignExtendingMove()) throw c.fail(aop.mnemonic + " needs a register source");
        c.zero("src", src);
        return Alu.imm(alu64, aop, dst, imm);
    }

    private static Instruction decodeJump(Checker c, boolean jmp64, int op, int dst, int src, int off, int imm) {
        int code = op & 0xf0;
        boolean x = (op & SRC_X) != 0;
        if (code == JMP_JA) {
            if (x) throw c.unknown();
            c.zero("dst", dst).zero("src", src);
            if (jmp64) {
                c.zero("imm", imm);
                return new Goto(false, off);
            }
            c.zero("offset", off);
            return new Goto(true, imm);
        }
        if (code == JMP_CALL && jmp64) {
            c.zero("offset", off);
            if (x) {
                c.reg("dst", dst).zero("src", src).zero("imm", imm);
                return new CallRegister(dst);
            }
            c.zero("dst", dst);
            for (CallKind k : CallKind.values()) if (k.src == src) return new Call(k, imm);
            throw c.fail("unknown call kind (src " + src + ")");
        }
        if (code == JMP_EXIT && jmp64) {
            if (x) throw c.unknown();
            c.zero("dst", dst).zero("src", src).zero("offset", off).zero("imm", imm);
            return new Exit();
        }
        if (code == JMP_JCOND) {
            if (!jmp64 || x) throw c.unknown();
            c.zero("dst", dst).zero("imm", imm);
            if (src != JCOND_MAY_GOTO) throw c.fail("unknown conditional kind (src " + src + ")");
            if (off == 0) throw c.fail("may_goto needs a nonzero offset");
            return new MayGoto((short) off);
        }
        JumpOp jop = JumpOp.decode(code >>> 4);
        if (jop == null) throw c.unknown();
        c.reg("dst", dst);
        if (x) {
            c.reg("src", src).zero("imm", imm);
            return new Jump(jmp64, jop, dst, true, src, 0, (short) off);
        }
        c.zero("src", src);
        return new Jump(jmp64, jop, dst, false, 0, imm, (short) off);
    }

    /** Field checks that name the instruction and the field. */
    private record Checker(int index, int opcode) {
        Checker reg(String field, int reg) {
            if (reg > 10) throw fail("bad register r" + reg + " in " + field);
            return this;
        }

        Checker zero(String field, int value) {
            if (value != 0) throw fail("unused field " + field + " must be zero, is " + value);
            return this;
        }

        BytecodeException unknown() { return new BytecodeException(index, String.format("unknown opcode 0x%02x", opcode)); }

        BytecodeException fail(String problem) {
            return new BytecodeException(index, String.format("opcode 0x%02x: %s", opcode, problem));
        }
    }
}
