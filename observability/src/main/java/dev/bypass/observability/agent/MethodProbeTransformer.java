package dev.bypass.observability.agent;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.commons.AdviceAdapter;

/**
 * Adds entry and exit calls to {@code ProbeBridge} in the methods the agent's configuration names. Entry boxes the
 * arguments once into an array kept in a new local (exit programs see the same values); exit runs before every
 * return and every {@code athrow} of the method. The added code has no branches, so existing stack map frames stay
 * valid and no class has to be loaded to compute new ones.
 */
final class MethodProbeTransformer implements ClassFileTransformer {
    static final String BRIDGE = "dev/bypass/observability/agent/bridge/ProbeBridge";

    /** One instrumented method of a class (the map key): method name, optional descriptor, probe id. */
    record Target(String method, String descriptor, int probe) {
        boolean matches(String name, String desc) { return method.equals(name) && (descriptor == null || descriptor.equals(desc)); }
    }

    private final Map<String, List<Target>> byClass;
    private final java.util.function.BiConsumer<String, Throwable> errors;
    private final java.util.Set<String> instrumented = java.util.concurrent.ConcurrentHashMap.newKeySet();

    MethodProbeTransformer(Map<String, List<Target>> byClass, java.util.function.BiConsumer<String, Throwable> errors) {
        this.byClass = byClass;
        this.errors = errors;
    }

    /** Methods instrumented so far, as {@code class#method descriptor}. */
    java.util.Set<String> instrumented() { return instrumented; }

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
                        changed[0] = true;
                        instrumented.add(className.replace('/', '.') + "#" + name + desc);
                        mv = new Probe(mv, access, name, desc, t.probe());
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

    private static final class Probe extends AdviceAdapter {
        private final int probe;
        private final boolean isStatic;
        private int argsLocal, tokenLocal;

        Probe(MethodVisitor mv, int access, String name, String desc, int probe) {
            super(Opcodes.ASM9, mv, access, name, desc);
            this.probe = probe;
            this.isStatic = (access & Opcodes.ACC_STATIC) != 0;
        }

        private void receiver() {
            if (isStatic) visitInsn(ACONST_NULL);
            else loadThis();
        }

        @Override protected void onMethodEnter() {
            loadArgArray();
            argsLocal = newLocal(Type.getType(Object[].class));
            storeLocal(argsLocal);
            push(probe);
            receiver();
            loadLocal(argsLocal);
            visitMethodInsn(INVOKESTATIC, BRIDGE, "enter", "(ILjava/lang/Object;[Ljava/lang/Object;)J", false);
            tokenLocal = newLocal(Type.LONG_TYPE);
            storeLocal(tokenLocal);
        }

        @Override protected void onMethodExit(int opcode) {
            // The result goes first in the call so that no local is needed for it (a local introduced here would
            // appear uninitialised in the frames of later branch targets).
            if (opcode == RETURN) visitInsn(ACONST_NULL);
            else if (opcode == ATHROW || opcode == ARETURN) dup();
            else {
                Type t = Type.getReturnType(methodDesc);
                if (t.getSize() == 2) dup2();
                else dup();
                box(t);
            }
            push(probe);
            receiver();
            loadLocal(argsLocal);
            loadLocal(tokenLocal);
            visitMethodInsn(INVOKESTATIC, BRIDGE, "exit", "(Ljava/lang/Object;ILjava/lang/Object;[Ljava/lang/Object;J)V", false);
        }
    }
}
