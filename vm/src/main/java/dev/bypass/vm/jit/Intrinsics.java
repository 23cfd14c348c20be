package dev.bypass.vm.jit;

import static org.objectweb.asm.Opcodes.*;

import dev.bypass.vm.semantics.Ops;
import dev.bypass.vm.semantics.Semantics;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Emits the operations of the opcode table ({@link Semantics}) into compiled programs. The declaration of each
 * operation is a static method of {@link Ops}; this copies that method's own bytecode in place of a call when it is
 * small (a 64-bit add becomes one {@code LADD}, a signed compare-and-branch one {@code LCMP; IFGT}), and calls the
 * method otherwise. Copying rather than calling matters for large programs: HotSpot stops inlining calls in a
 * method once it has inlined a few thousand bytes, and a compiled chunk holds hundreds of operations.
 *
 * <p>Nothing here restates what an operation means: the bytes come from {@code Ops.class}, so the JIT, the
 * interpreter (which calls the same methods) and constant folding cannot disagree.
 */
final class Intrinsics {
    private Intrinsics() {}

    /** Methods with at most this many bytes of code are copied; larger ones are called (C2 inlines those when hot). */
    static final int COPY_LIMIT = 40;

    /** Ops's method bodies by name + descriptor, parsed once. */
    private static final Map<String, Body> BODIES = new HashMap<>();

    static {
        ClassNode cn = new ClassNode();
        try (InputStream in = Ops.class.getResourceAsStream(Ops.class.getSimpleName() + ".class")) {
            if (in == null) throw new IllegalStateException("Ops.class is not readable");
            new ClassReader(in).accept(cn, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
        for (MethodNode m : cn.methods) if ((m.access & ACC_STATIC) != 0) BODIES.put(m.name + m.desc, Body.of(m));
    }

    /** Emits {@code op} applied to the operands on the operand stack (in parameter order); leaves its result there. */
    static void apply(MethodVisitor mv, Semantics.Impl op, int scratch) {
        Body b = BODIES.get(op.name() + op.descriptor());
        if (b == null || !b.copyable) {
            mv.visitMethodInsn(INVOKESTATIC, op.owner(), op.name(), op.descriptor(), false);
            return;
        }
        b.emit(mv, scratch, b.code.size(), true);
    }

    /**
     * Emits a jump to {@code target} taken when the condition {@code cond} holds for the two operands on the stack.
     * A condition compiled by javac as {@code <test>; IFxx L0; ICONST_1; GOTO L1; L0: ICONST_0; L1: IRETURN} becomes
     * {@code <test>; IF!xx target}; any other shape is copied whole and followed by {@code IFNE target}.
     */
    static void branch(MethodVisitor mv, Semantics.Impl cond, Label target, int scratch) {
        Body b = BODIES.get(cond.name() + cond.descriptor());
        int test = b == null ? -1 : b.booleanTest();
        if (test < 0) {
            apply(mv, cond, scratch);
            mv.visitJumpInsn(IFNE, target);
            return;
        }
        b.emit(mv, scratch, test, false);
        mv.visitJumpInsn(negate(b.code.get(test).getOpcode()), target);
    }

    private static int negate(int jump) {
        return switch (jump) {
            case IFEQ -> IFNE;
            case IFNE -> IFEQ;
            case IFLT -> IFGE;
            case IFGE -> IFLT;
            case IFGT -> IFLE;
            case IFLE -> IFGT;
            case IF_ICMPEQ -> IF_ICMPNE;
            case IF_ICMPNE -> IF_ICMPEQ;
            case IF_ICMPLT -> IF_ICMPGE;
            case IF_ICMPGE -> IF_ICMPLT;
            case IF_ICMPGT -> IF_ICMPLE;
            case IF_ICMPLE -> IF_ICMPGT;
            default -> throw new IllegalStateException("not a conditional jump: " + jump);
        };
    }

    /** A method body: its instructions without line numbers and frames, and how its parameters are laid out. */
    private record Body(List<AbstractInsnNode> code, Type[] params, int[] paramSlots, boolean operandsInPlace, boolean copyable) {

        static Body of(MethodNode m) {
            List<AbstractInsnNode> code = new ArrayList<>();
            for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext())
                if (n.getOpcode() >= 0 || n instanceof LabelNode) code.add(n);
            Type[] params = Type.getArgumentTypes(m.desc);
            int[] slots = new int[params.length];
            for (int i = 0, at = 0; i < params.length; at += params[i].getSize(), i++) slots[i] = at;
            boolean copyable = m.tryCatchBlocks.isEmpty() && size(code) <= COPY_LIMIT;
            return new Body(code, params, slots, inPlace(code, params, slots), copyable);
        }

        /**
         * True when the body starts by loading its parameters once each, in order, and never touches them again
         * (and nothing jumps back to before that): the operands already on the stack can then be used as they are.
         */
        private static boolean inPlace(List<AbstractInsnNode> code, Type[] params, int[] slots) {
            int i = 0, p = 0;
            for (; p < params.length; i++) {
                if (i >= code.size()) return false;
                AbstractInsnNode n = code.get(i);
                if (n instanceof LabelNode) return false;
                if (!(n instanceof VarInsnNode v) || v.var != slots[p] || v.getOpcode() != params[p].getOpcode(ILOAD)) return false;
                p++;
            }
            int paramWords = params.length == 0 ? 0 : slots[params.length - 1] + params[params.length - 1].getSize();
            for (; i < code.size(); i++) {
                AbstractInsnNode n = code.get(i);
                if (n instanceof VarInsnNode v && v.var < paramWords || n instanceof IincInsnNode c && c.var < paramWords) return false;
            }
            return true;
        }

        private int prologue() { return operandsInPlace ? params.length : 0; }

        /**
         * Emits the first {@code count} instructions after the parameters' prologue, with locals moved to
         * {@code scratch} and upwards; {@code returns}: the body's returns end the copy (a final one falls through).
         */
        void emit(MethodVisitor mv, int scratch, int count, boolean returns) {
            if (!operandsInPlace) // the operands go from the stack into the parameters' (moved) slots
                for (int p = params.length - 1; p >= 0; p--) mv.visitVarInsn(params[p].getOpcode(ISTORE), scratch + paramSlots[p]);
            Map<LabelNode, Label> labels = new IdentityHashMap<>();
            Label end = null;
            int last = lastInstruction();
            for (int i = prologue(); i < count; i++) {
                AbstractInsnNode n = code.get(i);
                switch (n) {
                    case LabelNode l -> mv.visitLabel(label(labels, l));
                    case VarInsnNode v -> mv.visitVarInsn(v.getOpcode(), scratch + v.var);
                    case IincInsnNode c -> mv.visitIincInsn(scratch + c.var, c.incr);
                    case JumpInsnNode j -> mv.visitJumpInsn(j.getOpcode(), label(labels, j.label));
                    case TableSwitchInsnNode t -> mv.visitTableSwitchInsn(t.min, t.max, label(labels, t.dflt), labels(labels, t.labels));
                    case LookupSwitchInsnNode t -> mv.visitLookupSwitchInsn(label(labels, t.dflt),
                            t.keys.stream().mapToInt(Integer::intValue).toArray(), labels(labels, t.labels));
                    default -> {
                        if (returns && n.getOpcode() >= IRETURN && n.getOpcode() <= RETURN) {
                            if (i != last) {
                                if (end == null) end = new Label();
                                mv.visitJumpInsn(GOTO, end);
                            }
                        } else {
                            n.accept(mv);
                        }
                    }
                }
            }
            if (end != null) mv.visitLabel(end);
        }

        private int lastInstruction() {
            for (int i = code.size() - 1; i >= 0; i--) if (code.get(i).getOpcode() >= 0) return i;
            return -1;
        }

        /** The index of the test's conditional jump when the body is a javac boolean test (see {@link #branch}); else -1. */
        int booleanTest() {
            int n = code.size();
            // ... IFxx L0, ICONST_1, GOTO L1, L0, ICONST_0, L1, IRETURN
            if (n < 7 || code.get(n - 1).getOpcode() != IRETURN || !(code.get(n - 2) instanceof LabelNode l1)
                    || code.get(n - 3).getOpcode() != ICONST_0 || !(code.get(n - 4) instanceof LabelNode l0)
                    || !(code.get(n - 5) instanceof JumpInsnNode g) || g.getOpcode() != GOTO || g.label != l1
                    || code.get(n - 6).getOpcode() != ICONST_1 || !(code.get(n - 7) instanceof JumpInsnNode test) || test.label != l0)
                return -1;
            int op = test.getOpcode();
            if (op < IFEQ || op > IF_ICMPLE) return -1;
            for (int i = 0; i < n - 7; i++) { // the test itself is straight-line code
                AbstractInsnNode x = code.get(i);
                if (x instanceof LabelNode || x instanceof JumpInsnNode || x instanceof TableSwitchInsnNode
                        || x instanceof LookupSwitchInsnNode || x.getOpcode() >= IRETURN && x.getOpcode() <= RETURN) return -1;
            }
            return n - 7;
        }

        private static Label label(Map<LabelNode, Label> labels, LabelNode l) { return labels.computeIfAbsent(l, x -> new Label()); }

        private static Label[] labels(Map<LabelNode, Label> labels, List<LabelNode> ls) {
            Label[] out = new Label[ls.size()];
            for (int i = 0; i < out.length; i++) out[i] = label(labels, ls.get(i));
            return out;
        }
    }

    /** An upper bound of the bytes {@code code} occupies in a method (see {@link CodeSize}). */
    private static int size(List<AbstractInsnNode> code) {
        int total = 0;
        for (AbstractInsnNode n : code) total += CodeSize.of(n);
        return total;
    }
}
