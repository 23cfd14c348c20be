package dev.bypass.vm.jit;

import static org.objectweb.asm.Opcodes.*;

import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * How many bytes of JVM code an instruction takes once written (JVMS 6.5), as an upper bound: a constant load counts
 * as the 3-byte wide form, a switch with its largest padding. The compiler measures each method before it adds it to
 * the class, so a method that would be too large for HotSpot to compile is split there and then instead of after
 * the whole class was written.
 */
final class CodeSize {
    private CodeSize() {}

    static int of(MethodNode m) {
        int total = 0;
        for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) total += of(n);
        return total;
    }

    static int of(AbstractInsnNode n) {
        return switch (n.getType()) {
            case AbstractInsnNode.LABEL, AbstractInsnNode.LINE, AbstractInsnNode.FRAME -> 0;
            case AbstractInsnNode.INSN -> 1;
            case AbstractInsnNode.INT_INSN -> ((IntInsnNode) n).getOpcode() == SIPUSH ? 3 : 2;
            case AbstractInsnNode.VAR_INSN -> {
                int var = ((VarInsnNode) n).var;
                yield var <= 3 ? 1 : var <= 255 ? 2 : 4;
            }
            case AbstractInsnNode.IINC_INSN -> {
                IincInsnNode i = (IincInsnNode) n;
                yield i.var <= 255 && i.incr >= Byte.MIN_VALUE && i.incr <= Byte.MAX_VALUE ? 3 : 6;
            }
            case AbstractInsnNode.TYPE_INSN, AbstractInsnNode.FIELD_INSN, AbstractInsnNode.JUMP_INSN, AbstractInsnNode.LDC_INSN -> 3;
            case AbstractInsnNode.METHOD_INSN -> n.getOpcode() == INVOKEINTERFACE ? 5 : 3;
            case AbstractInsnNode.INVOKE_DYNAMIC_INSN -> 5;
            case AbstractInsnNode.MULTIANEWARRAY_INSN -> 4;
            case AbstractInsnNode.TABLESWITCH_INSN -> 16 + 4 * ((TableSwitchInsnNode) n).labels.size();
            case AbstractInsnNode.LOOKUPSWITCH_INSN -> 12 + 8 * ((LookupSwitchInsnNode) n).labels.size();
            default -> throw new IllegalArgumentException("unknown instruction type " + n.getType());
        };
    }
}
