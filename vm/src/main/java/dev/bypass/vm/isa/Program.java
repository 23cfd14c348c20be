package dev.bypass.vm.isa;

import dev.bypass.vm.isa.Instruction.*;
import java.util.Arrays;
import java.util.List;

/**
 * A sequence of instructions addressed by slot, with every jump and local call checked to land on the start of an
 * instruction inside the program. Immutable.
 */
public final class Program {
    private final List<Instruction> instructions;
    /** Instruction at each slot; null on the second slot of {@code lddw}. */
    private final Instruction[] bySlot;
    /** Index into {@link #instructions} of each slot's instruction (the lddw tail maps to its head). */
    private final int[] indexOfSlot;
    private final int[] slotOfIndex;

    private Program(List<Instruction> instructions) {
        this.instructions = List.copyOf(instructions);
        int slots = 0;
        for (Instruction i : this.instructions) slots += i.slots();
        bySlot = new Instruction[slots];
        indexOfSlot = new int[slots];
        slotOfIndex = new int[this.instructions.size()];
        int s = 0;
        for (int k = 0; k < this.instructions.size(); k++) {
            Instruction insn = this.instructions.get(k);
            slotOfIndex[k] = s;
            bySlot[s] = insn;
            indexOfSlot[s] = k;
            if (insn.slots() == 2) indexOfSlot[s + 1] = k;
            s += insn.slots();
        }
    }

    /** Builds a program and checks its control flow targets. */
    public static Program of(List<Instruction> instructions) {
        Program p = new Program(instructions);
        p.checkTargets();
        return p;
    }

    public static Program of(Instruction... instructions) { return of(Arrays.asList(instructions)); }

    private void checkTargets() {
        if (bySlot.length == 0) throw new BytecodeException(-1, "program is empty");
        for (int s = 0; s < bySlot.length; s++) {
            Instruction insn = bySlot[s];
            if (insn == null) continue;
            long target = switch (insn) {
                case Jump j -> (long) s + 1 + j.offset();
                case Goto g -> (long) s + 1 + g.offset();
                case MayGoto m -> (long) s + 1 + m.offset();
                case Call c when c.kind() == CallKind.LOCAL -> (long) s + 1 + c.imm();
                case LoadImm64 l when l.pseudo() == Opcodes.PSEUDO_FUNC -> (long) s + 1 + l.imm();
                default -> -2;
            };
            if (target == -2) continue;
            if (target < 0 || target >= bySlot.length)
                throw new BytecodeException(s, "jump target " + target + " is outside the program (0.." + (bySlot.length - 1) + ")");
            if (bySlot[(int) target] == null)
                throw new BytecodeException(s, "jump target " + target + " is the second half of lddw");
        }
    }

    public List<Instruction> instructions() { return instructions; }

    public int slotCount() { return bySlot.length; }

    /** The instruction starting at {@code slot}, or null if the slot is the second half of {@code lddw}. */
    public Instruction at(int slot) { return bySlot[slot]; }

    public int slotOf(int index) { return slotOfIndex[index]; }

    public int indexOfSlot(int slot) { return indexOfSlot[slot]; }

    public long[] words() { return Encoder.words(instructions); }

    public byte[] bytes() { return Encoder.bytes(instructions); }

    @Override public boolean equals(Object o) { return o instanceof Program p && p.instructions.equals(instructions); }

    @Override public int hashCode() { return instructions.hashCode(); }

    @Override public String toString() { return "Program[" + instructions.size() + " instructions, " + bySlot.length + " slots]"; }
}
