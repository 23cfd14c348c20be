package dev.bypass.vm.jit;

import static org.objectweb.asm.Opcodes.*;

import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.exec.Memory;
import dev.bypass.vm.facts.AccessFact;
import dev.bypass.vm.facts.ProgramFacts;
import dev.bypass.vm.facts.RegisterType;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.helpers.HelperSpec;
import dev.bypass.vm.isa.AluOp;
import dev.bypass.vm.isa.AtomicOp;
import dev.bypass.vm.isa.ByteOrder;
import dev.bypass.vm.isa.Instruction;
import dev.bypass.vm.isa.Instruction.*;
import dev.bypass.vm.isa.JumpOp;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.isa.Registers;
import dev.bypass.vm.isa.Width;
import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodTooLargeException;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Type;

/**
 * Compiles a linked program to a hidden JVM class: one static method per bpf-to-bpf function, eBPF registers as
 * JVM {@code long} locals, arithmetic and branches as plain bytecode (division, shifts and byte swaps call the one
 * semantics table, {@code Ops}, which C2 inlines), memory through {@link JitSupport}'s checked accessors, helpers
 * called directly. Taken backward jumps and calls pay the budget exactly as in the interpreter, so both engines
 * agree on every observable result, including errors.
 *
 * <p>With the verifier's facts ({@link ProgramFacts#verified()}), code the verifier proved unreachable is not
 * emitted, and loads and stores it proved to hit the current frame at a constant offset read and write the stack's
 * backing {@code long[]} directly (one array access, no pointer decoding; the index is still checked by the JVM).
 * Without facts every access goes through {@link Memory}'s checked accessors.
 *
 * <p>HotSpot never compiles methods over {@link #MAX_HOT_METHOD_BYTES} of bytecode (they would run slower in the
 * JVM's bytecode interpreter than in ours), so long functions are split: each chunk of consecutive slots becomes
 * its own method, taking the registers from an array and returning the slot to continue at, and the function's
 * method loops over the chunks. Jumps inside a chunk stay plain jumps. Chunks are halved until every method fits.
 *
 * <p>Programs the compiler cannot express (a jump between functions, a function that can run into the next one,
 * or no split small enough) are reported with {@link Unsupported}; the caller then keeps the interpreter.
 */
public final class JitCompiler {
    private JitCompiler() {}

    /** This program is run by the interpreter instead; the message says why. */
    public static final class Unsupported extends Exception {
        Unsupported(String message) { super(message, null, false, false); }
    }

    private static final AtomicLong COUNTER = new AtomicLong();
    private static final String OPS = "dev/bypass/vm/semantics/Ops";
    private static final String SUPPORT = Type.getInternalName(JitSupport.class);
    private static final String ENGINE = Type.getDescriptor(Engine.class);
    private static final String STATE = Type.getDescriptor(ExecutionState.class);
    private static final String MEMORY = Type.getDescriptor(Memory.class);
    private static final String FN_DESC = "(" + ENGINE + STATE + MEMORY + "IIJJJJJ)J";
    private static final String RUN_DESC = "(" + ENGINE + STATE + MEMORY + "IIJJJJJ)J";
    /** A chunk of a split function: (self, state, memory, depth, base, registers, entry slot) to the next slot or -1. */
    private static final String CHUNK_DESC = "(" + ENGINE + STATE + MEMORY + "II[JI)I";

    // Local variable slots of a function method.
    private static final int SELF = 0, ST = 1, MEM = 2, DEPTH = 3, BASE = 4, BUDGET = 25, STACK = 29, FRAME_WORD = 30,
            REGS = 31, ENTRY = 32, ADDRESS = 33, OFFSET = 35, FIRST_FRAME_LOCAL = 37;

    /** HotSpot's limit for compiling a method ({@code -XX:+DontCompileHugeMethods}, 8000 bytes of bytecode). */
    public static final int MAX_HOT_METHOD_BYTES = 8000;
    private static final int[] REG = {15, 5, 7, 9, 11, 13, 17, 19, 21, 23, 27};

    /** The compiled entry point of a program: runs the function starting at {@code entry}. */
    public interface Compiled {
        long run(Engine self, ExecutionState st, Memory mem, int entry, int baseDepth, long r1, long r2, long r3, long r4, long r5);
    }

    public static Compiled compile(LinkedProgram linked) throws Unsupported { return compile(linked, ProgramFacts.NONE); }

    /** Compiles {@code linked}, using {@code facts} when they come from a successful verification of it. */
    public static Compiled compile(LinkedProgram linked, ProgramFacts facts) throws Unsupported {
        return compile(linked, facts, FIRST_CHUNK_SLOTS);
    }

    /** As {@link #compile(LinkedProgram, ProgramFacts)}, splitting functions longer than {@code chunkSlots} (tests split small ones). */
    static Compiled compile(LinkedProgram linked, ProgramFacts facts, int chunkSlots) throws Unsupported {
        if (!facts.verified()) facts = ProgramFacts.NONE;
        Program program = linked.program();
        int n = program.slotCount();
        List<Integer> entries = new ArrayList<>();
        for (int s = 0; s < n; s++) if (linked.isFunctionEntry(s)) entries.add(s);
        String name = "dev/bypass/vm/jit/BpfProgram" + COUNTER.incrementAndGet();
        for (int chunk = chunkSlots; ; chunk /= 2) {
            if (chunk < Math.min(MIN_CHUNK_SLOTS, chunkSlots)) throw new Unsupported("no split of its functions fits HotSpot's compile limit of " + MAX_HOT_METHOD_BYTES + " bytes");
            try {
                return load(linked, emitClass(linked, facts, name, entries, chunk), name);
            } catch (TooLarge e) {
                // split smaller
            }
        }
    }

    /** A method of the class came out larger than HotSpot compiles: split the functions into smaller chunks. */
    private static final class TooLarge extends Exception {
        TooLarge() { super(null, null, false, false); }
    }

    /** Slots per chunk on the first attempt: functions longer than this are split; halved while a method is too large. */
    static final int FIRST_CHUNK_SLOTS = 600, MIN_CHUNK_SLOTS = 16;

    private static byte[] emitClass(LinkedProgram linked, ProgramFacts facts, String name, List<Integer> entries, int chunk)
            throws Unsupported, TooLarge {
        int n = linked.program().slotCount();
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(V21, ACC_PUBLIC | ACC_FINAL | ACC_SUPER, name, null, "java/lang/Object", new String[] {Type.getInternalName(Compiled.class)});
        cw.visitField(ACC_STATIC | ACC_PRIVATE, "HELPERS", Type.getDescriptor(HelperSpec[].class), null, null).visitEnd();
        cw.visitField(ACC_STATIC | ACC_PRIVATE, "REGISTRY", Type.getDescriptor(HelperRegistry.class), null, null).visitEnd();
        constructor(cw);
        run(cw, name, entries);
        for (int i = 0; i < entries.size(); i++) {
            int from = entries.get(i), to = i + 1 < entries.size() ? entries.get(i + 1) : n;
            if (to - from <= chunk) {
                new FunctionEmitter(cw, name, linked, facts, from, to, from, to).emit();
                continue;
            }
            List<Integer> starts = new ArrayList<>();
            for (int c = from; c < to; c += chunk) starts.add(c);
            dispatcher(cw, name, from, to, starts);
            for (int c = 0; c < starts.size(); c++) {
                int cFrom = starts.get(c), cTo = c + 1 < starts.size() ? starts.get(c + 1) : to;
                new FunctionEmitter(cw, name, linked, facts, from, to, cFrom, cTo).emit();
            }
        }
        byte[] bytes;
        try {
            bytes = cw.toByteArray();
        } catch (MethodTooLargeException e) {
            throw new TooLarge();
        }
        if (largestMethod(bytes) > MAX_HOT_METHOD_BYTES) throw new TooLarge();
        return bytes;
    }

    private static Compiled load(LinkedProgram linked, byte[] bytes, String name) {
        int n = linked.program().slotCount();
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup().defineHiddenClass(bytes, true);
            Class<?> c = lookup.lookupClass();
            HelperSpec[] helpers = new HelperSpec[n];
            for (int s = 0; s < n; s++) helpers[s] = linked.helperAt(s);
            lookup.findStaticVarHandle(c, "HELPERS", HelperSpec[].class).set(helpers);
            lookup.findStaticVarHandle(c, "REGISTRY", HelperRegistry.class).set(linked.helpers());
            return (Compiled) lookup.findConstructor(c, java.lang.invoke.MethodType.methodType(void.class)).invoke();
        } catch (Throwable t) {
            throw new IllegalStateException("compiled class for " + linked.name() + " failed to load: " + t, t);
        }
    }

    /** The largest code_length of the class's methods (JVMS 4.7.3), read from the class file's method table. */
    static int largestMethod(byte[] bytes) {
        ClassReader cr = new ClassReader(bytes);
        char[] buf = new char[cr.getMaxStringLength()];
        int at = cr.header + 6, largest = 0;
        at += 2 + 2 * cr.readUnsignedShort(at); // interfaces
        for (int pass = 0; pass < 2; pass++) { // fields, then methods
            int count = cr.readUnsignedShort(at);
            at += 2;
            for (int i = 0; i < count; i++) {
                int attributes = cr.readUnsignedShort(at + 6);
                at += 8;
                for (int a = 0; a < attributes; a++) {
                    String attr = cr.readUTF8(at, buf);
                    int length = cr.readInt(at + 2);
                    if (pass == 1 && attr.equals("Code")) largest = Math.max(largest, cr.readInt(at + 10));
                    at += 6 + length;
                }
            }
        }
        return largest;
    }

    /**
     * The method of a split function: runs its chunks until one returns -1 (exit). Registers live in a {@code long[]}
     * between chunks; each chunk returns the slot to continue at.
     */
    private static void dispatcher(ClassWriter cw, String name, int from, int to, List<Integer> starts) {
        MethodVisitor mv = cw.visitMethod(ACC_PRIVATE | ACC_STATIC, "f" + from, FN_DESC, null, null);
        mv.visitCode();
        // self=0, st=1, mem=2, depth=3, base=4, r1..r5 = 5,7,9,11,13; registers array 15, slot 16
        mv.visitIntInsn(BIPUSH, 11);
        mv.visitIntInsn(NEWARRAY, T_LONG);
        mv.visitVarInsn(ASTORE, 15);
        for (int r = 1; r <= 5; r++) {
            mv.visitVarInsn(ALOAD, 15);
            mv.visitIntInsn(BIPUSH, r);
            mv.visitVarInsn(LLOAD, 5 + 2 * (r - 1));
            mv.visitInsn(LASTORE);
        }
        mv.visitLdcInsn(from);
        mv.visitVarInsn(ISTORE, 16);
        Label loop = new Label(), done = new Label();
        mv.visitLabel(loop);
        mv.visitVarInsn(ILOAD, 16);
        mv.visitJumpInsn(IFLT, done);
        for (int c = starts.size() - 1; c >= 0; c--) {
            Label next = new Label();
            mv.visitVarInsn(ILOAD, 16);
            mv.visitLdcInsn(starts.get(c));
            mv.visitJumpInsn(IF_ICMPLT, next);
            for (int v = 0; v <= 4; v++) mv.visitVarInsn(v <= 2 ? ALOAD : ILOAD, v);
            mv.visitVarInsn(ALOAD, 15);
            mv.visitVarInsn(ILOAD, 16);
            mv.visitMethodInsn(INVOKESTATIC, name, "c" + starts.get(c), CHUNK_DESC, false);
            mv.visitVarInsn(ISTORE, 16);
            mv.visitJumpInsn(GOTO, loop);
            mv.visitLabel(next);
        }
        mv.visitJumpInsn(GOTO, done); // below the function's first slot: cannot happen
        mv.visitLabel(done);
        mv.visitVarInsn(ALOAD, 15);
        mv.visitInsn(ICONST_0);
        mv.visitInsn(LALOAD);
        mv.visitInsn(LRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    /** Throws a new {@code type} (an exception with a String constructor) with {@code message}. */
    private static void throwNew(MethodVisitor mv, String type, String message) {
        mv.visitTypeInsn(NEW, type);
        mv.visitInsn(DUP);
        mv.visitLdcInsn(message);
        mv.visitMethodInsn(INVOKESPECIAL, type, "<init>", "(Ljava/lang/String;)V", false);
        mv.visitInsn(ATHROW);
    }

    private static void constructor(ClassWriter cw) {
        MethodVisitor mv = cw.visitMethod(ACC_PUBLIC, "<init>", "()V", null, null);
        mv.visitCode();
        mv.visitVarInsn(ALOAD, 0);
        mv.visitMethodInsn(INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        mv.visitInsn(RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    /** {@code run}: a switch from entry slot to the function's method. */
    private static void run(ClassWriter cw, String name, List<Integer> entries) {
        MethodVisitor mv = cw.visitMethod(ACC_PUBLIC | ACC_FINAL, "run", RUN_DESC, null, null);
        mv.visitCode();
        // this=0, self=1, st=2, mem=3, entry=4, base=5, r1..r5 = 6,8,10,12,14
        Label bad = new Label();
        Label[] labels = new Label[entries.size()];
        int[] keys = new int[entries.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = new Label();
            keys[i] = entries.get(i);
        }
        mv.visitVarInsn(ILOAD, 4);
        mv.visitLookupSwitchInsn(bad, keys, labels);
        for (int i = 0; i < labels.length; i++) {
            mv.visitLabel(labels[i]);
            mv.visitVarInsn(ALOAD, 1);
            mv.visitVarInsn(ALOAD, 2);
            mv.visitVarInsn(ALOAD, 3);
            mv.visitVarInsn(ILOAD, 5); // depth = base
            mv.visitVarInsn(ILOAD, 5);
            for (int r = 0; r < 5; r++) mv.visitVarInsn(LLOAD, 6 + 2 * r);
            mv.visitMethodInsn(INVOKESTATIC, name, "f" + keys[i], FN_DESC, false);
            mv.visitInsn(LRETURN);
        }
        mv.visitLabel(bad);
        throwNew(mv, "java/lang/IllegalArgumentException", "no function starts at that slot");
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    /**
     * Emits the method of one function, slots [from, to), or of one chunk [from, to) of a split function
     * [funcFrom, funcTo): a chunk takes the registers from an array, starts at the slot it is given, and returns the
     * slot to continue at (-1 after exit, r0 in the array) whenever control leaves it.
     */
    private static final class FunctionEmitter {
        private final String owner;
        private final LinkedProgram linked;
        private final ProgramFacts facts;
        private final Program program;
        private final int funcFrom, funcTo, from, to;
        private final boolean chunk;
        private final MethodVisitor mv;
        private final Label[] labels;
        private final List<Runnable> tails = new ArrayList<>();
        /** Stack word offset (from the frame pointer's word) to JVM local, when the frame lives in locals. */
        private Map<Integer, Integer> stackLocals;

        FunctionEmitter(ClassWriter cw, String owner, LinkedProgram linked, ProgramFacts facts, int funcFrom, int funcTo, int from, int to) {
            this.owner = owner;
            this.linked = linked;
            this.facts = facts;
            this.program = linked.program();
            this.funcFrom = funcFrom;
            this.funcTo = funcTo;
            this.from = from;
            this.to = to;
            this.chunk = from != funcFrom || to != funcTo;
            this.mv = chunk ? cw.visitMethod(ACC_PRIVATE | ACC_STATIC, "c" + from, CHUNK_DESC, null, null)
                    : cw.visitMethod(ACC_PRIVATE | ACC_STATIC, "f" + from, FN_DESC, null, null);
            this.labels = new Label[to - from + 1];
            for (int i = 0; i < labels.length; i++) labels[i] = new Label();
        }

        /** True when a jump to {@code slot} stays in this method (the end label only for a whole function's end). */
        private boolean inside(int slot) { return slot >= from && (slot < to || slot == to && to == funcTo); }

        private void checkInFunction(int slot) throws Unsupported {
            if (slot < funcFrom || slot > funcTo) throw new Unsupported("jump from the function at " + funcFrom + " to slot " + slot + " outside it");
        }

        private Label label(int slot) throws Unsupported {
            checkInFunction(slot);
            return labels[slot - from];
        }

        /** Chunks only: registers back to the array, budget back to the state, {@code slot} returned. */
        private void leaveTo(int slot) {
            for (int r = 0; r <= 9; r++) {
                mv.visitVarInsn(ALOAD, REGS);
                mv.visitIntInsn(BIPUSH, r);
                load(r);
                mv.visitInsn(LASTORE);
            }
            storeBudget();
            mv.visitLdcInsn(slot);
            mv.visitInsn(IRETURN);
        }

        /** Chunks only: where control may enter from outside: the first slot and every jump target in the chunk. */
        private int[] entrySlots() {
            TreeSet<Integer> in = new TreeSet<>();
            in.add(from);
            for (int s = funcFrom; s < funcTo; s++) {
                int target = switch (program.at(s)) {
                    case Goto g -> s + 1 + g.offset();
                    case Jump j -> s + 1 + j.offset();
                    case null, default -> -1;
                };
                if (target >= from && target < to) in.add(target);
            }
            return in.stream().mapToInt(Integer::intValue).toArray();
        }

        void emit() throws Unsupported {
            mv.visitCode();
            if (chunk) {
                // the parameters' slots are where r1..r5 live: move them out of the way first
                mv.visitVarInsn(ALOAD, 5);
                mv.visitVarInsn(ASTORE, REGS);
                mv.visitVarInsn(ILOAD, 6);
                mv.visitVarInsn(ISTORE, ENTRY);
                for (int r = 0; r <= 9; r++) {
                    mv.visitVarInsn(ALOAD, REGS);
                    mv.visitIntInsn(BIPUSH, r);
                    mv.visitInsn(LALOAD);
                    mv.visitVarInsn(LSTORE, REG[r]);
                }
            } else {
                // r0, r6..r9 start as 0 (the verifier guarantees they are written before use); r10 from the depth.
                for (int r : new int[] {0, 6, 7, 8, 9}) {
                    mv.visitInsn(LCONST_0);
                    mv.visitVarInsn(LSTORE, REG[r]);
                }
            }
            mv.visitVarInsn(ILOAD, DEPTH);
            mv.visitMethodInsn(INVOKESTATIC, Type.getInternalName(Memory.class), "framePointer", "(I)J", false);
            mv.visitVarInsn(LSTORE, REG[10]);
            // For proven stack accesses: the backing words and the index of the word at the frame pointer.
            mv.visitVarInsn(ALOAD, MEM);
            mv.visitMethodInsn(INVOKEVIRTUAL, Type.getInternalName(Memory.class), "stackWords", "()[J", false);
            mv.visitVarInsn(ASTORE, STACK);
            load(10);
            mv.visitInsn(L2I);
            mv.visitInsn(ICONST_3);
            mv.visitInsn(IUSHR);
            mv.visitVarInsn(ISTORE, FRAME_WORD);
            stackLocals = frameInLocals();
            if (stackLocals != null) for (int local : stackLocals.values()) {
                mv.visitInsn(LCONST_0);
                mv.visitVarInsn(LSTORE, local);
            }
            reloadBudget();
            if (chunk) {
                int[] entries = entrySlots();
                Label[] targets = new Label[entries.length];
                for (int i = 0; i < entries.length; i++) targets[i] = labels[entries[i] - from];
                Label bad = new Label();
                mv.visitVarInsn(ILOAD, ENTRY);
                mv.visitLookupSwitchInsn(bad, entries, targets);
                tails.add(() -> {
                    mv.visitLabel(bad);
                    throwNew(mv, "java/lang/IllegalStateException", "no entry at that slot");
                });
            }
            for (int s = from; s < to; s++) {
                mv.visitLabel(labels[s - from]);
                Instruction insn = program.at(s);
                if (insn == null || !facts.reachable(s)) continue;
                instruction(s, insn);
            }
            mv.visitLabel(labels[to - from]);
            if (to < funcTo) {
                leaveTo(to); // on into the next chunk
                for (Runnable t : tails) t.run();
                mv.visitMaxs(0, 0);
                mv.visitEnd();
                return;
            }
            // Running past the last instruction of the program (the verifier rejects this; unverified code may).
            if (to < program.slotCount() && fallsThrough(to)) throw new Unsupported("function at " + funcFrom + " can run into the next function");
            mv.visitLdcInsn(Math.max(from, to - 1));
            mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "fellOffEnd", "(I)Ldev/bypass/vm/exec/ExecutionException;", false);
            mv.visitInsn(ATHROW);
            for (Runnable t : tails) t.run();
            mv.visitMaxs(0, 0);
            mv.visitEnd();
        }

        private boolean fallsThrough(int end) {
            for (int s = end - 1; s >= funcFrom; s--) {
                Instruction i = program.at(s);
                if (i == null) continue;
                return !(i instanceof Exit || i instanceof Goto);
            }
            return true;
        }

        private void instruction(int s, Instruction insn) throws Unsupported {
            switch (insn) {
                case Alu a -> alu(a);
                case Endian e -> {
                    mv.visitLdcInsn(e.bits());
                    load(e.dst());
                    mv.visitMethodInsn(INVOKESTATIC, OPS, e.order() == ByteOrder.LE ? "truncate" : "bswap", "(IJ)J", false);
                    store(e.dst());
                }
                case LoadImm64 l -> {
                    mv.visitLdcInsn(linked.constantAt(s));
                    store(l.dst());
                }
                case Load l -> {
                    if (!provenStackLoad(s, l.width())) {
                        address(l.src(), l.offset());
                        checkedLoad(s, l.width());
                    }
                    if (l.signExtend()) {
                        mv.visitInsn(L2I);
                        switch (l.width()) {
                            case B -> mv.visitInsn(I2B);
                            case H -> mv.visitInsn(I2S);
                            default -> {}
                        }
                        mv.visitInsn(I2L);
                    }
                    store(l.dst());
                }
                case Store x -> {
                    if (provenStackStore(s, x.width(), () -> load(x.src()))) return;
                    address(x.dst(), x.offset());
                    checkedStore(s, x.width(), () -> load(x.src()));
                }
                case StoreImm x -> {
                    if (provenStackStore(s, x.width(), () -> mv.visitLdcInsn((long) x.imm()))) return;
                    address(x.dst(), x.offset());
                    checkedStore(s, x.width(), () -> mv.visitLdcInsn((long) x.imm()));
                }
                case Atomic a -> atomic(s, a);
                case PacketLoad p -> {
                    storeBudget();
                    mv.visitVarInsn(ALOAD, MEM);
                    int op = 0x20 | (p.indirect() ? 0x40 : 0) | switch (p.width()) { case W -> 0x00; case H -> 0x08; case B -> 0x10; case DW -> 0x18; };
                    mv.visitLdcInsn(op);
                    if (p.indirect()) load(p.src()); else mv.visitInsn(LCONST_0);
                    mv.visitLdcInsn(p.imm());
                    mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "packetLoad", "(" + MEMORY + "IJI)J", false);
                    store(0);
                }
                case Goto g -> jumpTo(s, s + 1 + g.offset(), null);
                case Jump j -> conditional(s, j);
                case Call c when c.kind() == CallKind.HELPER -> helperCall(s, linked.helperAt(s));
                case Call c when c.kind() == CallKind.LOCAL -> localCall(s, s + 1 + c.imm());
                case Call c -> throw new Unsupported("kfunc call at " + s);
                case CallRegister c -> callx(s, c.reg());
                case Exit e -> {
                    if (chunk) {
                        leaveTo(-1);
                        return;
                    }
                    storeBudget();
                    load(0);
                    mv.visitInsn(LRETURN);
                }
            }
        }

        private void alu(Alu a) {
            AluOp op = a.op();
            if (a.alu64()) {
                switch (op) {
                    case MOV -> { source(a, true); store(a.dst()); return; }
                    case NEG -> { load(a.dst()); mv.visitInsn(LNEG); store(a.dst()); return; }
                    case MOVSX8, MOVSX16, MOVSX32 -> {
                        mv.visitLdcInsn(op.offset);
                        source(a, true);
                        mv.visitMethodInsn(INVOKESTATIC, OPS, "signExtend", "(IJ)J", false);
                        store(a.dst());
                        return;
                    }
                    default -> {}
                }
                load(a.dst());
                source(a, true);
                switch (op) {
                    case ADD -> mv.visitInsn(LADD);
                    case SUB -> mv.visitInsn(LSUB);
                    case MUL -> mv.visitInsn(LMUL);
                    case OR -> mv.visitInsn(LOR);
                    case AND -> mv.visitInsn(LAND);
                    case XOR -> mv.visitInsn(LXOR);
                    case LSH -> ops("lsh64", "(JJ)J");
                    case RSH -> ops("rsh64", "(JJ)J");
                    case ARSH -> ops("arsh64", "(JJ)J");
                    case DIV -> ops("udiv64", "(JJ)J");
                    case SDIV -> ops("sdiv64", "(JJ)J");
                    case MOD -> ops("umod64", "(JJ)J");
                    case SMOD -> ops("smod64", "(JJ)J");
                    default -> throw new IllegalStateException(op.toString());
                }
                store(a.dst());
                return;
            }
            switch (op) {
                case MOV -> source(a, false);
                case NEG -> { load(a.dst()); mv.visitInsn(L2I); mv.visitInsn(INEG); }
                case MOVSX8, MOVSX16 -> {
                    mv.visitLdcInsn(op.offset);
                    if (a.useRegister()) load(a.src()); else mv.visitLdcInsn((long) a.imm());
                    mv.visitMethodInsn(INVOKESTATIC, OPS, "signExtend", "(IJ)J", false);
                    mv.visitInsn(L2I);
                }
                default -> {
                    load(a.dst());
                    mv.visitInsn(L2I);
                    source(a, false);
                    switch (op) {
                        case ADD -> mv.visitInsn(IADD);
                        case SUB -> mv.visitInsn(ISUB);
                        case MUL -> mv.visitInsn(IMUL);
                        case OR -> mv.visitInsn(IOR);
                        case AND -> mv.visitInsn(IAND);
                        case XOR -> mv.visitInsn(IXOR);
                        case LSH -> ops("lsh32", "(II)I");
                        case RSH -> ops("rsh32", "(II)I");
                        case ARSH -> ops("arsh32", "(II)I");
                        case DIV -> ops("udiv32", "(II)I");
                        case SDIV -> ops("sdiv32", "(II)I");
                        case MOD -> ops("umod32", "(II)I");
                        case SMOD -> ops("smod32", "(II)I");
                        default -> throw new IllegalStateException(op.toString());
                    }
                }
            }
            mv.visitInsn(I2L);
            mv.visitLdcInsn(0xffffffffL);
            mv.visitInsn(LAND);
            store(a.dst());
        }

        /** Pushes the source operand: a long (64-bit) or an int (32-bit). */
        private void source(Alu a, boolean wide) {
            if (a.useRegister()) {
                load(a.src());
                if (!wide) mv.visitInsn(L2I);
            } else if (wide) {
                mv.visitLdcInsn((long) a.imm());
            } else {
                mv.visitLdcInsn(a.imm());
            }
        }

        private void ops(String m, String desc) { mv.visitMethodInsn(INVOKESTATIC, OPS, m, desc, false); }

        private void atomic(int s, Atomic a) {
            boolean wide = a.width() == Width.DW;
            if (wide && a.op() == AtomicOp.ADD) { // the common counter update: no operation switch at run time
                mv.visitVarInsn(ALOAD, MEM);
                address(a.dst(), a.offset());
                load(a.src());
                mv.visitLdcInsn(s);
                mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "atomicAdd64", "(" + MEMORY + "JJI)J", false);
                if (a.fetch()) store(a.src());
                else mv.visitInsn(POP2);
                return;
            }
            int imm = a.op().code | (a.fetch() ? 1 : 0);
            mv.visitVarInsn(ALOAD, MEM);
            mv.visitLdcInsn(imm);
            mv.visitInsn(wide ? ICONST_1 : ICONST_0);
            address(a.dst(), a.offset());
            load(a.src());
            load(0);
            mv.visitLdcInsn(s);
            mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "atomic", "(" + MEMORY + "IZJJJI)J", false);
            if (a.op() == AtomicOp.CMPXCHG) store(0);
            else if (a.fetch() || a.op() == AtomicOp.XCHG) store(a.src());
            else mv.visitInsn(POP2);
        }

        private void conditional(int s, Jump j) throws Unsupported {
            JumpOp op = j.op();
            int target = s + 1 + j.offset();
            if (j.jmp64()) {
                load(j.dst());
                if (j.useRegister()) load(j.src()); else mv.visitLdcInsn((long) j.imm());
                int cond;
                switch (op) {
                    case JSET -> { mv.visitInsn(LAND); mv.visitInsn(LCONST_0); mv.visitInsn(LCMP); cond = IFNE; }
                    case JEQ -> { mv.visitInsn(LCMP); cond = IFEQ; }
                    case JNE -> { mv.visitInsn(LCMP); cond = IFNE; }
                    case JSGT -> { mv.visitInsn(LCMP); cond = IFGT; }
                    case JSGE -> { mv.visitInsn(LCMP); cond = IFGE; }
                    case JSLT -> { mv.visitInsn(LCMP); cond = IFLT; }
                    case JSLE -> { mv.visitInsn(LCMP); cond = IFLE; }
                    default -> {
                        mv.visitMethodInsn(INVOKESTATIC, "java/lang/Long", "compareUnsigned", "(JJ)I", false);
                        cond = unsignedCond(op);
                    }
                }
                jumpTo(s, target, cond);
                return;
            }
            load(j.dst());
            mv.visitInsn(L2I);
            if (j.useRegister()) { load(j.src()); mv.visitInsn(L2I); } else mv.visitLdcInsn(j.imm());
            int cond;
            switch (op) {
                case JSET -> { mv.visitInsn(IAND); cond = IFNE; }
                case JEQ -> cond = IF_ICMPEQ;
                case JNE -> cond = IF_ICMPNE;
                case JSGT -> cond = IF_ICMPGT;
                case JSGE -> cond = IF_ICMPGE;
                case JSLT -> cond = IF_ICMPLT;
                case JSLE -> cond = IF_ICMPLE;
                default -> {
                    mv.visitMethodInsn(INVOKESTATIC, "java/lang/Integer", "compareUnsigned", "(II)I", false);
                    cond = unsignedCond(op);
                }
            }
            jumpTo(s, target, cond);
        }

        private static int unsignedCond(JumpOp op) {
            return switch (op) {
                case JGT -> IFGT;
                case JGE -> IFGE;
                case JLT -> IFLT;
                case JLE -> IFLE;
                default -> throw new IllegalStateException(op.toString());
            };
        }

        /** Jumps (conditionally when {@code cond} is set); backward jumps pay one unit of budget. */
        private void jumpTo(int s, int target, Integer cond) throws Unsupported {
            if (!inside(target)) {
                checkInFunction(target);
                Label leave = new Label();
                mv.visitJumpInsn(cond == null ? GOTO : cond, leave);
                tails.add(() -> {
                    mv.visitLabel(leave);
                    if (target <= s) payBudget(s);
                    leaveTo(target);
                });
                return;
            }
            Label dest = label(target);
            if (target > s) {
                mv.visitJumpInsn(cond == null ? GOTO : cond, dest);
                return;
            }
            Label pay = new Label();
            mv.visitJumpInsn(cond == null ? GOTO : cond, pay);
            tails.add(() -> {
                mv.visitLabel(pay);
                payBudget(s);
                mv.visitJumpInsn(GOTO, dest);
            });
        }

        /** budget -= 1; throws when it goes below zero. */
        private void payBudget(int s) {
            Label ok = new Label();
            mv.visitVarInsn(LLOAD, BUDGET);
            mv.visitInsn(LCONST_1);
            mv.visitInsn(LSUB);
            mv.visitInsn(DUP2);
            mv.visitVarInsn(LSTORE, BUDGET);
            mv.visitInsn(LCONST_0);
            mv.visitInsn(LCMP);
            mv.visitJumpInsn(IFGE, ok);
            storeBudget();
            mv.visitVarInsn(ALOAD, ST);
            mv.visitLdcInsn(s);
            mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "budget", "(" + STATE + "I)Ldev/bypass/vm/exec/ExecutionException;", false);
            mv.visitInsn(ATHROW);
            mv.visitLabel(ok);
        }

        private void helperCall(int s, HelperSpec spec) {
            payBudget(s);
            storeBudget();
            mv.visitVarInsn(ALOAD, ST);
            mv.visitVarInsn(ALOAD, SELF);
            mv.visitFieldInsn(GETSTATIC, owner, "HELPERS", Type.getDescriptor(HelperSpec[].class));
            mv.visitLdcInsn(s);
            mv.visitInsn(AALOAD);
            mv.visitLdcInsn(s);
            mv.visitVarInsn(ILOAD, DEPTH);
            mv.visitVarInsn(ILOAD, BASE);
            for (int r = 1; r <= 5; r++) load(r);
            mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "helper", "(" + STATE + ENGINE + Type.getDescriptor(HelperSpec.class) + "IIIJJJJJ)J", false);
            store(0);
            reloadBudget();
        }

        private void callx(int s, int reg) {
            payBudget(s);
            storeBudget();
            mv.visitVarInsn(ALOAD, ST);
            mv.visitVarInsn(ALOAD, SELF);
            mv.visitFieldInsn(GETSTATIC, owner, "REGISTRY", Type.getDescriptor(HelperRegistry.class));
            load(reg);
            mv.visitLdcInsn(s);
            mv.visitVarInsn(ILOAD, DEPTH);
            mv.visitVarInsn(ILOAD, BASE);
            for (int r = 1; r <= 5; r++) load(r);
            mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "callx", "(" + STATE + ENGINE + Type.getDescriptor(HelperRegistry.class) + "JIIIJJJJJ)J", false);
            store(0);
            reloadBudget();
        }

        private void localCall(int s, int target) {
            payBudget(s);
            Label ok = new Label();
            mv.visitVarInsn(ILOAD, DEPTH);
            mv.visitInsn(ICONST_1);
            mv.visitInsn(IADD);
            mv.visitLdcInsn(Registers.MAX_CALL_DEPTH);
            mv.visitJumpInsn(IF_ICMPLT, ok);
            storeBudget();
            mv.visitLdcInsn(s);
            mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "callDepth", "(I)Ldev/bypass/vm/exec/ExecutionException;", false);
            mv.visitInsn(ATHROW);
            mv.visitLabel(ok);
            storeBudget();
            mv.visitVarInsn(ALOAD, SELF);
            mv.visitVarInsn(ALOAD, ST);
            mv.visitVarInsn(ALOAD, MEM);
            mv.visitVarInsn(ILOAD, DEPTH);
            mv.visitInsn(ICONST_1);
            mv.visitInsn(IADD);
            mv.visitVarInsn(ILOAD, BASE);
            for (int r = 1; r <= 5; r++) load(r);
            mv.visitMethodInsn(INVOKESTATIC, owner, "f" + target, FN_DESC, false);
            store(0);
            reloadBudget();
        }

        /**
         * The access at {@code s} when the verifier proved it hits the current frame at a constant offset that lies
         * within one stack word: {word offset from the frame pointer's word, bit shift}; null otherwise.
         */
        private int[] provenStackSlot(int s, Width w) {
            AccessFact f = facts.access(s);
            if (f == null || f.base() != RegisterType.PTR_TO_STACK || !f.provenInBounds() || !f.constantStackSlot()) return null;
            int off = f.stackOffset(), inWord = Math.floorMod(off, 8);
            if (inWord + w.bytes > 8) return null; // spans two words: the general path
            return new int[] {Math.floorDiv(off, 8), inWord * 8};
        }

        /**
         * Jumps to {@code slow} unless the address in {@code ADDRESS} is an aligned access of {@code w} to the stack
         * region; otherwise leaves its offset in {@code OFFSET}. The inline stack path of every checked access: one
         * array access (index checked by the JVM) instead of the general pointer decoding in {@link Memory}.
         */
        private void stackFastPathTest(Width w, Label slow) {
            mv.visitVarInsn(LLOAD, ADDRESS);
            mv.visitIntInsn(BIPUSH, 32);
            mv.visitInsn(LUSHR);
            mv.visitInsn(L2I);
            mv.visitLdcInsn(Memory.STACK_REGION);
            mv.visitJumpInsn(IF_ICMPNE, slow);
            mv.visitVarInsn(LLOAD, ADDRESS);
            mv.visitInsn(L2I);
            mv.visitVarInsn(ISTORE, OFFSET);
            if (w.bytes > 1) {
                mv.visitVarInsn(ILOAD, OFFSET);
                mv.visitLdcInsn(w.bytes - 1);
                mv.visitInsn(IAND);
                mv.visitJumpInsn(IFNE, slow);
            }
            mv.visitVarInsn(ILOAD, OFFSET);
            mv.visitJumpInsn(IFLT, slow);
            mv.visitVarInsn(ILOAD, OFFSET);
            mv.visitLdcInsn(Memory.STACK_BYTES);
            mv.visitJumpInsn(IF_ICMPGE, slow);
        }

        /** Pushes {@code STACK} and the index of the word at {@code OFFSET}. */
        private void offsetWordIndex() {
            mv.visitVarInsn(ALOAD, STACK);
            mv.visitVarInsn(ILOAD, OFFSET);
            mv.visitInsn(ICONST_3);
            mv.visitInsn(IUSHR);
        }

        /** Pushes the bit shift of the sub-word access at {@code OFFSET}. */
        private void offsetShift() {
            mv.visitVarInsn(ILOAD, OFFSET);
            mv.visitIntInsn(BIPUSH, 7);
            mv.visitInsn(IAND);
            mv.visitInsn(ICONST_3);
            mv.visitInsn(ISHL);
        }

        private static long mask(Width w) { return w == Width.DW ? -1L : (1L << (8 * w.bytes)) - 1; }

        /** A load of {@code w} at the address on the operand stack: the stack inline, anything else through Memory. */
        private void checkedLoad(int s, Width w) {
            Label slow = new Label(), done = new Label();
            mv.visitVarInsn(LSTORE, ADDRESS);
            stackFastPathTest(w, slow);
            offsetWordIndex();
            mv.visitInsn(LALOAD);
            if (w != Width.DW) {
                offsetShift();
                mv.visitInsn(LUSHR);
                mv.visitLdcInsn(mask(w));
                mv.visitInsn(LAND);
            }
            mv.visitJumpInsn(GOTO, done);
            mv.visitLabel(slow);
            mv.visitVarInsn(ALOAD, MEM);
            mv.visitVarInsn(LLOAD, ADDRESS);
            mv.visitLdcInsn(s);
            mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "load" + bits(w), "(" + MEMORY + "JI)J", false);
            mv.visitLabel(done);
        }

        /** A store of {@code w} of the value {@code value} pushes at the address on the operand stack. */
        private void checkedStore(int s, Width w, Runnable value) {
            Label slow = new Label(), done = new Label();
            mv.visitVarInsn(LSTORE, ADDRESS);
            stackFastPathTest(w, slow);
            offsetWordIndex();
            if (w == Width.DW) {
                value.run();
            } else {
                // word = (word & ~(mask << shift)) | ((v & mask) << shift)
                mv.visitInsn(DUP2);
                mv.visitInsn(LALOAD);
                mv.visitLdcInsn(mask(w));
                offsetShift();
                mv.visitInsn(LSHL);
                mv.visitLdcInsn(-1L);
                mv.visitInsn(LXOR);
                mv.visitInsn(LAND);
                value.run();
                mv.visitLdcInsn(mask(w));
                mv.visitInsn(LAND);
                offsetShift();
                mv.visitInsn(LSHL);
                mv.visitInsn(LOR);
            }
            mv.visitInsn(LASTORE);
            mv.visitJumpInsn(GOTO, done);
            mv.visitLabel(slow);
            mv.visitVarInsn(ALOAD, MEM);
            mv.visitVarInsn(LLOAD, ADDRESS);
            value.run();
            mv.visitLdcInsn(s);
            mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "store" + bits(w), "(" + MEMORY + "JJI)V", false);
            mv.visitLabel(done);
        }

        /** Pushes {@code STACK} and the index of the proven slot's word. */
        private void stackWordIndex(int wordOffset) {
            mv.visitVarInsn(ALOAD, STACK);
            mv.visitVarInsn(ILOAD, FRAME_WORD);
            mv.visitLdcInsn(wordOffset);
            mv.visitInsn(IADD);
        }

        /** Emits a proven stack load (the zero-extended value on the operand stack); false when not proven. */
        private boolean provenStackLoad(int s, Width w) {
            int[] slot = provenStackSlot(s, w);
            if (slot == null) return false;
            loadStackWord(slot[0]);
            if (w != Width.DW) {
                if (slot[1] != 0) {
                    mv.visitLdcInsn(slot[1]);
                    mv.visitInsn(LUSHR);
                }
                mv.visitLdcInsn(mask(w));
                mv.visitInsn(LAND);
            }
            return true;
        }

        /** Emits a proven stack store of the value {@code value} pushes; false when not proven. */
        private boolean provenStackStore(int s, Width w, Runnable value) {
            int[] slot = provenStackSlot(s, w);
            if (slot == null) return false;
            if (stackLocals == null) stackWordIndex(slot[0]);
            if (w == Width.DW) {
                value.run();
            } else {
                // word = (word & ~(mask << shift)) | ((v & mask) << shift)
                loadStackWord(slot[0]);
                mv.visitLdcInsn(~(mask(w) << slot[1]));
                mv.visitInsn(LAND);
                value.run();
                mv.visitLdcInsn(mask(w));
                mv.visitInsn(LAND);
                if (slot[1] != 0) {
                    mv.visitLdcInsn(slot[1]);
                    mv.visitInsn(LSHL);
                }
                mv.visitInsn(LOR);
            }
            if (stackLocals != null) mv.visitVarInsn(LSTORE, stackLocals.get(slot[0]));
            else mv.visitInsn(LASTORE);
            return true;
        }

        /** Pushes the proven stack word: its JVM local when the frame lives in locals, else the array element. */
        private void loadStackWord(int wordOffset) {
            if (stackLocals != null) {
                mv.visitVarInsn(LLOAD, stackLocals.get(wordOffset));
            } else {
                stackWordIndex(wordOffset);
                mv.visitInsn(LALOAD);
            }
        }

        /**
         * The JVM locals for this function's stack words, when the verifier proved that its frame never escapes and
         * every memory access in it has a proven base, the stack ones at constant offsets inside one word (atomics
         * have no facts, so a function with one keeps its frame in memory); null otherwise.
         */
        private Map<Integer, Integer> frameInLocals() {
            if (chunk || !facts.verified() || !facts.stackConfined(funcFrom)) return null;
            TreeMap<Integer, Integer> words = new TreeMap<>();
            for (int s = from; s < to; s++) {
                Instruction insn = program.at(s);
                if (insn == null || !facts.reachable(s)) continue;
                Width w = switch (insn) {
                    case Load l -> l.width();
                    case Store x -> x.width();
                    case StoreImm x -> x.width();
                    case Atomic a -> a.width();
                    default -> null;
                };
                if (w == null) continue;
                AccessFact f = facts.access(s);
                if (f == null || insn instanceof Atomic) return null;
                if (f.base() != RegisterType.PTR_TO_STACK) continue;
                int[] slot = provenStackSlot(s, w);
                if (slot == null) return null;
                words.put(slot[0], 0);
            }
            int next = FIRST_FRAME_LOCAL;
            for (var e : words.entrySet()) {
                e.setValue(next);
                next += 2;
            }
            return words;
        }

        private void address(int reg, short off) {
            load(reg);
            if (off != 0) {
                mv.visitLdcInsn((long) off);
                mv.visitInsn(LADD);
            }
        }

        private void load(int r) { mv.visitVarInsn(LLOAD, REG[r]); }

        private void store(int r) { mv.visitVarInsn(LSTORE, REG[r]); }

        private void storeBudget() {
            mv.visitVarInsn(ALOAD, ST);
            mv.visitVarInsn(LLOAD, BUDGET);
            mv.visitFieldInsn(PUTFIELD, Type.getInternalName(ExecutionState.class), "budget", "J");
        }

        private void reloadBudget() {
            mv.visitVarInsn(ALOAD, ST);
            mv.visitFieldInsn(GETFIELD, Type.getInternalName(ExecutionState.class), "budget", "J");
            mv.visitVarInsn(LSTORE, BUDGET);
        }

        private static int bits(Width w) {
            return switch (w) { case B -> 8; case H -> 16; case W -> 32; case DW -> 64; };
        }
    }
}
