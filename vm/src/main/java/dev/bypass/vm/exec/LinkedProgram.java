package dev.bypass.vm.exec;

import dev.bypass.vm.LoadException;
import dev.bypass.vm.memory.Pointers;
import dev.bypass.vm.memory.RegionTable;
import dev.bypass.vm.memory.SharedObject;
import dev.bypass.vm.memory.SharedObjects;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.helpers.HelperSpec;
import dev.bypass.vm.helpers.Kfuncs;
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
    private final RegionTable regions;

    private LinkedProgram(String name, Program program, long[] words, HelperSpec[] helperAt, HelperRegistry helpers,
                          boolean[] functionEntry, RegionTable regions) {
        this.regions = regions;
        this.name = name;
        this.program = program;
        this.words = words;
        this.helperAt = helperAt;
        this.helpers = helpers;
        this.functionEntry = functionEntry;
    }

    /**
     * Links a program: every helper it calls must exist in {@code helpers} (an unknown id is a load error, not a
     * run-time crash) and every pseudo {@code lddw} must resolve. The maps the resolver names go into the program's
     * {@link RegionTable} ({@link PseudoResolver#regionTable()}, shared by an object's programs), and the program
     * loads its handles and pointers relative to that table: it can name nothing else.
     */
    public static LinkedProgram link(String name, Program program, HelperRegistry helpers, PseudoResolver resolver) {
        RegionTable table = resolver.regionTable();
        if (table == null) table = new RegionTable();
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
                case Call c -> {
                    HelperSpec kfunc = Kfuncs.get(c.imm());
                    if (kfunc == null) throw new LoadException("instruction " + s + ": call to kernel function (kfunc) id " + c.imm()
                            + ", which this runtime does not provide (it provides " + String.join(", ", Kfuncs.names()) + ")");
                    helperAt[s] = kfunc; // run as a helper is: arguments r1-r5, result r0
                }
                case LoadImm64 l -> {
                    long value = switch (l.pseudo()) {
                        case Opcodes.PSEUDO_IMM64 -> l.value();
                        case Opcodes.PSEUDO_FUNC -> {
                            int target = s + 1 + l.imm();
                            entry[target] = true;
                            yield Pointers.code(target);
                        }
                        case Opcodes.PSEUDO_MAP_FD, Opcodes.PSEUDO_MAP_IDX -> handleIn(table, s, resolver.resolve(s, l));
                        case Opcodes.PSEUDO_MAP_VALUE, Opcodes.PSEUDO_MAP_IDX_VALUE -> pointerIn(table, s, resolver.resolve(s, l));
                        default -> resolver.resolve(s, l);
                    };
                    RawInstruction head = RawInstruction.of(words[s]);
                    words[s] = new RawInstruction(Opcodes.LDDW, head.dst(), 0, (short) 0, (int) value).word();
                    words[s + 1] = new RawInstruction(0, 0, 0, (short) 0, (int) (value >>> 32)).word();
                }
                default -> {}
            }
        }
        return new LinkedProgram(name, program, words, helperAt, helpers, entry, table);
    }

    /** The program's handle for the map a resolver's host handle names. */
    private static long handleIn(RegionTable table, int slot, long hostHandle) {
        SharedObject o = Pointers.region(hostHandle) == Pointers.MAP_HANDLE_REGION ? SharedObjects.get((int) hostHandle) : null;
        if (o == null) throw new LoadException("instruction " + slot + ": the map reference resolved to 0x" + Long.toHexString(hostHandle)
                + ", which is not the handle of a live map");
        return RegionTable.handle(table.indexOf(o));
    }

    /** The program's pointer for a host pointer into a map's values. */
    private static long pointerIn(RegionTable table, int slot, long hostPointer) {
        SharedObject o = SharedObjects.ofHostPointer(hostPointer);
        if (o == null || o.programRegion() == null) throw new LoadException("instruction " + slot + ": the map value reference resolved to 0x"
                + Long.toHexString(hostPointer) + ", which is not a pointer into a live map's values");
        return RegionTable.pointer(table.indexOf(o), Pointers.offset(hostPointer));
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

    /** The maps this program was handed, by the index its handles and shared-region pointers use. */
    public RegionTable regions() { return regions; }

    /** True where a subprogram starts (slot 0, targets of local calls and of function pointers). */
    public boolean isFunctionEntry(int slot) { return functionEntry[slot]; }

    /** The resolved 64-bit value of the lddw at {@code slot}. */
    public long constantAt(int slot) { return (words[slot] >>> 32) | (words[slot + 1] & 0xffffffff00000000L); }

    public int slotCount() { return words.length; }
}
