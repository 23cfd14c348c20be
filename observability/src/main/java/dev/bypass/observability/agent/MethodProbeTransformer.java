package dev.bypass.observability.agent;

import dev.bypass.observability.ProbeTypes;
import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.commons.AdviceAdapter;

/**
 * Adds entry and exit calls to {@code ProbeBridge} in the methods the agent's configuration names. Each call site
 * passes only what the probe's programs read ({@link ContextUse}): it takes the thread's frame from the bridge and
 * writes the arguments they read into it (primitives as numbers, objects as references: nothing is boxed or
 * allocated), and the exit passes the result only when they read it, as a number for primitives. Arguments the
 * exit programs read are copied into new locals at entry, so exit programs see the values the call started with.
 * Exit calls run before every return and every {@code athrow} of the method. The added code has no branches, so
 * existing stack map frames stay valid and no class has to be loaded to compute new ones.
 */
final class MethodProbeTransformer implements ClassFileTransformer {
    static final String BRIDGE = "dev/bypass/observability/agent/bridge/ProbeBridge";
    static final String FRAME = "dev/bypass/observability/agent/bridge/ProbeFrame";
    private static final String FRAME_DESC = "L" + FRAME + ";";

    /** One instrumented method of a class (the map key): method name, optional descriptor, its probe. */
    record Target(String method, String descriptor, Probe probe) {
        boolean matches(String name, String desc) { return method.equals(name) && (descriptor == null || descriptor.equals(desc)); }
    }

    /** Gives each instrumented method (a probe may match several overloads) the id its call sites pass. */
    interface Sites {
        int register(Probe probe, String className, String method, String descriptor, boolean isStatic);
    }

    private final Map<String, List<Target>> byClass;
    private final Sites sites;
    private final BiConsumer<String, Throwable> errors;
    private final Set<String> instrumented = ConcurrentHashMap.newKeySet();

    MethodProbeTransformer(Map<String, List<Target>> byClass, Sites sites, BiConsumer<String, Throwable> errors) {
        this.byClass = byClass;
        this.sites = sites;
        this.errors = errors;
    }

    /** Methods instrumented so far, as {@code class#method descriptor}. */
    Set<String> instrumented() { return instrumented; }

    @Override public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
                                      ProtectionDomain domain, byte[] bytes) {
        if (className == null) return null;
        List<Target> targets = byClass.get(className);
        if (targets == null) return null;
        try {
            ClassReader reader = new ClassReader(bytes);
            ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
            boolean[] changed = {false};
            reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
                @Override public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] exc) {
                    MethodVisitor mv = super.visitMethod(access, name, desc, sig, exc);
                    if ((access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) return mv;
                    // several probes may name the same method (with and without a descriptor): each adds its calls
                    for (Target t : targets) {
                        if (!t.matches(name, desc)) continue;
                        Probe p = t.probe();
                        if (!p.hasEntry() && !p.hasExit()) continue;
                        changed[0] = true;
                        instrumented.add(className.replace('/', '.') + "#" + name + desc);
                        boolean isStatic = (access & Opcodes.ACC_STATIC) != 0;
                        mv = new Site(mv, access, name, desc, p, sites.register(p, className, name, desc, isStatic));
                    }
                    return mv;
                }
            }, ClassReader.EXPAND_FRAMES);
            return changed[0] ? writer.toByteArray() : null;
        } catch (RuntimeException e) {
            errors.accept(className, e);
            return null; // the class loads unchanged: a probe that cannot be placed must not break the application
        }
    }

    /** The calls of one probe in one method. */
    private static final class Site extends AdviceAdapter {
        private final int site;
        private final boolean isStatic, hasEntry, hasExit, exitResult, token;
        private final int entryArgs, exitArgs;
        private final Type[] argTypes;
        private final int[] copies;
        private int tokenLocal = -1;

        Site(MethodVisitor mv, int access, String name, String desc, Probe p, int site) {
            super(Opcodes.ASM9, mv, access, name, desc);
            this.site = site;
            this.isStatic = (access & Opcodes.ACC_STATIC) != 0;
            this.argTypes = Type.getArgumentTypes(desc);
            int present = (1 << Math.min(argTypes.length, ProbeTypes.MAX_ARGS)) - 1;
            this.hasEntry = p.hasEntry();
            this.hasExit = p.hasExit();
            this.entryArgs = hasEntry ? p.entryUse().args() & present : 0;
            this.exitArgs = hasExit ? p.exitUse().args() & present : 0;
            this.exitResult = hasExit && p.exitUse().result();
            this.token = hasExit && p.exitUse().elapsed();
            this.copies = new int[argTypes.length];
        }

        private void receiver() {
            if (isStatic) visitInsn(ACONST_NULL);
            else loadThis();
        }

        /** With the frame on the stack, writes argument {@code i} (from its copy when {@code copy}) into it. */
        private void writeArg(int i, boolean copy) {
            Type t = argTypes[i];
            boolean primitive = t.getSort() != Type.OBJECT && t.getSort() != Type.ARRAY;
            dup();
            visitFieldInsn(GETFIELD, FRAME, primitive ? "nums" : "refs", primitive ? "[J" : "[Ljava/lang/Object;");
            push(i);
            if (copy) loadLocal(copies[i]);
            else loadArg(i);
            if (primitive) {
                asNumber(t);
                visitInsn(LASTORE);
            } else visitInsn(AASTORE);
        }

        /** Converts the primitive on the stack to its 64-bit number, as {@code MethodValues.asLong} does. */
        private void asNumber(Type t) {
            switch (t.getSort()) {
                case Type.LONG -> {}
                case Type.DOUBLE -> visitMethodInsn(INVOKESTATIC, "java/lang/Double", "doubleToRawLongBits", "(D)J", false);
                case Type.FLOAT -> {
                    visitMethodInsn(INVOKESTATIC, "java/lang/Float", "floatToRawIntBits", "(F)I", false);
                    visitInsn(I2L);
                    push(0xffffffffL);
                    visitInsn(LAND);
                }
                default -> visitInsn(I2L); // int, short, byte, char (zero-extended by its load), boolean (0 or 1)
            }
        }

        private void writeArgs(int mask, boolean copy) {
            for (int i = 0; i < argTypes.length; i++) if ((mask & 1 << i) != 0) writeArg(i, copy);
        }

        @Override protected void onMethodEnter() {
            for (int i = 0; i < argTypes.length; i++) {
                if ((exitArgs & 1 << i) == 0) continue;
                copies[i] = newLocal(argTypes[i]);
                loadArg(i);
                storeLocal(copies[i]);
            }
            if (hasEntry) {
                visitMethodInsn(INVOKESTATIC, BRIDGE, "frame", "()" + FRAME_DESC, false);
                writeArgs(entryArgs, false);
                push(site);
                receiver();
                visitMethodInsn(INVOKESTATIC, BRIDGE, "enter", "(" + FRAME_DESC + "ILjava/lang/Object;)J", false);
                if (token) {
                    tokenLocal = newLocal(Type.LONG_TYPE);
                    storeLocal(tokenLocal);
                } else visitInsn(POP2);
            } else if (token) {
                visitMethodInsn(INVOKESTATIC, "java/lang/System", "nanoTime", "()J", false);
                tokenLocal = newLocal(Type.LONG_TYPE);
                storeLocal(tokenLocal);
            }
        }

        @Override protected void onMethodExit(int opcode) {
            if (!hasExit) return;
            // The result goes first in the call so that no local is needed for it (a local introduced here would
            // appear uninitialised in the frames of later branch targets).
            String exit = "exit", resultDesc = "";
            if (exitResult && opcode != RETURN) {
                if (opcode == ATHROW || opcode == ARETURN) {
                    dup();
                    exit = "exitObject";
                    resultDesc = "Ljava/lang/Object;";
                } else {
                    Type t = Type.getReturnType(methodDesc);
                    if (t.getSize() == 2) dup2();
                    else dup();
                    asNumber(t);
                    exit = "exitNumber";
                    resultDesc = "J";
                }
            }
            visitMethodInsn(INVOKESTATIC, BRIDGE, "frame", "()" + FRAME_DESC, false);
            writeArgs(exitArgs, true);
            push(site);
            receiver();
            if (tokenLocal >= 0) loadLocal(tokenLocal);
            else push(0L);
            visitMethodInsn(INVOKESTATIC, BRIDGE, exit, "(" + resultDesc + FRAME_DESC + "ILjava/lang/Object;J)V", false);
        }
    }
}
