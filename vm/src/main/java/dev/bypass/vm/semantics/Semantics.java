package dev.bypass.vm.semantics;

import dev.bypass.vm.isa.AluOp;
import dev.bypass.vm.isa.ByteOrder;
import dev.bypass.vm.isa.JumpOp;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.EnumMap;
import java.util.Map;

/**
 * The opcode table: for each ALU operation and width, each conditional jump and width, and each byte swap, the one
 * method of {@link Ops} that says what it does, found by its annotation. Every engine consumes these declarations:
 * the interpreter calls the methods, the JIT inlines their bytecode ({@code dev.bypass.vm.jit.Intrinsics}), and
 * constant folding (the verifier's {@link #eval}, {@link #test}, {@link Ops#endian}) evaluates them
 * here through method handles. The table is checked when the class loads: an operation without exactly one
 * implementation of the right shape stops the VM from starting rather than running with a gap.
 */
public final class Semantics {
    private Semantics() {}

    /** Marks the implementation of an ALU operation; a {@code long} result means ALU64, an {@code int} result ALU32. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    public @interface Alu { AluOp value(); }

    /** Marks a jump condition (true: taken); {@code long} operands mean JMP, {@code int} operands JMP32. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    public @interface Jump { JumpOp value(); }

    /** Marks a byte swap of {@code bits} for the given instruction flavours. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    public @interface Swap {
        ByteOrder[] value();

        int bits();
    }

    /**
     * One implementation: a public static method of {@link Ops} ({@code owner}, {@code name}, {@code descriptor} in JVM
     * form, for code generators), and a handle to it.
     */
    public record Impl(String owner, String name, String descriptor, MethodHandle handle) {
        @Override public String toString() { return name + descriptor; }
    }

    public static final String OWNER = Ops.class.getName().replace('.', '/');

    private static final Map<AluOp, Impl> ALU64 = new EnumMap<>(AluOp.class), ALU32 = new EnumMap<>(AluOp.class);
    private static final Map<JumpOp, Impl> JMP64 = new EnumMap<>(JumpOp.class), JMP32 = new EnumMap<>(JumpOp.class);
    private static final Map<ByteOrder, Impl[]> SWAPS = new EnumMap<>(ByteOrder.class);
    /** Constant folding: every ALU implementation as {@code (long dst, long src) -> long}, with the class rules applied. */
    private static final Map<AluOp, MethodHandle> EVAL64 = new EnumMap<>(AluOp.class), EVAL32 = new EnumMap<>(AluOp.class);
    private static final Map<JumpOp, MethodHandle> TEST64 = new EnumMap<>(JumpOp.class), TEST32 = new EnumMap<>(JumpOp.class);
    private static final Impl ALU32_RESULT;

    static {
        // this module's lookup: the package is not exported, so a public lookup cannot see Ops once the vm is a module
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        try {
            for (Method m : Ops.class.getDeclaredMethods()) {
                Alu alu = m.getAnnotation(Alu.class);
                Jump jump = m.getAnnotation(Jump.class);
                Swap swap = m.getAnnotation(Swap.class);
                if (alu == null && jump == null && swap == null) continue;
                if (!Modifier.isPublic(m.getModifiers()) || !Modifier.isStatic(m.getModifiers()))
                    throw new IllegalStateException(m + " must be public and static");
                Impl impl = new Impl(OWNER, m.getName(), MethodType.methodType(m.getReturnType(), m.getParameterTypes()).toMethodDescriptorString(),
                        lookup.unreflect(m));
                if (alu != null) addAlu(alu.value(), m, impl);
                if (jump != null) addJump(jump.value(), m, impl);
                if (swap != null) addSwap(swap, m, impl);
            }
            Method result = Ops.class.getMethod("alu32", int.class);
            ALU32_RESULT = new Impl(OWNER, "alu32", "(I)J", lookup.unreflect(result));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        for (AluOp op : AluOp.values()) {
            require(ALU64.containsKey(op), "64-bit " + op);
            require(ALU32.containsKey(op) == op.validFor(false), "32-bit " + op);
        }
        for (JumpOp op : JumpOp.values()) require(JMP64.containsKey(op) && JMP32.containsKey(op), op.toString());
        for (ByteOrder o : ByteOrder.values()) {
            Impl[] byBits = SWAPS.get(o);
            require(byBits != null && byBits[0] != null && byBits[1] != null && byBits[2] != null, o + " swaps");
        }
        for (var e : ALU64.entrySet()) EVAL64.put(e.getKey(), binary(e.getKey(), e.getValue().handle(), long.class));
        for (var e : ALU32.entrySet()) EVAL32.put(e.getKey(),
                MethodHandles.filterReturnValue(binary(e.getKey(), e.getValue().handle(), int.class), ALU32_RESULT.handle()));
        for (var e : JMP64.entrySet()) TEST64.put(e.getKey(), e.getValue().handle());
        for (var e : JMP32.entrySet()) TEST32.put(e.getKey(),
                MethodHandles.explicitCastArguments(e.getValue().handle(), MethodType.methodType(boolean.class, long.class, long.class)));
    }

    private static void require(boolean ok, String what) {
        if (!ok) throw new IllegalStateException("Ops declares no implementation of " + what);
    }

    private static void addAlu(AluOp op, Method m, Impl impl) {
        boolean wide = m.getReturnType() == long.class;
        Class<?> operand = wide ? long.class : int.class;
        int arity = (op.readsDst() ? 1 : 0) + (op.readsSrc() ? 1 : 0);
        if (m.getReturnType() != long.class && m.getReturnType() != int.class || m.getParameterCount() != arity)
            throw new IllegalStateException(m + ": " + op + " takes " + arity + " operand(s)");
        for (Class<?> p : m.getParameterTypes()) if (p != operand) throw new IllegalStateException(m + ": mixed widths");
        if ((wide ? ALU64 : ALU32).put(op, impl) != null) throw new IllegalStateException("two implementations of " + op);
    }

    private static void addJump(JumpOp op, Method m, Impl impl) {
        Class<?>[] p = m.getParameterTypes();
        if (m.getReturnType() != boolean.class || p.length != 2 || p[0] != p[1] || p[0] != long.class && p[0] != int.class)
            throw new IllegalStateException(m + ": a jump condition takes two operands of one width and returns boolean");
        if ((p[0] == long.class ? JMP64 : JMP32).put(op, impl) != null) throw new IllegalStateException("two implementations of " + op);
    }

    private static void addSwap(Swap swap, Method m, Impl impl) {
        if (!impl.descriptor().equals("(J)J")) throw new IllegalStateException(m + ": a byte swap maps long to long");
        for (ByteOrder o : swap.value()) {
            Impl[] byBits = SWAPS.computeIfAbsent(o, x -> new Impl[3]);
            int i = bitsIndex(swap.bits());
            if (byBits[i] != null) throw new IllegalStateException("two implementations of " + o + swap.bits());
            byBits[i] = impl;
        }
    }

    private static int bitsIndex(int bits) {
        return switch (bits) {
            case 16 -> 0;
            case 32 -> 1;
            case 64 -> 2;
            default -> throw new IllegalArgumentException("byte swaps are 16, 32 or 64 bits, not " + bits);
        };
    }

    /** {@code h} (taking the operands the op reads, of type {@code operand}) as {@code (long dst, long src)}. */
    private static MethodHandle binary(AluOp op, MethodHandle h, Class<?> operand) {
        if (!op.readsSrc()) h = MethodHandles.dropArguments(h, 1, operand);
        if (!op.readsDst()) h = MethodHandles.dropArguments(h, 0, operand);
        return MethodHandles.explicitCastArguments(h, MethodType.methodType(h.type().returnType(), long.class, long.class));
    }

    /** The implementation of {@code op} at 64 or 32 bits. */
    public static Impl alu(AluOp op, boolean alu64) {
        Impl i = (alu64 ? ALU64 : ALU32).get(op);
        if (i == null) throw new IllegalArgumentException(op + " has no 32-bit form");
        return i;
    }

    /** The condition of {@code op} at 64 or 32 bits. */
    public static Impl jump(JumpOp op, boolean jmp64) { return (jmp64 ? JMP64 : JMP32).get(op); }

    /** The byte swap of {@code order} at {@code bits} (16, 32 or 64). */
    public static Impl swap(ByteOrder order, int bits) { return SWAPS.get(order)[bitsIndex(bits)]; }

    /** Sign extension of the low {@code bits} (8, 16, 32) to 64: what {@code movsx} and sign-extending loads do. */
    public static Impl signExtension(int bits) {
        return alu(switch (bits) {
            case 8 -> AluOp.MOVSX8;
            case 16 -> AluOp.MOVSX16;
            case 32 -> AluOp.MOVSX32;
            default -> throw new IllegalArgumentException("no sign extension from " + bits + " bits");
        }, true);
    }

    /** {@link Ops#alu32}: how a 32-bit result becomes the register value. */
    public static Impl alu32Result() { return ALU32_RESULT; }

    /** Evaluates {@code dst op src} at 64 or 32 bits, as an instruction would leave {@code dst}. */
    public static long eval(AluOp op, boolean alu64, long dst, long src) {
        try {
            return (long) (alu64 ? EVAL64 : EVAL32).get(op).invokeExact(dst, src);
        } catch (Throwable t) {
            throw new IllegalStateException("evaluating " + op, t);
        }
    }

    /** Whether a jump {@code a op b} at 64 or 32 bits is taken. */
    public static boolean test(JumpOp op, boolean jmp64, long a, long b) {
        try {
            return (boolean) (jmp64 ? TEST64 : TEST32).get(op).invokeExact(a, b);
        } catch (Throwable t) {
            throw new IllegalStateException("evaluating " + op, t);
        }
    }

    /** The value a byte swap of {@code order} and {@code bits} leaves in the register. */
    public static long swapValue(ByteOrder order, int bits, long v) {
        try {
            return (long) swap(order, bits).handle().invokeExact(v);
        } catch (Throwable t) {
            throw new IllegalStateException("evaluating " + order + bits, t);
        }
    }
}
