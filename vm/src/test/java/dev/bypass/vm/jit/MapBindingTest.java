package dev.bypass.vm.jit;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionException;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.Interpreter;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.facts.ProgramFacts;
import dev.bypass.vm.helpers.standard.MapHelpers;
import dev.bypass.vm.maps.BpfMap;
import dev.bypass.vm.maps.MapSpec;
import dev.bypass.vm.maps.MapType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * A map helper whose map argument straight-line code loaded as a constant handle is called with the map itself
 * (no handle look-up per call); anywhere else r1 may differ between paths, and the call resolves the handle as it runs.
 * Both forms agree with the interpreter.
 */
class MapBindingTest {
    static final MapSpec COUNTS = new MapSpec("counts", MapType.HASH, 8, 8, 16, 0);
    static final MapSpec OTHER = new MapSpec("other", MapType.HASH, 8, 8, 16, 0);

    /** Counts key 7 in map 0 (looked up, then added to or inserted), returns the count seen. */
    static final String COUNTER = """
            stdw [%r10-8], 7
            lddw %r1, map_idx(0)
            mov %r2, %r10
            add %r2, -8
            call 1
            jeq %r0, 0, +4
            mov %r1, 1
            lock add [%r0+0], %r1
            ldxdw %r0, [%r0+0]
            exit
            stdw [%r10-16], 1
            lddw %r1, map_idx(0)
            mov %r2, %r10
            add %r2, -8
            mov %r3, %r10
            add %r3, -16
            mov %r4, 0
            call 2
            mov %r0, 1
            exit
            """;

    /** Looks key 7 up in map 0 or map 1, as the input's first byte says: r1 reaches the call by two ways. */
    static final String EITHER = """
            stdw [%r10-8], 7
            ldxb %r3, [%r1+0]
            lddw %r1, map_idx(0)
            jeq %r3, 0, +2
            lddw %r1, map_idx(1)
            mov %r2, %r10
            add %r2, -8
            call 1
            jeq %r0, 0, +2
            ldxdw %r0, [%r0+0]
            exit
            mov %r0, -1
            exit
            """;

    /** The helper methods the compiled program calls, by name and whether they take the map itself. */
    static List<String> helperCalls(LinkedProgram linked) throws Exception {
        ClassNode cn = new ClassNode();
        new ClassReader(JitCompiler.classFile(linked, ProgramFacts.NONE)).accept(cn, 0);
        List<String> calls = new ArrayList<>();
        String owner = org.objectweb.asm.Type.getInternalName(MapHelpers.class);
        for (MethodNode m : cn.methods)
            for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext())
                if (n instanceof MethodInsnNode c && c.owner.equals(owner))
                    calls.add(c.name + (c.desc.startsWith("(Ldev/bypass/vm/maps/BpfMap;") ? " bound" : ""));
        return calls;
    }

    static long run(Engine e, byte[] input) {
        ExecutionState st = new ExecutionState(1_000);
        long r1 = st.memory().bind(dev.bypass.vm.memory.Memory.DATA_REGION, dev.bypass.vm.memory.Region.of("input", input, true));
        try {
            return e.execute(st, r1, input.length, 0, 0, 0);
        } catch (ExecutionException x) {
            throw new AssertionError(x);
        }
    }

    @Test
    void aConstantMapArgumentIsBoundAndCountsAsTheInterpreterDoes() throws Exception {
        try (BpfMap counts = BpfMap.create(COUNTS)) {
            LinkedProgram linked = LinkedProgram.link("counter", Assembler.assemble(COUNTER), MapHelpers.registry(), (slot, insn) -> counts.handle());
            assertEquals(List.of("mapLookupElem bound", "mapUpdateElem bound"), helperCalls(linked));
            Engine jit = JitEngine.compile(linked), split = JitEngine.compileSplit(linked, 3), interpreter = new Interpreter(linked);
            byte[] in = new byte[8];
            // each engine in turn adds to the same map: the counts continue where the other left off
            assertEquals(1, run(jit, in)); // inserted
            assertEquals(2, run(interpreter, in));
            assertEquals(3, run(jit, in));
            assertEquals(4, run(split, in));
            assertEquals(5, run(jit, in));
        }
    }

    @Test
    void aMapArgumentThatDependsOnThePathIsLookedUpWhenTheCallRuns() throws Exception {
        try (BpfMap first = BpfMap.create(COUNTS); BpfMap second = BpfMap.create(OTHER)) {
            byte[] key = {7, 0, 0, 0, 0, 0, 0, 0};
            first.update(key, new byte[] {11, 0, 0, 0, 0, 0, 0, 0}, BpfMap.ANY);
            second.update(key, new byte[] {22, 0, 0, 0, 0, 0, 0, 0}, BpfMap.ANY);
            LinkedProgram linked = LinkedProgram.link("either", Assembler.assemble(EITHER), MapHelpers.registry(),
                    (slot, insn) -> ((dev.bypass.vm.isa.Instruction.LoadImm64) insn).imm() == 0 ? first.handle() : second.handle());
            assertEquals(List.of("mapLookupElem"), helperCalls(linked));
            Engine jit = JitEngine.compile(linked), interpreter = new Interpreter(linked);
            for (byte which : new byte[] {0, 1}) {
                byte[] in = {which, 0, 0, 0, 0, 0, 0, 0};
                assertEquals(which == 0 ? 11 : 22, run(interpreter, in));
                assertEquals(run(interpreter, in), run(jit, in));
            }
        }
    }
}
