package dev.bypass.vm.jit;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.facts.ProgramFacts;
import dev.bypass.vm.helpers.standard.BaseHelpers;
import dev.bypass.vm.semantics.Semantics;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/** The JIT emits the opcode table's declarations as their own bytecode, not as calls. */
class IntrinsicsTest {
    /** Calls from the compiled program's methods to the table's implementations. */
    static List<String> callsToOps(String asm) throws Exception {
        byte[] bytes = JitCompiler.classFile(LinkedProgram.link("t", Assembler.assemble(asm), BaseHelpers.registry()), ProgramFacts.NONE,
                JitCompiler.FIRST_CHUNK_SLOTS);
        ClassNode cn = new ClassNode();
        new ClassReader(bytes).accept(cn, 0);
        List<String> calls = new ArrayList<>();
        for (MethodNode m : cn.methods)
            for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext())
                if (n instanceof MethodInsnNode c && c.owner.equals(Semantics.OWNER)) calls.add(c.name);
        return calls;
    }

    @Test
    void operationsAreCopiedNotCalled() throws Exception {
        String asm = """
                mov %r0, %r1
                add %r0, 3
                sub32 %r0, %r2
                mul %r0, %r0
                div %r0, 7
                smod32 %r0, -3
                lsh %r0, %r2
                arsh32 %r0, 1
                movsx816 %r3, %r0
                be16 %r0
                bswap64 %r0
                ldxsb %r4, [%r10-8]
                jsgt %r0, %r3, +1
                jgt32 %r0, 5, +1
                jset %r0, %r4, +1
                neg %r0
                exit
                """.replace("movsx816", "movsx1664");
        assertEquals(List.of(), callsToOps(asm));
    }
}
