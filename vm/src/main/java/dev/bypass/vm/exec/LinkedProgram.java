package dev.bypass.vm.exec;

import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.helpers.HelperSpec;
import dev.bypass.vm.isa.Instruction;
import dev.bypass.vm.isa.Instruction.Call;
import dev.bypass.vm.isa.Instruction.CallKind;
import dev.bypass.vm.isa.Instruction.LoadImm64;
import dev.bypass.vm.isa.Opcodes;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.isa.RawInstruction;

/**
 * A program ready for an engine: helper calls bound to implementations, {@code lddw} pseudo forms resolved to
 * their values, subprogram entries known. Both the interpreter and the JIT start from this, so they agree on what
 * every instruction means. Immutable and shareable between threads.
 */
public final class LinkedProgram {
    private final String name;
    private final Program program;
    private final long[] words;
    private final HelperSpec[] helperAt;
    private final HelperRegistry helpers;
    private final boolean[] functionEntry;

    private LinkedProgram(String name, Program program, long[] words, HelperSpec[] helperAt, HelperRegistry helpers,
                          boolean[] functionEntry) {
        this.name = name;
        this.program = program;
        this.words = words;
        this.helperAt = helperAt;
        this.helpers = helpers;
        this.functionEntry = functionEntry;
    }

    /**
     * Links a program: every helper it calls must exist in {@code helpers} (an unknown id is a load error, not a
     * run-time crash) and every pseudo {@code lddw} must resolve.
     */
    public static LinkedProgram link(String name, Program program, HelperRegistry helpers, PseudoResolver resolver) {
        int n = program.slotCount();
        long[] words = program.words();
        HelperSpec[] helperAt = new HelperSpec[n];
        boolean[] entry = new boolean[n];
        entry[0] = true;
        for (int s = 0; s < n; s++) {
            Instruction insn = program.at(s);
            switch (insn) {
                case null -> {}
                case Call c when c.kind() == CallKind.HELPER -> {
                    HelperSpec spec = helpers.get(c.imm());
                    if (spec == null) throw new LoadException("instruction " + s + ": unknown helper id " + c.imm());
                    helperAt[s] = spec;
                }
                case Call c when c.kind() == CallKind.LOCAL -> entry[s + 1 + c.imm()] = true;
                case Call c -> throw new LoadException("instruction " + s + ": calls to kernel functions (kfunc BTF id "
                        + c.imm() + ") are not supported");
                case LoadImm64 l -> {
                    long value = switch (l.pseudo()) {
                        case Opcodes.PSEUDO_IMM64 -> l.value();
                        case Opcodes.PSEUDO_FUNC -> {
                            int target = s + 1 + l.imm();
                            entry[target] = true;
                            yield Pointers.code(target);
                        }
                        default -> resolver.resolve(s, l);
                    };
                    RawInstruction head = RawInstruction.of(words[s]);
                    words[s] = new RawInstruction(Opcodes.LDDW, head.dst(), 0, (short) 0, (int) value).word();
                    words[s + 1] = new RawInstruction(0, 0, 0, (short) 0, (int) (value >>> 32)).word();
                }
                default -> {}
            }
        }
        return new LinkedProgram(name, program, words, helperAt, helpers, entry);
    }

    public static LinkedProgram link(String name, Program program, HelperRegistry helpers) {
        return link(name, program, helpers, PseudoResolver.NONE);
    }

    public String name() { return name; }

    public Program program() { return program; }

    /** Encoded slots with every lddw carrying its resolved 64-bit value and pseudo source 0. Do not modify. */
    public long[] words() { return words; }

    /** The helper called at {@code slot}, or null when the slot is not a helper call. */
    public HelperSpec helperAt(int slot) { return helperAt[slot]; }

    public HelperRegistry helpers() { return helpers; }

    /** True where a subprogram starts (slot 0, targets of local calls and of function pointers). */
    public boolean isFunctionEntry(int slot) { return functionEntry[slot]; }

    /** The resolved 64-bit value of the lddw at {@code slot}. */
    public long constantAt(int slot) { return (words[slot] >>> 32) | (words[slot + 1] & 0xffffffff00000000L); }

    public int slotCount() { return words.length; }
}
