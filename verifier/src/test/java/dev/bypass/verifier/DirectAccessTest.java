package dev.bypass.verifier;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.verification.ProgramType;
import dev.bypass.vm.verification.VerificationRequest;
import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionException;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.Interpreter;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.memory.Memory;
import dev.bypass.vm.memory.Region;
import dev.bypass.vm.facts.ProgramFacts;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.jit.JitCompiler;
import dev.bypass.vm.jit.JitEngine;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Accesses the verifier proves inside the buffer or the stack are compiled as plain array accesses: the generated
 * class of a verified kernel decodes no pointer and calls no checked accessor, while the same kernel without facts
 * does both. Seeded buffer programs of loads and stores of every width agree with the interpreter, on heap buffers
 * (direct path), read-only and off-heap ones (the call runs in the interpreter).
 */
class DirectAccessTest {
    static final HelperRegistry NO_HELPERS = HelperRegistry.builder().build();

    static StandardVerifier.Result verify(Program p, int length) {
        return StandardVerifier.analyse(VerificationRequest.forBuffer("direct", p, ProgramType.buffer(length), NO_HELPERS), false);
    }

    /** Checked memory calls and region decodes (a shift right by 32 of a pointer) in the class's program methods. */
    static List<String> checkedAccesses(byte[] classFile) {
        ClassNode c = new ClassNode();
        new ClassReader(classFile).accept(c, 0);
        List<String> found = new ArrayList<>();
        for (MethodNode m : c.methods) {
            if (!m.name.startsWith("f")) continue;
            for (AbstractInsnNode i = m.instructions.getFirst(); i != null; i = i.getNext()) {
                if (i instanceof MethodInsnNode call && (call.name.startsWith("load") || call.name.startsWith("store")))
                    found.add(m.name + ": " + call.owner + "." + call.name);
                if (i instanceof IntInsnNode push && push.getOpcode() == Opcodes.BIPUSH && push.operand == 32
                        && push.getNext() != null && push.getNext().getOpcode() == Opcodes.LUSHR)
                    found.add(m.name + ": region decode (>>> 32)");
            }
        }
        return found;
    }

    @ParameterizedTest
    @ValueSource(strings = {"fnv1a", "xxh64", "bubble"})
    void verifiedKernelLoopsAccessMemoryDirectly(String kernel) throws Exception {
        Program p = Assembler.assemble(Files.readString(SharedKernelsTest.KERNELS.resolve(kernel + ".s")));
        int length = SharedKernelsTest.input(kernel.equals("bubble") ? "u64x64" : "text4k").length;
        StandardVerifier.Result r = verify(p, length);
        assertTrue(r.accepted(), () -> r.rejection().message());
        LinkedProgram linked = LinkedProgram.link(kernel, p, NO_HELPERS);
        assertEquals(List.of(), checkedAccesses(JitCompiler.classFile(linked, r.facts())), kernel + " with facts");
        assertFalse(checkedAccesses(JitCompiler.classFile(linked, ProgramFacts.NONE)).isEmpty(), kernel + " without facts decodes pointers");
    }

    static final String[] W = {"b", "h", "w", "dw"};

    /** A buffer program of loads and stores of every width at offsets the length check proves, in a loop. */
    static String generate(Random rnd, int length) {
        StringBuilder b = new StringBuilder("mov %r0, 0\nmov %r6, %r1\nmov %r7, %r1\nadd %r7, %r2\n");
        for (int r = 3; r <= 5; r++) b.append("mov %r").append(r).append(", ").append(rnd.nextInt()).append('\n');
        b.append("mov %r8, %r6\nadd %r8, 16\njgt %r8, %r7, out\n"); // r6 .. r6+16 inside the buffer
        b.append("loop:\n");
        int n = 5 + rnd.nextInt(20);
        for (int i = 0; i < n; i++) {
            int w = rnd.nextInt(4), size = 1 << w, off = size * rnd.nextInt(16 / size);
            int d = 3 + rnd.nextInt(3), s = 3 + rnd.nextInt(3);
            switch (rnd.nextInt(5)) {
                case 0, 1 -> b.append("ldx").append(W[w]).append(" %r").append(d).append(", [%r6+").append(off).append("]\nadd %r0, %r").append(d).append('\n');
                case 2 -> b.append("stx").append(W[w]).append(" [%r6+").append(off).append("], %r").append(s).append('\n');
                case 3 -> b.append("st").append(W[w]).append(" [%r6+").append(off).append("], ").append(rnd.nextInt()).append('\n');
                default -> b.append("mul %r").append(d).append(", ").append(rnd.nextInt(1000) + 1).append("\nxor %r0, %r").append(d).append('\n');
            }
        }
        int step = 1 + rnd.nextInt(8);
        b.append("add %r6, ").append(step).append("\nmov %r8, %r6\nadd %r8, 16\njle %r8, %r7, loop\n");
        b.append("out:\nexit\n");
        return b.toString();
    }

    enum Backing { HEAP, READ_ONLY, OFF_HEAP }

    static String outcome(Engine e, byte[] input, Backing backing) {
        byte[] copy = input.clone();
        ExecutionState st = new ExecutionState();
        try (Arena arena = Arena.ofConfined()) {
            Region region = switch (backing) {
                case HEAP -> Region.of("input", copy, true);
                case READ_ONLY -> Region.of("input", copy, false);
                case OFF_HEAP -> new Region("input", arena.allocate(copy.length).copyFrom(MemorySegment.ofArray(copy)), true);
            };
            long r1 = st.memory().bind(Memory.DATA_REGION, region);
            String result;
            try {
                result = "r0=" + e.execute(st, r1, copy.length, 0, 0, 0);
            } catch (ExecutionException x) {
                result = x.kind() + "@" + x.pc();
            }
            byte[] after = region.segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            return result + " memory=" + HexFormat.of().formatHex(after);
        }
    }

    @Test
    void seededBufferProgramsAgreeWithTheInterpreter() throws Exception {
        int accepted = 0;
        String firstRejection = null;
        for (long seed = 1; seed <= 300; seed++) {
            Random rnd = new Random(seed);
            int length = 16 + rnd.nextInt(100);
            String asm = generate(rnd, length);
            byte[] input = new byte[length];
            rnd.nextBytes(input);
            Program p = Assembler.assemble(asm);
            StandardVerifier.Result r = verify(p, length);
            if (!r.accepted()) {
                if (firstRejection == null) firstRejection = "seed " + seed + ": " + r.rejection().message() + "\n" + asm;
                continue;
            }
            accepted++;
            LinkedProgram linked = LinkedProgram.link("direct", p, NO_HELPERS);
            Engine jit = JitEngine.compile(linked, r.facts()), interpreter = new Interpreter(linked);
            for (Backing backing : Backing.values()) {
                String expected = outcome(interpreter, input, backing), actual = outcome(jit, input, backing);
                final long s = seed;
                assertEquals(expected, actual, () -> "seed " + s + ", " + backing + ":\n" + asm);
            }
        }
        String rejection = firstRejection;
        int verified = accepted;
        assertTrue(verified > 250, () -> "only " + verified + " of 300 programs verified; " + rejection);
    }
}
