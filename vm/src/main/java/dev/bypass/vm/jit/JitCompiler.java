package dev.bypass.vm.jit;

import static org.objectweb.asm.Opcodes.*;

import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.Interpreter;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.memory.Memory;
import dev.bypass.vm.facts.AccessFact;
import dev.bypass.vm.facts.ProgramFacts;
import dev.bypass.vm.facts.RegisterType;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.helpers.HelperSpec;
import dev.bypass.vm.helpers.standard.MapHelpers;
import dev.bypass.vm.isa.AluOp;
import dev.bypass.vm.isa.AtomicOp;
import dev.bypass.vm.isa.Instruction;
import dev.bypass.vm.isa.Instruction.*;
import dev.bypass.vm.isa.JumpOp;
import dev.bypass.vm.isa.Opcodes;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.isa.Registers;
import dev.bypass.vm.isa.Width;
import dev.bypass.vm.semantics.Semantics;
import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassTooLargeException;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.ConstantDynamic;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodTooLargeException;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.MethodNode;

/**
 * Compiles a linked program to a hidden JVM class: one static method per bpf-to-bpf function, eBPF registers as
 * JVM {@code long} locals, operations as the opcode table declares them ({@link Intrinsics} copies each
 * declaration's bytecode, so an add is one {@code LADD} and a division calls the one {@code Ops} method), memory
 * through {@link JitSupport}'s checked accessors, helpers called directly. Taken backward jumps and calls pay the
 * budget exactly as in the interpreter, so both engines agree on every observable result, including errors.
 *
 * <p>With the verifier's facts ({@link ProgramFacts#verified()}), code the verifier proved unreachable is not
 * emitted, and loads and stores it proved to hit the current frame at a constant offset read and write the stack's
 * backing {@code long[]} directly (one array access, no pointer decoding; the index is still checked by the JVM).
 * Loads and stores proven inside the packet index its {@code byte[]}, taken once per call from the packet pointer the
 * function is called with (a call where the packet has no whole heap array runs in the interpreter), context fields
 * proven at constant offsets index the context's array the same way (its length checked once per call against the
 * furthest field the function touches), and accesses proven inside the stack at an aligned variable offset index the
 * stack's words; either way the index is the pointer's offset, checked by the JVM. Without facts every access goes through {@link Memory}'s checked accessors.
 *
 * <p><b>Large programs.</b> HotSpot never compiles methods over {@link #MAX_HOT_METHOD_BYTES} of bytecode (they would
 * run slower in the JVM's bytecode interpreter than in ours), so long functions are split: each chunk of consecutive
 * slots becomes its own method, taking the registers from an array and returning the slot to continue at, and the
 * function's method loops over the chunks, finding the one that holds a slot by binary search. Every method is
 * measured ({@link CodeSize}) before it joins the class, and a chunk over the limit is re-emitted smaller on the
 * spot, sized from the bytes per slot just measured; nothing is compiled twice otherwise, and jump targets are found
 * in one pass, so compilation is linear in the program's size. Constants that would fill the class's constant pool
 * (instruction numbers above 32767, small immediates) are built from short forms instead. What one class can hold
 * is bounded up front ({@link #MAX_SLOTS}, {@link #MAX_FUNCTIONS}, {@link #MAX_CODE_BYTES}).
 *
 * <p>Programs the compiler cannot express (a jump between functions, a function that can run into the next one) or
 * that exceed those bounds are reported with {@link Unsupported}, naming why; the caller then keeps the interpreter.
 * No other failure escapes: whatever goes wrong while compiling becomes an {@code Unsupported}.
 */
public final class JitCompiler {
    private JitCompiler() {}

    /** This program is run by the interpreter instead; the message says why. */
    public static final class Unsupported extends Exception {
        Unsupported(String message) { super(message, null, false, false); }
    }

    private static final AtomicLong COUNTER = new AtomicLong();
    /** {@code MethodHandles.classDataAt}: the bootstrap of constants taken from the class data. */
    private static final Handle CLASS_DATA_AT = new Handle(H_INVOKESTATIC, "java/lang/invoke/MethodHandles", "classDataAt",
            "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/Class;I)Ljava/lang/Object;", false);
    private static final String HELPER = Type.getInternalName(dev.bypass.vm.helpers.Helper.class);
    private static final String CONTEXT = Type.getDescriptor(dev.bypass.vm.helpers.HelperContext.class);
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
            REGS = 31, ENTRY = 32, ADDRESS = 33, OFFSET = 35, SLOT_BASE = 36, PACKET = 37, CTX_ARRAY = 38, FIRST_FRAME_LOCAL = 39;

    /** HotSpot's limit for compiling a method ({@code -XX:+DontCompileHugeMethods}, 8000 bytes of bytecode). */
    public static final int MAX_HOT_METHOD_BYTES = 8000;
    /** What a chunk is sized for, leaving room for the density of the next slots to differ from the last ones. */
    static final int TARGET_METHOD_BYTES = 6000;
    private static final int[] REG = {15, 5, 7, 9, 11, 13, 17, 19, 21, 23, 27};
    /** Stack words and array views hold little-endian bytes: direct accesses assume the host's order matches. */
    private static final boolean LITTLE_ENDIAN_HOST = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;

    /** Slots per chunk at most: functions longer than this are split. */
    static final int FIRST_CHUNK_SLOTS = 600;
    /** A method spans fewer slots than this, so its slot numbers are a 16-bit offset from its first (see pushSlot). */
    private static final int MAX_CHUNK_SLOTS = 1 << 14;
    /** Cases per dispatch method: more are spread over helper methods, so no dispatcher outgrows the compile limit. */
    private static final int DISPATCH_GROUP = 256;
    /**
     * Constant pool entries (of the 65535 a class has) spent on program constants; further constants are computed by
     * a few instructions, leaving room for the methods of the largest programs within budget.
     */
    private static final int POOLED_CONSTANTS = 24_000;

    /**
     * The compile budget, fixed before any work: programs over it run in the interpreter. Slots bound time and memory
     * (compiling is linear in them); functions bound the class's method and constant counts; code bytes bound the
     * class's size (system properties {@code bypass.jit.maxSlots}, {@code .maxFunctions}, {@code .maxCodeBytes}).
     */
    public static final int MAX_SLOTS = Integer.getInteger("bypass.jit.maxSlots", 1 << 19),
            MAX_FUNCTIONS = Integer.getInteger("bypass.jit.maxFunctions", 8192),
            MAX_CODE_BYTES = Integer.getInteger("bypass.jit.maxCodeBytes", 48 << 20);

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
        if (chunkSlots < 1 || chunkSlots > MAX_CHUNK_SLOTS) throw new IllegalArgumentException("chunks of " + chunkSlots + " slots");
        int[] entries = checkBudget(linked);
        String name = "dev/bypass/vm/jit/BpfProgram" + COUNTER.incrementAndGet();
        try {
            ClassEmitter emitter = new ClassEmitter(linked, facts.verified() ? facts : ProgramFacts.NONE, name, entries, chunkSlots);
            byte[] bytes = emitter.emit();
            return load(linked, bytes, entries, emitter.chunkStarts, emitter.constants);
        } catch (ClassTooLargeException e) {
            throw new Unsupported("its constants do not fit one JVM class (" + e.getConstantPoolCount() + " constant pool entries)");
        } catch (MethodTooLargeException e) {
            throw new Unsupported("method " + e.getMethodName() + " exceeds the JVM's 64 KiB (" + e.getCodeSize() + " bytes)");
        } catch (RuntimeException | LinkageError | StackOverflowError | OutOfMemoryError e) {
            // A compiler fault must cost speed, not the run: the interpreter takes the program.
            throw new Unsupported("compiling it failed: " + e);
        }
    }

    /** The class file {@link #compile(LinkedProgram, ProgramFacts)} would load, for tools and tests that look at the generated code. */
    public static byte[] classFile(LinkedProgram linked, ProgramFacts facts) throws Unsupported {
        return classFile(linked, facts, FIRST_CHUNK_SLOTS);
    }

    /** The class file {@link #compile} would load, for tests that look at the generated code. */
    static byte[] classFile(LinkedProgram linked, ProgramFacts facts, int chunkSlots) throws Unsupported {
        return new ClassEmitter(linked, facts.verified() ? facts : ProgramFacts.NONE, "dev/bypass/vm/jit/Inspected", checkBudget(linked), chunkSlots).emit();
    }

    /** The program's function entries, once its size is known to be within the compile budget. */
    private static int[] checkBudget(LinkedProgram linked) throws Unsupported {
        int n = linked.slotCount();
        if (n > MAX_SLOTS)
            throw new Unsupported("it has " + n + " instruction slots; the JIT compiles up to " + MAX_SLOTS + " (bypass.jit.maxSlots)");
        int[] entries = new int[n];
        int functions = 0;
        for (int s = 0; s < n; s++) if (linked.isFunctionEntry(s)) entries[functions++] = s;
        if (functions > MAX_FUNCTIONS)
            throw new Unsupported("it has " + functions + " functions; the JIT compiles up to " + MAX_FUNCTIONS + " (bypass.jit.maxFunctions)");
        return java.util.Arrays.copyOf(entries, functions);
    }

    private static Compiled load(LinkedProgram linked, byte[] bytes, int[] entries, int[][] chunkStarts, List<Object> constants) throws Unsupported {
        MethodHandles.Lookup lookup;
        try {
            // the class data holds the objects compiled code loads as constants (helper implementations)
            lookup = MethodHandles.lookup().defineHiddenClassWithClassData(bytes, List.copyOf(constants), true);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        try {
            Class<?> c = lookup.lookupClass();
            lookup.findStaticVarHandle(c, "REGISTRY", HelperRegistry.class).set(linked.helpers());
            lookup.findStaticVarHandle(c, "ENTRIES", int[].class).set(entries);
            lookup.findStaticVarHandle(c, "CHUNKS", int[][].class).set(chunkStarts);
            return (Compiled) lookup.findConstructor(c, java.lang.invoke.MethodType.methodType(void.class)).invoke();
        } catch (Throwable t) {
            throw new Unsupported("its compiled class failed to load: " + t);
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

    /** Throws a new {@code type} (an exception with a String constructor) with {@code message}. */
    private static void throwNew(MethodVisitor mv, String type, String message) {
        mv.visitTypeInsn(NEW, type);
        mv.visitInsn(DUP);
        mv.visitLdcInsn(message);
        mv.visitMethodInsn(INVOKESPECIAL, type, "<init>", "(Ljava/lang/String;)V", false);
        mv.visitInsn(ATHROW);
    }

    /** Loads the parameters of a static method of descriptor {@code desc}, the last {@code skip} left out. */
    private static void loadParameters(MethodVisitor mv, String desc, int skip) {
        Type[] params = Type.getArgumentTypes(desc);
        for (int i = 0, at = 0; i < params.length - skip; at += params[i].getSize(), i++) mv.visitVarInsn(params[i].getOpcode(ILOAD), at);
    }

    /**
     * Writes the class: fields, one method per function (or its chunks and their dispatcher), and {@code run}.
     * Keeps at most one method's instructions in memory besides the class being written.
     */
    private static final class ClassEmitter {
        private final LinkedProgram linked;
        private final ProgramFacts facts;
        private final String name;
        private final int[] entries;
        private final int chunkSlots;
        /** Targets of jumps, found in one pass: where control may enter a chunk other than at its first slot. */
        private final BitSet jumpTargets;
        /** Per function, the first slots of its chunks; null when it is one method. */
        final int[][] chunkStarts;
        private final ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES);
        /** Dispatch helper methods to write once the method that calls them is complete. */
        private final List<Runnable> pending = new ArrayList<>();
        /** Objects the code loads as constants (class data, by index), each once. */
        final List<Object> constants = new ArrayList<>();
        private final java.util.IdentityHashMap<Object, ConstantDynamic> constantIndex = new java.util.IdentityHashMap<>();

        /**
         * A constant the code loads with {@code ldc}: {@code value}, taken from the class data. A JIT compiler sees it
         * as a constant, so a call on it is bound and inlined like a static call.
         */
        ConstantDynamic constant(Object value, Class<?> type) {
            return constantIndex.computeIfAbsent(value, v -> {
                constants.add(v);
                return new ConstantDynamic("_", Type.getDescriptor(type), CLASS_DATA_AT, constants.size() - 1); // classDataAt wants "_"
            });
        }
        private long codeBytes;
        private Interpreter interpreter;

        /** The interpreter of this program, for functions that cannot use their direct accesses in some call. */
        ConstantDynamic interpreter() {
            if (interpreter == null) interpreter = new Interpreter(linked);
            return constant(interpreter, Engine.class);
        }

        ClassEmitter(LinkedProgram linked, ProgramFacts facts, String name, int[] entries, int chunkSlots) {
            this.linked = linked;
            this.facts = facts;
            this.name = name;
            this.entries = entries;
            this.chunkSlots = chunkSlots;
            this.chunkStarts = new int[entries.length][];
            Program program = linked.program();
            this.jumpTargets = new BitSet(program.slotCount() + 1);
            for (int s = 0; s < program.slotCount(); s++) {
                int target = switch (program.at(s)) {
                    case Goto g -> s + 1 + g.offset();
                    case Jump j -> s + 1 + j.offset();
                    case MayGoto m -> s + 1 + m.offset();
                    case null, default -> -1;
                };
                if (target >= 0) jumpTargets.set(target);
            }
        }

        byte[] emit() throws Unsupported {
            int n = linked.slotCount();
            cw.visit(V21, ACC_PUBLIC | ACC_FINAL | ACC_SUPER, name, null, "java/lang/Object", new String[] {Type.getInternalName(Compiled.class)});
            for (String[] f : new String[][] {{"REGISTRY", Type.getDescriptor(HelperRegistry.class)}, {"ENTRIES", "[I"}, {"CHUNKS", "[[I"}})
                cw.visitField(ACC_STATIC | ACC_PRIVATE, f[0], f[1], null, null).visitEnd();
            constructor();
            run();
            writePending();
            for (int i = 0; i < entries.length; i++) {
                int from = entries[i], to = i + 1 < entries.length ? entries[i + 1] : n;
                int size = chunkSlots;
                if (to - from <= chunkSlots) {
                    MethodNode whole = new FunctionEmitter(this, from, to, from, to).emit();
                    int bytes = CodeSize.of(whole);
                    if (bytes <= MAX_HOT_METHOD_BYTES) {
                        add(whole, bytes);
                        continue;
                    }
                    size = sizeFor(to - from, bytes);
                }
                chunkStarts[i] = split(from, to, size);
                dispatcher(i, from);
                writePending();
            }
            byte[] bytes = cw.toByteArray();
            if (largestMethod(bytes) > MAX_HOT_METHOD_BYTES) // CodeSize is an upper bound: this would be a bug in it
                throw new Unsupported("a compiled method exceeds " + MAX_HOT_METHOD_BYTES + " bytes");
            return bytes;
        }

        /** Constant pool entries spent on constants so far: past {@link #POOLED_CONSTANTS}, constants are computed. */
        private final java.util.Set<Object> pooled = new java.util.HashSet<>();
        private int pooledEntries;

        /** Pushes an int constant in its shortest form; beyond 16 bits it takes a pool entry while the budget lasts. */
        void pushInt(MethodVisitor mv, int v) {
            if (v >= -1 && v <= 5) mv.visitInsn(ICONST_0 + v);
            else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) mv.visitIntInsn(BIPUSH, v);
            else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) mv.visitIntInsn(SIPUSH, v);
            else if (pool(v, 1)) mv.visitLdcInsn(v);
            else pushIntUnpooled(mv, v);
        }

        /** Pushes an int built from its 16-bit top and two bytes, with no constant pool entry. */
        void pushIntUnpooled(MethodVisitor mv, int v) {
            mv.visitIntInsn(SIPUSH, v >> 16);
            mv.visitIntInsn(BIPUSH, 16);
            mv.visitInsn(ISHL);
            mv.visitIntInsn(SIPUSH, (v >>> 8) & 0xff);
            mv.visitIntInsn(BIPUSH, 8);
            mv.visitInsn(ISHL);
            mv.visitInsn(IOR);
            mv.visitIntInsn(SIPUSH, v & 0xff);
            mv.visitInsn(IOR);
        }

        /** Pushes a long constant; one in int range is pushed as an int and widened. */
        void pushLong(MethodVisitor mv, long v) {
            if (v == 0 || v == 1) {
                mv.visitInsn(LCONST_0 + (int) v);
            } else if (v == (int) v) {
                pushInt(mv, (int) v);
                mv.visitInsn(I2L);
            } else if (pool(v, 2)) {
                mv.visitLdcInsn(v);
            } else { // (high << 32) | (low << 32 >>> 32)
                pushInt(mv, (int) (v >>> 32));
                mv.visitInsn(I2L);
                mv.visitIntInsn(BIPUSH, 32);
                mv.visitInsn(LSHL);
                pushInt(mv, (int) v);
                mv.visitInsn(I2L);
                mv.visitIntInsn(BIPUSH, 32);
                mv.visitInsn(LSHL);
                mv.visitIntInsn(BIPUSH, 32);
                mv.visitInsn(LUSHR);
                mv.visitInsn(LOR);
            }
        }

        /** Whether {@code v} may be an ldc constant: already pooled, or {@code entries} more fit the budget. */
        private boolean pool(Object v, int entries) {
            if (pooled.contains(v)) return true;
            if (pooledEntries + entries > POOLED_CONSTANTS) return false;
            pooled.add(v);
            pooledEntries += entries;
            return true;
        }

        private void writePending() {
            while (!pending.isEmpty()) pending.remove(pending.size() - 1).run();
        }

        /** Slots per chunk for code measured at {@code bytes} for {@code slots}: what fits the target at that density. */
        private int sizeFor(int slots, int bytes) {
            return (int) Math.max(1, Math.min(chunkSlots, (long) slots * TARGET_METHOD_BYTES / Math.max(1, bytes)));
        }

        /** Emits [from, to) as chunks of at most {@code size} slots, each re-emitted smaller while it is too large. */
        private int[] split(int from, int to, int size) throws Unsupported {
            List<Integer> starts = new ArrayList<>();
            for (int c = from; c < to; ) {
                int end = (int) Math.min(to, (long) c + size);
                MethodNode m = new FunctionEmitter(this, from, to, c, end).emit();
                int bytes = CodeSize.of(m);
                if (bytes > MAX_HOT_METHOD_BYTES) {
                    if (end - c == 1) throw new Unsupported("slot " + c + " alone compiles to " + bytes + " bytes");
                    size = Math.min(sizeFor(end - c, bytes), (end - c) / 2);
                    continue;
                }
                add(m, bytes);
                starts.add(c);
                size = sizeFor(end - c, bytes);
                c = end;
            }
            return starts.stream().mapToInt(Integer::intValue).toArray();
        }

        private void add(MethodNode m, int bytes) throws Unsupported {
            codeBytes += bytes;
            if (codeBytes > MAX_CODE_BYTES)
                throw new Unsupported("its code exceeds " + (MAX_CODE_BYTES >> 20) + " MiB of JVM bytecode (bypass.jit.maxCodeBytes)");
            m.accept(cw);
        }

        private void constructor() {
            MethodVisitor mv = cw.visitMethod(ACC_PUBLIC, "<init>", "()V", null, null);
            mv.visitCode();
            mv.visitVarInsn(ALOAD, 0);
            mv.visitMethodInsn(INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
            mv.visitInsn(RETURN);
            mv.visitMaxs(0, 0);
            mv.visitEnd();
        }

        /** Whether slots [from, to) hold a {@code may_goto}. */
        boolean holdsMayGoto(int from, int to) {
            for (int s = from; s < to; s++) if (linked.program().at(s) instanceof MayGoto) return true;
            return false;
        }

        /** {@code run}: the first function directly (the common entry), any other through the function dispatch. */
        private void run() {
            MethodVisitor mv = cw.visitMethod(ACC_PUBLIC | ACC_FINAL, "run", RUN_DESC, null, null);
            mv.visitCode();
            // this=0, self=1, st=2, mem=3, entry=4, base=5, r1..r5 = 6,8,10,12,14; function index 16
            Runnable args = () -> {
                mv.visitVarInsn(ALOAD, 1);
                mv.visitVarInsn(ALOAD, 2);
                mv.visitVarInsn(ALOAD, 3);
                mv.visitVarInsn(ILOAD, 5); // depth = base
                mv.visitVarInsn(ILOAD, 5);
                for (int r = 0; r < 5; r++) mv.visitVarInsn(LLOAD, 6 + 2 * r);
            };
            Label other = new Label();
            mv.visitVarInsn(ILOAD, 4);
            mv.visitJumpInsn(IFNE, other);
            args.run();
            mv.visitMethodInsn(INVOKESTATIC, name, "f0", FN_DESC, false);
            mv.visitInsn(LRETURN);
            mv.visitLabel(other);
            mv.visitFieldInsn(GETSTATIC, name, "ENTRIES", "[I");
            mv.visitVarInsn(ILOAD, 4);
            mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "functionIndex", "([II)I", false);
            mv.visitVarInsn(ISTORE, 16);
            indexedCall(mv, "run", 0, entries.length, i -> "f" + entries[i], FN_DESC, args, 16);
            mv.visitInsn(LRETURN);
            mv.visitMaxs(0, 0);
            mv.visitEnd();
        }

        /**
         * The method of split function {@code fn}: runs its chunks until one returns -1 (exit). Registers live in a
         * {@code long[]} between chunks; each chunk returns the slot to continue at.
         */
        private void dispatcher(int fn, int from) {
            MethodVisitor mv = cw.visitMethod(ACC_PRIVATE | ACC_STATIC, "f" + from, FN_DESC, null, null);
            mv.visitCode();
            // self=0, st=1, mem=2, depth=3, base=4, r1..r5 = 5,7,9,11,13; registers 15, slot 16, chunk index 17
            if (holdsMayGoto(from, fn + 1 < entries.length ? entries[fn + 1] : linked.program().slotCount())) startLoops(mv);
            pushInt(mv, 11);
            mv.visitIntInsn(NEWARRAY, T_LONG);
            mv.visitVarInsn(ASTORE, 15);
            for (int r = 1; r <= 5; r++) {
                mv.visitVarInsn(ALOAD, 15);
                pushInt(mv, r);
                mv.visitVarInsn(LLOAD, 5 + 2 * (r - 1));
                mv.visitInsn(LASTORE);
            }
            pushInt(mv, from);
            mv.visitVarInsn(ISTORE, 16);
            Label loop = new Label(), done = new Label();
            mv.visitLabel(loop);
            mv.visitVarInsn(ILOAD, 16);
            mv.visitJumpInsn(IFLT, done);
            mv.visitFieldInsn(GETSTATIC, name, "CHUNKS", "[[I");
            pushInt(mv, fn);
            mv.visitInsn(AALOAD);
            mv.visitVarInsn(ILOAD, 16);
            mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "chunkIndex", "([II)I", false);
            mv.visitVarInsn(ISTORE, 17);
            int[] starts = chunkStarts[fn];
            indexedCall(mv, "f" + from + "_", 0, starts.length, i -> "c" + starts[i], CHUNK_DESC, () -> {
                for (int v = 0; v <= 4; v++) mv.visitVarInsn(v <= 2 ? ALOAD : ILOAD, v);
                mv.visitVarInsn(ALOAD, 15);
                mv.visitVarInsn(ILOAD, 16);
            }, 17);
            mv.visitVarInsn(ISTORE, 16);
            mv.visitJumpInsn(GOTO, loop);
            mv.visitLabel(done);
            mv.visitVarInsn(ALOAD, 15);
            mv.visitInsn(ICONST_0);
            mv.visitInsn(LALOAD);
            mv.visitInsn(LRETURN);
            mv.visitMaxs(0, 0);
            mv.visitEnd();
        }

        /**
         * Emits a call of method {@code target(i)} (descriptor {@code desc}, arguments pushed by {@code args}) for the
         * {@code i} in local {@code index}, which lies in [lo, lo + count); leaves the result. Past
         * {@link #DISPATCH_GROUP} cases the range is spread over helper methods named {@code prefix + lo + "_" + k}
         * (each with the same arguments plus the index), so every dispatcher stays small enough to be compiled.
         */
        private void indexedCall(MethodVisitor mv, String prefix, int lo, int count, IntFunction<String> target, String desc,
                                 Runnable args, int index) {
            Label end = new Label(), bad = new Label();
            if (count <= DISPATCH_GROUP) {
                Label[] cases = new Label[count];
                for (int i = 0; i < count; i++) cases[i] = new Label();
                mv.visitVarInsn(ILOAD, index);
                mv.visitTableSwitchInsn(lo, lo + count - 1, bad, cases);
                for (int i = 0; i < count; i++) {
                    mv.visitLabel(cases[i]);
                    args.run();
                    mv.visitMethodInsn(INVOKESTATIC, name, target.apply(lo + i), desc, false);
                    mv.visitJumpInsn(GOTO, end);
                }
            } else {
                int span = DISPATCH_GROUP;
                while ((count + span - 1) / span > DISPATCH_GROUP) span *= DISPATCH_GROUP;
                int groups = (count + span - 1) / span;
                String groupDesc = desc.replace(")", "I)");
                Label[] cases = new Label[groups];
                for (int k = 0; k < groups; k++) cases[k] = new Label();
                mv.visitVarInsn(ILOAD, index);
                pushInt(mv, lo);
                mv.visitInsn(ISUB);
                pushInt(mv, span);
                mv.visitInsn(IDIV);
                mv.visitTableSwitchInsn(0, groups - 1, bad, cases);
                for (int k = 0; k < groups; k++) {
                    mv.visitLabel(cases[k]);
                    args.run();
                    mv.visitVarInsn(ILOAD, index);
                    String group = prefix + lo + "_" + k;
                    mv.visitMethodInsn(INVOKESTATIC, name, group, groupDesc, false);
                    mv.visitJumpInsn(GOTO, end);
                    int groupLo = lo + k * span, groupCount = Math.min(span, lo + count - groupLo);
                    pending.add(() -> {
                        MethodVisitor gm = cw.visitMethod(ACC_PRIVATE | ACC_STATIC, group, groupDesc, null, null);
                        gm.visitCode();
                        int indexSlot = 0;
                        for (Type t : Type.getArgumentTypes(desc)) indexSlot += t.getSize();
                        indexedCall(gm, group + "_", groupLo, groupCount, target, desc, () -> loadParameters(gm, groupDesc, 1), indexSlot);
                        gm.visitInsn(Type.getReturnType(desc).getOpcode(IRETURN));
                        gm.visitMaxs(0, 0);
                        gm.visitEnd();
                    });
                }
            }
            mv.visitLabel(bad);
            throwNew(mv, "java/lang/IllegalStateException", "no compiled code at that index");
            mv.visitLabel(end);
        }
    }

    /** {@code st.startLoops(depth)} in a function's (or a split function's dispatcher's) prologue. */
    private static void startLoops(MethodVisitor mv) {
        mv.visitVarInsn(ALOAD, ST);
        mv.visitVarInsn(ILOAD, DEPTH);
        mv.visitMethodInsn(INVOKEVIRTUAL, Type.getInternalName(ExecutionState.class), "startLoops", "(I)V", false);
    }

    /**
     * Emits the method of one function, slots [from, to), or of one chunk [from, to) of a split function
     * [funcFrom, funcTo): a chunk takes the registers from an array, starts at the slot it is given, and returns the
     * slot to continue at (-1 after exit, r0 in the array) whenever control leaves it.
     */
    private static final class FunctionEmitter {
        private final ClassEmitter cls;
        private final String owner;
        private final LinkedProgram linked;
        private final ProgramFacts facts;
        private final Program program;
        private final int funcFrom, funcTo, from, to;
        private final boolean chunk;
        private final MethodNode node;
        private final MethodVisitor mv;
        private final Label[] labels;
        private final List<Runnable> tails = new ArrayList<>();
        /** Stack word offset (from the frame pointer's word) to JVM local, when the frame lives in locals. */
        private Map<Integer, Integer> stackLocals;
        /** True when {@code PACKET} holds the packet's backing array, for the accesses proven inside the packet. */
        private boolean packetDirect;
        /** True when {@code CTX_ARRAY} holds the context's backing array, for the accesses proven inside the context. */
        private boolean contextDirect;
        /** The first local free for the locals of copied operation bodies ({@link Intrinsics}). */
        private int scratch = FIRST_FRAME_LOCAL;

        FunctionEmitter(ClassEmitter cls, int funcFrom, int funcTo, int from, int to) {
            this.cls = cls;
            this.owner = cls.name;
            this.linked = cls.linked;
            this.facts = cls.facts;
            this.program = linked.program();
            this.funcFrom = funcFrom;
            this.funcTo = funcTo;
            this.from = from;
            this.to = to;
            this.chunk = from != funcFrom || to != funcTo;
            this.node = chunk ? new MethodNode(ASM9, ACC_PRIVATE | ACC_STATIC, "c" + from, CHUNK_DESC, null, null)
                    : new MethodNode(ASM9, ACC_PRIVATE | ACC_STATIC, "f" + from, FN_DESC, null, null);
            this.mv = node;
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
                cls.pushInt(mv, r);
                load(r);
                mv.visitInsn(LASTORE);
            }
            storeBudget();
            pushSlot(slot);
            mv.visitInsn(IRETURN);
        }

        /**
         * Pushes an instruction number without filling the constant pool: up to 32767 as is, within 32767 of the
         * method's first slot relative to it (kept in {@code SLOT_BASE} by methods past slot 32767), otherwise built
         * from its parts.
         */
        private void pushSlot(int s) {
            if (s <= Short.MAX_VALUE) {
                cls.pushInt(mv, s);
            } else if (to > Short.MAX_VALUE && Math.abs(s - from) <= Short.MAX_VALUE) { // SLOT_BASE is set
                mv.visitVarInsn(ILOAD, SLOT_BASE);
                cls.pushInt(mv, s - from);
                mv.visitInsn(IADD);
            } else {
                cls.pushIntUnpooled(mv, s);
            }
        }

        /** Chunks only: where control may enter from outside: the first slot and every jump target in the chunk. */
        private int[] entrySlots() {
            BitSet targets = cls.jumpTargets;
            int count = 1;
            for (int t = targets.nextSetBit(from + 1); t >= 0 && t < to; t = targets.nextSetBit(t + 1)) count++;
            int[] in = new int[count];
            in[0] = from;
            int i = 1;
            for (int t = targets.nextSetBit(from + 1); t >= 0 && t < to; t = targets.nextSetBit(t + 1)) in[i++] = t;
            return in;
        }

        MethodNode emit() throws Unsupported {
            mv.visitCode();
            if (to > Short.MAX_VALUE) {
                cls.pushIntUnpooled(mv, from);
                mv.visitVarInsn(ISTORE, SLOT_BASE);
            }
            if (chunk) {
                // the parameters' slots are where r1..r5 live: move them out of the way first
                mv.visitVarInsn(ALOAD, 5);
                mv.visitVarInsn(ASTORE, REGS);
                mv.visitVarInsn(ILOAD, 6);
                mv.visitVarInsn(ISTORE, ENTRY);
                for (int r = 0; r <= 9; r++) {
                    mv.visitVarInsn(ALOAD, REGS);
                    cls.pushInt(mv, r);
                    mv.visitInsn(LALOAD);
                    mv.visitVarInsn(LSTORE, REG[r]);
                }
            } else {
                if (cls.holdsMayGoto(funcFrom, funcTo)) startLoops(mv);
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
                scratch = Math.max(scratch, local + 2);
            }
            packetDirect = packetArray();
            contextDirect = contextArray();
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
            } else {
                // Running past the last instruction of the program (the verifier rejects this; unverified code may).
                if (to < program.slotCount() && fallsThrough(to)) throw new Unsupported("function at " + funcFrom + " can run into the next function");
                pushSlot(Math.max(from, to - 1));
                mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "fellOffEnd", "(I)Ldev/bypass/vm/exec/ExecutionException;", false);
                mv.visitInsn(ATHROW);
            }
            for (Runnable t : tails) t.run();
            mv.visitMaxs(0, 0);
            mv.visitEnd();
            return node;
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
                    load(e.dst());
                    Intrinsics.apply(mv, Semantics.swap(e.order(), e.bits()), scratch);
                    store(e.dst());
                }
                case LoadImm64 l -> {
                    cls.pushLong(mv, linked.constantAt(s));
                    store(l.dst());
                }
                case Load l -> {
                    if (!provenStackLoad(s, l.width()) && !provenDirectLoad(s, l.width(), l.src(), l.offset())) {
                        address(l.src(), l.offset());
                        checkedLoad(s, l.width());
                    }
                    if (l.signExtend()) Intrinsics.apply(mv, Semantics.signExtension(8 * l.width().bytes), scratch);
                    store(l.dst());
                }
                case Store x -> {
                    if (provenStackStore(s, x.width(), () -> load(x.src()))) return;
                    if (provenDirectStore(s, x.width(), x.dst(), x.offset(), () -> load(x.src()))) return;
                    address(x.dst(), x.offset());
                    checkedStore(s, x.width(), () -> load(x.src()));
                }
                case StoreImm x -> {
                    if (provenStackStore(s, x.width(), () -> cls.pushLong(mv, x.imm()))) return;
                    if (provenDirectStore(s, x.width(), x.dst(), x.offset(), () -> cls.pushLong(mv, x.imm()))) return;
                    address(x.dst(), x.offset());
                    checkedStore(s, x.width(), () -> cls.pushLong(mv, x.imm()));
                }
                case Atomic a -> atomic(s, a);
                case PacketLoad p -> {
                    storeBudget();
                    mv.visitVarInsn(ALOAD, MEM);
                    cls.pushInt(mv, Opcodes.CLS_LD | (p.indirect() ? Opcodes.MODE_IND : Opcodes.MODE_ABS) | p.width().code);
                    if (p.indirect()) load(p.src()); else mv.visitInsn(LCONST_0);
                    cls.pushInt(mv, p.imm());
                    mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "packetLoad", "(" + MEMORY + "IJI)J", false);
                    store(0);
                }
                case Goto g -> mv.visitJumpInsn(GOTO, jumpLabel(s, s + 1 + g.offset()));
                case Jump j -> conditional(s, j);
                case MayGoto m -> {
                    mv.visitVarInsn(ALOAD, ST);
                    mv.visitVarInsn(ILOAD, DEPTH);
                    mv.visitMethodInsn(INVOKEVIRTUAL, Type.getInternalName(ExecutionState.class), "mayGotoExhausted", "(I)Z", false);
                    mv.visitJumpInsn(IFNE, jumpLabel(s, s + 1 + m.offset()));
                }
                case Call c when c.kind() == CallKind.HELPER -> helperCall(s, linked.helperAt(s));
                case Call c when c.kind() == CallKind.LOCAL -> localCall(s, s + 1 + c.imm());
                case Call c -> helperCall(s, linked.helperAt(s)); // a kfunc, linked to its implementation
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

        /** Pushes the operands {@code a} reads (as longs, or as ints for ALU32), applies its declaration, stores the result. */
        private void alu(Alu a) {
            AluOp op = a.op();
            boolean wide = a.alu64();
            if (op.readsDst()) operand(a.dst(), wide);
            if (op.readsSrc()) source(a.useRegister(), a.src(), a.imm(), wide);
            Intrinsics.apply(mv, Semantics.alu(op, wide), scratch);
            if (!wide) Intrinsics.apply(mv, Semantics.alu32Result(), scratch);
            store(a.dst());
        }

        /** Pushes register {@code r} as an operand: the long, or its low half for a 32-bit operation. */
        private void operand(int r, boolean wide) {
            load(r);
            if (!wide) mv.visitInsn(L2I);
        }

        /** Pushes a source operand: register {@code src}, or {@code imm} (sign-extended for a 64-bit operation). */
        private void source(boolean useRegister, int src, int imm, boolean wide) {
            if (useRegister) operand(src, wide);
            else if (wide) cls.pushLong(mv, imm);
            else cls.pushInt(mv, imm);
        }

        private void atomic(int s, Atomic a) {
            boolean wide = a.width() == Width.DW;
            if (wide && a.op() == AtomicOp.ADD) { // the common counter update: no operation switch at run time
                AccessFact f = facts.access(s);
                // proven a map value: the shared-region path straight away (still checked there and by the JVM)
                boolean mapValue = f != null && f.base() == RegisterType.PTR_TO_MAP_VALUE;
                mv.visitVarInsn(ALOAD, MEM);
                address(a.dst(), a.offset());
                load(a.src());
                pushSlot(s);
                mv.visitMethodInsn(INVOKESTATIC, SUPPORT, mapValue ? "sharedAtomicAdd64" : "atomicAdd64", "(" + MEMORY + "JJI)J", false);
                if (a.fetch()) store(a.src());
                else mv.visitInsn(POP2);
                return;
            }
            int imm = a.op().code | (a.fetch() ? 1 : 0);
            mv.visitVarInsn(ALOAD, MEM);
            cls.pushInt(mv, imm);
            mv.visitInsn(wide ? ICONST_1 : ICONST_0);
            address(a.dst(), a.offset());
            load(a.src());
            load(0);
            pushSlot(s);
            mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "atomic", "(" + MEMORY + "IZJJJI)J", false);
            if (a.op() == AtomicOp.CMPXCHG) store(0);
            else if (a.fetch() || a.op() == AtomicOp.XCHG) store(a.src());
            else mv.visitInsn(POP2);
        }

        /**
         * Pushes both operands (longs, or ints for JMP32) and branches as the condition's declaration says. An
         * unsigned comparison whose operands the verifier proved non-negative is emitted as the signed one, which
         * means the same there and is a plain compare the JVM's compiler recognises as a loop's exit test.
         */
        private void conditional(int s, Jump j) throws Unsupported {
            boolean wide = j.jmp64();
            JumpOp op = j.op();
            JumpOp signed = switch (op) {
                case JGT -> JumpOp.JSGT;
                case JGE -> JumpOp.JSGE;
                case JLT -> JumpOp.JSLT;
                case JLE -> JumpOp.JSLE;
                default -> null;
            };
            if (signed != null && nonNegative(s, j.dst(), wide) && (j.useRegister() ? nonNegative(s, j.src(), wide) : j.imm() >= 0)) op = signed;
            operand(j.dst(), wide);
            source(j.useRegister(), j.src(), j.imm(), wide);
            Intrinsics.branch(mv, Semantics.jump(op, wide), jumpLabel(s, s + 1 + j.offset()), scratch);
        }

        /**
         * Whether register {@code r} is proven non-negative before slot {@code s} as the comparison reads it: a scalar
         * in [0, 2^63) for 64 bits, in [0, 2^31) for 32 (its low half then being that value), or, compared as 64 bits,
         * a memory pointer or null (a region id below 2^31 above a 32-bit offset; code and map handles have negative
         * ids and are left out).
         */
        private boolean nonNegative(int s, int r, boolean wide) {
            dev.bypass.vm.facts.RegisterFact f = facts.register(s, r);
            if (f == null) return false;
            if (f.type() != RegisterType.SCALAR) return wide && f.type() != RegisterType.NOT_INIT && f.type() != RegisterType.PTR_TO_FUNC
                    && f.type() != RegisterType.CONST_PTR_TO_MAP && f.type() != RegisterType.CONST_PTR_TO_MAP_OR_NULL;
            return f.smin() >= 0 && (wide || f.smax() <= Integer.MAX_VALUE);
        }

        /**
         * Where a jump from {@code s} to {@code target} goes: the target's label for a forward jump inside the method,
         * else a tail that pays one unit of budget (backward jumps) and continues at the target or leaves the chunk.
         */
        private Label jumpLabel(int s, int target) throws Unsupported {
            if (!inside(target)) {
                checkInFunction(target);
                Label leave = new Label();
                tails.add(() -> {
                    mv.visitLabel(leave);
                    if (target <= s) payBudget(s);
                    leaveTo(target);
                });
                return leave;
            }
            Label dest = label(target);
            if (target > s) return dest;
            Label pay = new Label();
            tails.add(() -> {
                mv.visitLabel(pay);
                payBudget(s);
                mv.visitJumpInsn(GOTO, dest);
            });
            return pay;
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
            pushSlot(s);
            mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "budget", "(" + STATE + "I)Ldev/bypass/vm/exec/ExecutionException;", false);
            mv.visitInsn(ATHROW);
            mv.visitLabel(ok);
        }

        /**
         * A helper call. The standard map and ring buffer helpers are called directly (their static methods, see
         * {@link MapHelpers#direct}); any other helper through its implementation loaded as a constant, so the call is
         * bound to it rather than dispatched, then the tail call and re-entry checks. Errors name the instruction
         * and the helper, as the interpreter's do.
         */
        private void helperCall(int s, HelperSpec spec) {
            payBudget(s);
            java.lang.reflect.Method direct = MapHelpers.direct(spec.implementation());
            Label start = new Label(), end = new Label(), failed = new Label();
            mv.visitTryCatchBlock(start, end, failed, "java/lang/RuntimeException"); // one type: no frame merging
            if (direct == null) storeBudget();
            mv.visitLabel(start);
            if (direct != null) {
                mv.visitVarInsn(ALOAD, ST);
                for (int r = 1; r < direct.getParameterCount(); r++) load(r);
                mv.visitMethodInsn(INVOKESTATIC, Type.getInternalName(direct.getDeclaringClass()), direct.getName(), Type.getMethodDescriptor(direct), false);
            } else {
                mv.visitLdcInsn(cls.constant(spec.implementation(), dev.bypass.vm.helpers.Helper.class));
                mv.visitVarInsn(ALOAD, ST);
                for (int r = 1; r <= 5; r++) load(r);
                mv.visitMethodInsn(INVOKEINTERFACE, HELPER, "call", "(" + CONTEXT + "JJJJJ)J", true);
            }
            mv.visitLabel(end);
            store(0);
            if (direct == null) {
                mv.visitVarInsn(ALOAD, ST);
                mv.visitVarInsn(ALOAD, SELF);
                mv.visitVarInsn(ILOAD, DEPTH);
                mv.visitVarInsn(ILOAD, BASE);
                mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "afterHelper", "(" + STATE + ENGINE + "II)V", false);
                reloadBudget();
            }
            tails.add(() -> {
                mv.visitLabel(failed);
                pushSlot(s);
                mv.visitLdcInsn(spec.name());
                mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "helperFailed", "(Ljava/lang/RuntimeException;ILjava/lang/String;)Ldev/bypass/vm/exec/ExecutionException;", false);
                mv.visitInsn(ATHROW);
            });
        }

        private void callx(int s, int reg) {
            payBudget(s);
            storeBudget();
            mv.visitVarInsn(ALOAD, ST);
            mv.visitVarInsn(ALOAD, SELF);
            mv.visitFieldInsn(GETSTATIC, owner, "REGISTRY", Type.getDescriptor(HelperRegistry.class));
            load(reg);
            pushSlot(s);
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
            cls.pushInt(mv, Registers.MAX_CALL_DEPTH);
            mv.visitJumpInsn(IF_ICMPLT, ok);
            storeBudget();
            pushSlot(s);
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
            cls.pushInt(mv, Memory.STACK_REGION);
            mv.visitJumpInsn(IF_ICMPNE, slow);
            mv.visitVarInsn(LLOAD, ADDRESS);
            mv.visitInsn(L2I);
            mv.visitVarInsn(ISTORE, OFFSET);
            if (w.bytes > 1) {
                mv.visitVarInsn(ILOAD, OFFSET);
                cls.pushInt(mv, w.bytes - 1);
                mv.visitInsn(IAND);
                mv.visitJumpInsn(IFNE, slow);
            }
            mv.visitVarInsn(ILOAD, OFFSET);
            mv.visitJumpInsn(IFLT, slow);
            mv.visitVarInsn(ILOAD, OFFSET);
            cls.pushInt(mv, Memory.STACK_BYTES);
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

        /** Loads the zero-extended {@code w} at stack offset {@code OFFSET} (aligned to {@code w}) from the stack's words. */
        private void stackWordLoad(Width w) {
            offsetWordIndex();
            mv.visitInsn(LALOAD);
            if (w != Width.DW) {
                offsetShift();
                mv.visitInsn(LUSHR);
                cls.pushLong(mv, mask(w));
                mv.visitInsn(LAND);
            }
        }

        /** Stores {@code w} of the value {@code value} pushes at stack offset {@code OFFSET} (aligned to {@code w}). */
        private void stackWordStore(Width w, Runnable value) {
            offsetWordIndex();
            if (w == Width.DW) {
                value.run();
            } else {
                // word = (word & ~(mask << shift)) | ((v & mask) << shift)
                mv.visitInsn(DUP2);
                mv.visitInsn(LALOAD);
                cls.pushLong(mv, mask(w));
                offsetShift();
                mv.visitInsn(LSHL);
                cls.pushLong(mv, -1L);
                mv.visitInsn(LXOR);
                mv.visitInsn(LAND);
                value.run();
                cls.pushLong(mv, mask(w));
                mv.visitInsn(LAND);
                offsetShift();
                mv.visitInsn(LSHL);
                mv.visitInsn(LOR);
            }
            mv.visitInsn(LASTORE);
        }

        /**
         * How the access at {@code s} of {@code w} may be emitted without decoding its pointer: {@code PTR_TO_PACKET}
         * when proven inside the packet and the packet's array is at hand, {@code PTR_TO_STACK} when proven inside the
         * stack at an offset aligned to {@code w}; null for the checked path.
         */
        private RegisterType directBase(int s, Width w) {
            AccessFact f = facts.access(s);
            if (f == null || !f.provenInBounds()) return null;
            if (f.base() == RegisterType.PTR_TO_PACKET && packetDirect) return f.base();
            if (f.base() == RegisterType.PTR_TO_CTX && contextDirect) return f.base();
            if (f.base() == RegisterType.PTR_TO_STACK && f.alignedTo(w.bytes) && LITTLE_ENDIAN_HOST) return f.base();
            return null;
        }

        /**
         * Pushes the offset the access forms inside its region: the low half of the base register (a pointer's offset)
         * plus the instruction's offset. An int, as array indexes are; a wrong proof gives an index the JVM rejects
         * or one inside the same region, never an address outside it.
         */
        private void regionOffset(int reg, short off) {
            load(reg);
            mv.visitInsn(L2I);
            if (off != 0) {
                cls.pushInt(mv, off);
                mv.visitInsn(IADD);
            }
        }

        /** Emits a load the verifier proved inside the packet or the stack as an array access; false when not proven. */
        private boolean provenDirectLoad(int s, Width w, int reg, short off) {
            RegisterType base = directBase(s, w);
            if (base == null) return false;
            if (base == RegisterType.PTR_TO_STACK) {
                regionOffset(reg, off);
                mv.visitVarInsn(ISTORE, OFFSET);
                stackWordLoad(w);
                return true;
            }
            mv.visitVarInsn(ALOAD, base == RegisterType.PTR_TO_CTX ? CTX_ARRAY : PACKET);
            regionOffset(reg, off);
            if (w == Width.B) {
                mv.visitInsn(BALOAD);
                cls.pushInt(mv, 0xff);
                mv.visitInsn(IAND);
                mv.visitInsn(I2L);
            } else {
                mv.visitMethodInsn(INVOKESTATIC, Type.getInternalName(Memory.class), "arrayLoad" + bits(w), "([BI)J", false);
            }
            return true;
        }

        /** Emits a store the verifier proved inside the packet or the stack as an array access; false when not proven. */
        private boolean provenDirectStore(int s, Width w, int reg, short off, Runnable value) {
            RegisterType base = directBase(s, w);
            if (base == null) return false;
            if (base == RegisterType.PTR_TO_STACK) {
                regionOffset(reg, off);
                mv.visitVarInsn(ISTORE, OFFSET);
                stackWordStore(w, value);
                return true;
            }
            mv.visitVarInsn(ALOAD, base == RegisterType.PTR_TO_CTX ? CTX_ARRAY : PACKET);
            regionOffset(reg, off);
            value.run();
            if (w == Width.B) {
                mv.visitInsn(L2I);
                mv.visitInsn(BASTORE);
            } else {
                mv.visitMethodInsn(INVOKESTATIC, Type.getInternalName(Memory.class), "arrayStore" + bits(w), "([BIJ)V", false);
            }
            return true;
        }

        /**
         * Whether this function's proven packet accesses can index the packet's array: it is a whole function (not a
         * chunk), and a register it is called with is proven to point into the packet (a buffer program's r1, a
         * packet pointer passed to a subprogram). The array is then taken once at entry into {@code PACKET}; in a
         * call where the packet has none (off-heap, or read-only where the function writes), the whole call runs in
         * the interpreter, before anything has happened, so results are the same either way.
         */
        private boolean packetArray() {
            if (chunk || !facts.verified()) return false;
            boolean any = false, writes = false;
            for (int s = from; s < to; s++) {
                Instruction insn = program.at(s);
                if (insn == null || !facts.reachable(s)) continue;
                boolean write = insn instanceof Store || insn instanceof StoreImm;
                if (!(insn instanceof Load) && !write) continue;
                AccessFact f = facts.access(s);
                if (f == null || !f.provenInBounds() || f.base() != RegisterType.PTR_TO_PACKET) continue;
                any = true;
                writes |= write;
            }
            if (!any) return false;
            int pointer = -1;
            for (int r = 1; r <= 5 && pointer < 0; r++) {
                dev.bypass.vm.facts.RegisterFact f = facts.register(funcFrom, r);
                if (f != null && f.type() == RegisterType.PTR_TO_PACKET) pointer = r;
            }
            if (pointer < 0) return false;
            backingArrayOrInterpret(pointer, writes, 0, PACKET);
            return true;
        }

        /**
         * Whether this function's proven context accesses can index the context's array: as for the packet
         * ({@link #packetArray}), when a register it is called with points into the context and every proven context
         * access is at a constant offset, so the array is known to hold all of them ({@code extent} bytes) before the
         * first instruction runs; a call where it does not (a shorter raw context, no whole heap array) runs in the
         * interpreter, which faults where the program reaches past the context.
         */
        private boolean contextArray() {
            if (chunk || !facts.verified()) return false;
            boolean writes = false;
            long extent = 0;
            for (int s = from; s < to; s++) {
                Instruction insn = program.at(s);
                if (insn == null || !facts.reachable(s)) continue;
                int reg;
                short off;
                Width w;
                switch (insn) {
                    case Load l -> { reg = l.src(); off = l.offset(); w = l.width(); }
                    case Store x -> { reg = x.dst(); off = x.offset(); w = x.width(); writes = true; }
                    case StoreImm x -> { reg = x.dst(); off = x.offset(); w = x.width(); writes = true; }
                    default -> { continue; }
                }
                AccessFact f = facts.access(s);
                if (f == null || !f.provenInBounds() || f.base() != RegisterType.PTR_TO_CTX) continue;
                dev.bypass.vm.facts.RegisterFact b = facts.register(s, reg);
                if (b == null || b.type() != RegisterType.PTR_TO_CTX || b.mask() != 0) return false;
                long end = b.fixedOffset() + b.value() + off + w.bytes;
                if (end <= 0 || end > Integer.MAX_VALUE) return false;
                extent = Math.max(extent, end);
            }
            if (extent == 0) return false;
            int pointer = -1;
            for (int r = 1; r <= 5 && pointer < 0; r++) {
                dev.bypass.vm.facts.RegisterFact f = facts.register(funcFrom, r);
                if (f != null && f.type() == RegisterType.PTR_TO_CTX) pointer = r;
            }
            if (pointer < 0) return false;
            backingArrayOrInterpret(pointer, writes, (int) extent, CTX_ARRAY);
            return true;
        }

        /**
         * Stores into {@code local} the whole heap array behind the region register {@code pointer} points into
         * ({@link Memory#backingArray}), when it has one of at least {@code minLength} bytes (writable, with
         * {@code writes}); otherwise the call runs in the interpreter before any instruction did.
         */
        private void backingArrayOrInterpret(int pointer, boolean writes, int minLength, int local) {
            Label ok = new Label(), interpret = new Label();
            mv.visitVarInsn(ALOAD, MEM);
            load(pointer);
            mv.visitInsn(writes ? ICONST_1 : ICONST_0);
            mv.visitMethodInsn(INVOKEVIRTUAL, Type.getInternalName(Memory.class), "backingArray", "(JZ)[B", false);
            mv.visitInsn(DUP);
            mv.visitVarInsn(ASTORE, local);
            mv.visitJumpInsn(IFNULL, interpret);
            mv.visitVarInsn(ALOAD, local);
            mv.visitInsn(ARRAYLENGTH);
            cls.pushInt(mv, minLength);
            mv.visitJumpInsn(IF_ICMPGE, ok);
            mv.visitLabel(interpret);
            mv.visitLdcInsn(cls.interpreter());
            mv.visitVarInsn(ALOAD, ST);
            mv.visitVarInsn(ALOAD, SELF);
            pushSlot(funcFrom);
            mv.visitVarInsn(ILOAD, DEPTH);
            for (int r = 1; r <= 5; r++) load(r);
            mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "interpret", "(" + ENGINE + STATE + ENGINE + "IIJJJJJ)J", false);
            mv.visitInsn(LRETURN);
            mv.visitLabel(ok);
        }

        /** A load of {@code w} at the address on the operand stack: the stack inline, anything else through Memory. */
        private void checkedLoad(int s, Width w) {
            Label slow = new Label(), done = new Label();
            mv.visitVarInsn(LSTORE, ADDRESS);
            stackFastPathTest(w, slow);
            stackWordLoad(w);
            mv.visitJumpInsn(GOTO, done);
            mv.visitLabel(slow);
            mv.visitVarInsn(ALOAD, MEM);
            mv.visitVarInsn(LLOAD, ADDRESS);
            pushSlot(s);
            mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "load" + bits(w), "(" + MEMORY + "JI)J", false);
            mv.visitLabel(done);
        }

        /** A store of {@code w} of the value {@code value} pushes at the address on the operand stack. */
        private void checkedStore(int s, Width w, Runnable value) {
            Label slow = new Label(), done = new Label();
            mv.visitVarInsn(LSTORE, ADDRESS);
            stackFastPathTest(w, slow);
            stackWordStore(w, value);
            mv.visitJumpInsn(GOTO, done);
            mv.visitLabel(slow);
            mv.visitVarInsn(ALOAD, MEM);
            mv.visitVarInsn(LLOAD, ADDRESS);
            value.run();
            pushSlot(s);
            mv.visitMethodInsn(INVOKESTATIC, SUPPORT, "store" + bits(w), "(" + MEMORY + "JJI)V", false);
            mv.visitLabel(done);
        }

        /** Pushes {@code STACK} and the index of the proven slot's word. */
        private void stackWordIndex(int wordOffset) {
            mv.visitVarInsn(ALOAD, STACK);
            mv.visitVarInsn(ILOAD, FRAME_WORD);
            cls.pushInt(mv, wordOffset);
            mv.visitInsn(IADD);
        }

        /** Emits a proven stack load (the zero-extended value on the operand stack); false when not proven. */
        private boolean provenStackLoad(int s, Width w) {
            int[] slot = provenStackSlot(s, w);
            if (slot == null) return false;
            loadStackWord(slot[0]);
            if (w != Width.DW) {
                if (slot[1] != 0) {
                    cls.pushInt(mv, slot[1]);
                    mv.visitInsn(LUSHR);
                }
                cls.pushLong(mv, mask(w));
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
                cls.pushLong(mv, ~(mask(w) << slot[1]));
                mv.visitInsn(LAND);
                value.run();
                cls.pushLong(mv, mask(w));
                mv.visitInsn(LAND);
                if (slot[1] != 0) {
                    cls.pushInt(mv, slot[1]);
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
                cls.pushLong(mv, off);
                mv.visitInsn(LADD);
            }
        }

        private void load(int r) { mv.visitVarInsn(LLOAD, REG[r]); }

        private void store(int r) { mv.visitVarInsn(LSTORE, REG[r]); }

        private void storeBudget() {
            mv.visitVarInsn(ALOAD, ST);
            mv.visitVarInsn(LLOAD, BUDGET);
            mv.visitMethodInsn(INVOKEVIRTUAL, Type.getInternalName(ExecutionState.class), "remainingBudget", "(J)V", false);
        }

        private void reloadBudget() {
            mv.visitVarInsn(ALOAD, ST);
            mv.visitMethodInsn(INVOKEVIRTUAL, Type.getInternalName(ExecutionState.class), "remainingBudget", "()J", false);
            mv.visitVarInsn(LSTORE, BUDGET);
        }

        private static int bits(Width w) {
            return switch (w) { case B -> 8; case H -> 16; case W -> 32; case DW -> 64; };
        }
    }
}
