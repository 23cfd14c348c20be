package dev.bypass.vm.asm;

import dev.bypass.vm.helpers.Kfuncs;
import dev.bypass.vm.isa.*;
import dev.bypass.vm.isa.Instruction.*;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Assembly text to instructions, in the syntax of the eBPF conformance suite:
 * <pre>
 *   mov %r0, 1            add32 %r1, %r2        movsx1664 %r1, %r2     le16 %r1   bswap64 %r1
 *   ldxdw %r0, [%r1+8]    stw [%r10-4], 7       stxb [%r1], %r2        lock fetch add [%r1+0], %r2
 *   lddw %r0, 0x1122334455667788                jeq %r1, 5, label      jsgt32 %r1, %r2, +3
 *   ja label   ja32 label   call 5   call local fn   call %r2   exit
 * </pre>
 * Jump targets are labels ({@code name:} on its own line), relative slot offsets {@code +N}/{@code -N}, or the
 * implicit label {@code exit} (the first {@code exit}). {@code #} starts a comment. Extensions beyond the suite:
 * {@code lddw %r1, map_fd(N)}, {@code map_value(N, OFF)}, {@code map_idx(N)}, {@code map_idx_value(N, OFF)},
 * {@code btf_id(N)}, {@code func(label)}; {@code call kfunc N} or {@code call kfunc NAME} (kfunc; {@code runtime} for {@code kfunc} too); legacy {@code ldabsw imm},
 * {@code ldindw %rS, imm} (b, h, w); {@code gotol} as a synonym of {@code ja32}.
 */
public final class Assembler {
    private Assembler() {}

    /** Assembles text into a checked program. */
    public static Program assemble(String text) {
        List<Instruction> insns = assembleInstructions(text);
        if (insns.isEmpty()) throw new AssemblyException(0, "no instructions");
        try {
            return Program.of(insns);
        } catch (BytecodeException e) {
            throw new AssemblyException(0, e.getMessage());
        }
    }

    private record Pending(int line, String mnemonic, List<String> operands, int slot) {}

    /** Assembles without the whole-program checks (so tests can build deliberately broken programs). */
    public static List<Instruction> assembleInstructions(String text) {
        Map<String, Integer> labels = new HashMap<>();
        List<Pending> pending = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        int slot = 0;
        for (int ln = 0; ln < lines.length; ln++) {
            String line = lines[ln];
            int hash = line.indexOf('#');
            if (hash >= 0) line = line.substring(0, hash);
            line = line.strip();
            if (line.isEmpty()) continue;
            // A label may share a line with an instruction ("loop: add %r1, 1").
            int colon = labelEnd(line);
            if (colon > 0) {
                String label = line.substring(0, colon).strip();
                if (labels.containsKey(label)) throw new AssemblyException(ln + 1, "duplicate label '" + label + "'");
                labels.put(label, slot);
                line = line.substring(colon + 1).strip();
                if (line.isEmpty()) continue;
            }
            int sp = firstSpace(line);
            String mnemonic = (sp < 0 ? line : line.substring(0, sp)).toLowerCase(java.util.Locale.ROOT);
            List<String> operands = sp < 0 ? List.of() : splitOperands(line.substring(sp + 1), ln + 1);
            if (mnemonic.equals("exit") && !labels.containsKey("exit")) labels.put("exit", slot);
            pending.add(new Pending(ln + 1, mnemonic, operands, slot));
            slot += mnemonic.equals("lddw") ? 2 : 1;
        }
        List<Instruction> out = new ArrayList<>(pending.size());
        for (Pending p : pending) {
            try {
                out.add(new LineAssembler(p, labels).assemble());
            } catch (AssemblyException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new AssemblyException(p.line(), e.getMessage());
            }
        }
        return out;
    }

    private static int labelEnd(String line) {
        int colon = line.indexOf(':');
        if (colon <= 0) return -1;
        String candidate = line.substring(0, colon);
        for (int i = 0; i < candidate.length(); i++) {
            char c = candidate.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '$')) return -1;
        }
        return colon;
    }

    private static int firstSpace(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.isWhitespace(s.charAt(i))) return i;
        return -1;
    }

    /** Splits on commas outside brackets and parentheses; "fetch" and the op of "lock" are separated by spaces. */
    private static List<String> splitOperands(String s, int line) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '[' || c == '(') depth++;
            if (c == ']' || c == ')') depth--;
            if ((c == ',' || Character.isWhitespace(c)) && depth == 0) {
                if (!cur.isEmpty()) out.add(cur.toString());
                cur.setLength(0);
                continue;
            }
            cur.append(c);
        }
        if (depth != 0) throw new AssemblyException(line, "unbalanced brackets in '" + s.strip() + "'");
        if (!cur.isEmpty()) out.add(cur.toString());
        return out;
    }

    /** Assembles one line; knows its slot so it can turn labels into relative offsets. */
    private static final class LineAssembler {
        private final Pending p;
        private final Map<String, Integer> labels;
        private final List<String> ops;

        LineAssembler(Pending p, Map<String, Integer> labels) {
            this.p = p;
            this.labels = labels;
            this.ops = p.operands();
        }

        AssemblyException error(String problem) { return new AssemblyException(p.line(), problem); }

        void arity(int n) {
            if (ops.size() != n)
                throw error("'" + p.mnemonic() + "' takes " + n + " operand" + (n == 1 ? "" : "s") + ", got " + ops.size());
        }

        Instruction assemble() {
            String m = p.mnemonic();
            switch (m) {
                case "exit" -> { arity(0); return new Exit(); }
                case "ja" -> { arity(1); return new Goto(false, offset16(target(ops.get(0)))); }
                case "ja32", "gotol" -> { arity(1); return new Goto(true, target(ops.get(0))); }
                case "may_goto" -> {
                    arity(1);
                    int off = offset16(target(ops.get(0)));
                    if (off == 0) throw error("may_goto needs a nonzero offset");
                    return new MayGoto((short) off);
                }
                case "call" -> { return call(); }
                case "lddw" -> { arity(2); return lddw(); }
                case "lock" -> { return atomic(); }
                default -> {}
            }
            if (m.startsWith("ldabs") || m.startsWith("ldind")) return packetLoad(m);
            if (m.startsWith("ldx")) return load(m);
            if (m.startsWith("stx")) return storeReg(m);
            if (m.startsWith("st")) return storeImm(m);
            for (String prefix : List.of("le", "be", "bswap", "swap")) {
                String bits = m.startsWith(prefix) ? m.substring(prefix.length()) : "";
                if (bits.equals("16") || bits.equals("32") || bits.equals("64")) {
                    arity(1);
                    ByteOrder order = switch (prefix) {
                        case "le" -> ByteOrder.LE;
                        case "be" -> ByteOrder.BE;
                        default -> ByteOrder.SWAP;
                    };
                    return new Endian(order, Integer.parseInt(bits), reg(ops.get(0)));
                }
            }
            Instruction jump = jump(m);
            if (jump != null) return jump;
            return alu(m);
        }

        private Instruction alu(String m) {
            boolean alu64 = true;
            String base = m;
            if (m.startsWith("movsx")) {
                String widths = m.substring(5);
                AluOp op = switch (widths) {
                    case "864", "832" -> AluOp.MOVSX8;
                    case "1664", "1632" -> AluOp.MOVSX16;
                    case "3264" -> AluOp.MOVSX32;
                    default -> throw error("unknown mnemonic '" + m + "'");
                };
                alu64 = widths.endsWith("64");
                arity(2);
                return Alu.reg(alu64, op, reg(ops.get(0)), reg(ops.get(1)));
            }
            if (m.endsWith("32")) {
                alu64 = false;
                base = m.substring(0, m.length() - 2);
            } else if (m.endsWith("64")) {
                base = m.substring(0, m.length() - 2);
            }
            AluOp op = null;
            for (AluOp o : AluOp.values()) if (!o.isSignExtendingMove() && o.mnemonic.equals(base)) op = o;
            if (op == null) throw error("unknown mnemonic '" + m + "'");
            if (op == AluOp.NEG) {
                arity(1);
                return Alu.imm(alu64, op, reg(ops.get(0)), 0);
            }
            arity(2);
            int dst = reg(ops.get(0));
            String src = ops.get(1);
            if (isReg(src)) return Alu.reg(alu64, op, dst, reg(src));
            return Alu.imm(alu64, op, dst, imm32(src));
        }

        private Instruction jump(String m) {
            boolean jmp64 = true;
            String base = m;
            if (m.endsWith("32")) {
                jmp64 = false;
                base = m.substring(0, m.length() - 2);
            }
            JumpOp op = JumpOp.ofMnemonic(base);
            if (op == null) return null;
            arity(3);
            int dst = reg(ops.get(0));
            short off = offset16(target(ops.get(2)));
            String src = ops.get(1);
            if (isReg(src)) return new Jump(jmp64, op, dst, true, reg(src), 0, off);
            return new Jump(jmp64, op, dst, false, 0, imm32(src), off);
        }

        private Instruction call() {
            if (ops.size() == 1) {
                String t = ops.get(0);
                if (isReg(t)) return new CallRegister(reg(t));
                return new Call(CallKind.HELPER, imm32(t));
            }
            arity(2);
            return switch (ops.get(0)) {
                case "local" -> new Call(CallKind.LOCAL, target(ops.get(1)));
                case "helper" -> isReg(ops.get(1)) ? new CallRegister(reg(ops.get(1))) : new Call(CallKind.HELPER, imm32(ops.get(1)));
                case "runtime", "kfunc" -> new Call(CallKind.KFUNC, Kfuncs.named(ops.get(1)) != null ? Kfuncs.named(ops.get(1)).id() : imm32(ops.get(1)));
                default -> throw error("unknown call mode '" + ops.get(0) + "' (local, helper, runtime)");
            };
        }

        private Instruction lddw() {
            int dst = reg(ops.get(0));
            String v = ops.get(1);
            int paren = v.indexOf('(');
            if (paren > 0 && v.endsWith(")")) {
                String kind = v.substring(0, paren);
                List<String> args = splitOperands(v.substring(paren + 1, v.length() - 1), p.line());
                IntFunction<String> arg = i -> {
                    if (i >= args.size()) throw error(kind + "(...) needs " + (i + 1) + " argument(s)");
                    return args.get(i);
                };
                return switch (kind) {
                    case "map_fd" -> new LoadImm64(dst, Opcodes.PSEUDO_MAP_FD, imm32(arg.apply(0)), 0);
                    case "map_value" -> new LoadImm64(dst, Opcodes.PSEUDO_MAP_VALUE, imm32(arg.apply(0)), imm32(arg.apply(1)));
                    case "map_idx" -> new LoadImm64(dst, Opcodes.PSEUDO_MAP_IDX, imm32(arg.apply(0)), 0);
                    case "map_idx_value" -> new LoadImm64(dst, Opcodes.PSEUDO_MAP_IDX_VALUE, imm32(arg.apply(0)), imm32(arg.apply(1)));
                    case "btf_id" -> new LoadImm64(dst, Opcodes.PSEUDO_BTF_ID, imm32(arg.apply(0)), args.size() > 1 ? imm32(args.get(1)) : 0);
                    case "func" -> new LoadImm64(dst, Opcodes.PSEUDO_FUNC, target(arg.apply(0)), 0);
                    default -> throw error("unknown lddw source '" + kind + "'");
                };
            }
            return LoadImm64.of(dst, imm64(v));
        }

        private Instruction atomic() {
            // lock [fetch] op[32] [%rD+off], %rS
            List<String> rest = new ArrayList<>(ops);
            boolean fetch = false;
            if (!rest.isEmpty() && rest.get(0).equals("fetch")) {
                fetch = true;
                rest.remove(0);
            }
            if (rest.size() != 3) throw error("'lock' takes [fetch] op [%rD+off], %rS");
            String opName = rest.get(0);
            Width width = Width.DW;
            if (opName.endsWith("32")) {
                width = Width.W;
                opName = opName.substring(0, opName.length() - 2);
            } else if (opName.endsWith("64")) {
                opName = opName.substring(0, opName.length() - 2);
            }
            AtomicOp op = AtomicOp.ofMnemonic(opName);
            if (op == null) throw error("unknown atomic operation '" + rest.get(0) + "'");
            if (op.alwaysFetches()) fetch = true;
            MemOperand mem = mem(rest.get(1));
            return new Atomic(width, op, fetch, mem.reg, mem.offset, reg(rest.get(2)));
        }

        private Instruction packetLoad(String m) {
            boolean indirect = m.startsWith("ldind");
            Width w = Width.ofSuffix(m.substring(5));
            if (w == null || w == Width.DW) throw error("unknown mnemonic '" + m + "'");
            if (indirect) {
                arity(2);
                return new PacketLoad(w, true, reg(ops.get(0)), imm32(ops.get(1)));
            }
            arity(1);
            return new PacketLoad(w, false, 0, imm32(ops.get(0)));
        }

        private Instruction load(String m) {
            boolean signed = m.startsWith("ldxs");
            Width w = Width.ofSuffix(m.substring(signed ? 4 : 3));
            if (w == null || (signed && w == Width.DW)) throw error("unknown mnemonic '" + m + "'");
            arity(2);
            MemOperand mem = mem(ops.get(1));
            return new Load(w, signed, reg(ops.get(0)), mem.reg, mem.offset);
        }

        private Instruction storeReg(String m) {
            Width w = Width.ofSuffix(m.substring(3));
            if (w == null) throw error("unknown mnemonic '" + m + "'");
            arity(2);
            MemOperand mem = mem(ops.get(0));
            return new Store(w, mem.reg, mem.offset, reg(ops.get(1)));
        }

        private Instruction storeImm(String m) {
            Width w = Width.ofSuffix(m.substring(2));
            if (w == null) throw error("unknown mnemonic '" + m + "'");
            arity(2);
            MemOperand mem = mem(ops.get(0));
            return new StoreImm(w, mem.reg, mem.offset, imm32(ops.get(1)));
        }

        private record MemOperand(int reg, short offset) {}

        private MemOperand mem(String s) {
            if (!s.startsWith("[") || !s.endsWith("]")) throw error("expected a memory operand like [%r1+8], got '" + s + "'");
            String inner = s.substring(1, s.length() - 1).replace(" ", "");
            int sign = Math.max(inner.indexOf('+'), inner.indexOf('-'));
            if (sign < 0) return new MemOperand(reg(inner), (short) 0);
            long off = parseInteger(inner.substring(sign));
            if (off < Short.MIN_VALUE || off > Short.MAX_VALUE) throw error("offset " + off + " does not fit 16 bits");
            return new MemOperand(reg(inner.substring(0, sign)), (short) off);
        }

        private boolean isReg(String s) { return s.startsWith("%") || s.matches("r\\d+"); }

        private int reg(String s) {
            String name = s.startsWith("%") ? s.substring(1) : s;
            if (name.matches("r\\d{1,2}")) {
                int r = Integer.parseInt(name.substring(1));
                if (r <= 10) return r;
            }
            throw error("invalid register '" + s + "' (expected %r0..%r10)");
        }

        /** Relative slot offset to a label, a +N/-N literal, or the implicit exit label. */
        private int target(String s) {
            if (s.startsWith("+") || s.startsWith("-")) {
                long v = parseInteger(s);
                if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw error("jump offset " + s + " out of range");
                return (int) v;
            }
            Integer at = labels.get(s);
            if (at == null) throw error("unknown label '" + s + "'");
            return at - (p.slot() + 1);
        }

        private short offset16(int off) {
            if (off < Short.MIN_VALUE || off > Short.MAX_VALUE) throw error("jump offset " + off + " does not fit 16 bits (use ja32)");
            return (short) off;
        }

        private int imm32(String s) {
            long v = parseInteger(s);
            boolean hex = s.toLowerCase(java.util.Locale.ROOT).contains("0x");
            if (hex ? (v < Integer.MIN_VALUE || v > 0xffffffffL) : (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE))
                throw error("immediate " + s + " does not fit 32 bits");
            return (int) v;
        }

        private long imm64(String s) {
            String t = s.toLowerCase(java.util.Locale.ROOT);
            try {
                if (t.startsWith("0x")) return Long.parseUnsignedLong(t.substring(2), 16);
                if (t.startsWith("-0x")) return -Long.parseUnsignedLong(t.substring(3), 16);
                if (t.startsWith("-")) return Long.parseLong(t);
                return Long.parseUnsignedLong(t.startsWith("+") ? t.substring(1) : t);
            } catch (NumberFormatException e) {
                throw error("invalid 64-bit immediate '" + s + "'");
            }
        }

        private long parseInteger(String s) {
            String t = s.toLowerCase(java.util.Locale.ROOT);
            boolean neg = t.startsWith("-");
            if (neg || t.startsWith("+")) t = t.substring(1);
            try {
                long v = t.startsWith("0x") ? Long.parseLong(t.substring(2), 16) : Long.parseLong(t);
                return neg ? -v : v;
            } catch (NumberFormatException e) {
                throw error("invalid number '" + s + "'");
            }
        }
    }
}
