package dev.bypass.vm.maps;

import static dev.bypass.vm.maps.MapsTest.asLong;
import static dev.bypass.vm.maps.MapsTest.u32;
import static dev.bypass.vm.maps.MapsTest.u64;
import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionException;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.Interpreter;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.memory.Memory;
import dev.bypass.vm.memory.Pointers;
import dev.bypass.vm.helpers.standard.MapHelpers;
import dev.bypass.vm.jit.JitEngine;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Programs are separated by construction, not by the verifier: each loaded object's programs resolve handles and
 * pointers through their own region table, so an unverified program that forges a pointer or a handle reaches
 * nothing it was not handed, and a ring buffer record is addressable only between its reserve and its submit. Every
 * case runs in the interpreter and in the JIT; the programs here are never verified.
 */
class IsolationTest {
    static final long SECRET = 0x5ec7e7L, OWN = 7;

    /** Links {@code asm} as the only program of its own object, holding {@code maps}. */
    static Engine load(boolean jit, String asm, BpfMap... maps) throws Exception {
        LinkedProgram p = LinkedProgram.link("p", Assembler.assemble(asm), MapHelpers.registry(), new MapResolver(List.of(maps)));
        return jit ? JitEngine.compile(p) : new Interpreter(p);
    }

    static BpfMap arrayHolding(String name, long value) {
        BpfMap m = BpfMap.create(new MapSpec(name, MapType.ARRAY, 4, 8, 1, 0));
        m.update(u32(0), u64(value), BpfMap.ANY);
        return m;
    }

    static ExecutionException fault(Engine e, long r1) { return fault(e, new ExecutionState(), r1); }

    static ExecutionException fault(Engine e, ExecutionState st, long r1) {
        ExecutionException x = assertThrows(ExecutionException.class, () -> e.execute(st, r1, 0, 0, 0, 0));
        assertEquals(ExecutionException.Kind.MEMORY_FAULT, x.kind(), x.getMessage());
        return x;
    }

    static final String LOOKUP = "stw [%r10-4], 0\nmov %r2, %r10\nadd %r2, -4\nlddw %r1, map_idx(0)\ncall 1\njne %r0, 0, +2\nmov %r0, -1\nexit\n";

    @ParameterizedTest(name = "jit={0}")
    @ValueSource(booleans = {false, true})
    void aPointerMovedToTheNextRegionReachesNoOtherObjectsMap(boolean jit) throws Exception {
        // The victim's map is created (and its object loaded) right before the attacker's: neighbouring ids.
        try (BpfMap victim = arrayHolding("victim", SECRET); BpfMap own = arrayHolding("own", OWN)) {
            Engine victimProgram = load(jit, LOOKUP + "ldxdw %r0, [%r0]\nexit", victim);
            assertEquals(SECRET, victimProgram.execute(new ExecutionState(), 0, 0, 0, 0, 0));
            Engine honest = load(jit, LOOKUP + "ldxdw %r0, [%r0]\nexit", own);
            assertEquals(OWN, honest.execute(new ExecutionState(), 0, 0, 0, 0, 0));
            for (String move : new String[] {"add %r0, %r2", "sub %r0, %r2"}) {
                Engine forger = load(jit, LOOKUP + "lddw %r2, 0x100000000\n" + move + "\nldxdw %r0, [%r0]\nexit", own);
                assertTrue(fault(forger, 0).getMessage().contains("in no region"));
            }
        }
    }

    @ParameterizedTest(name = "jit={0}")
    @ValueSource(booleans = {false, true})
    void everyRegionIdAProgramCanFormNamesOnlyWhatItWasHanded(boolean jit) throws Exception {
        try (BpfMap victim = arrayHolding("victim", SECRET); BpfMap own = arrayHolding("own", OWN)) {
            load(jit, LOOKUP + "exit", victim).execute(new ExecutionState(), 0, 0, 0, 0, 0);
            // Loads through r1 as given; the program was handed its own map, so table entry 0 is that map.
            Engine reader = load(jit, "lddw %r2, map_idx(0)\nldxdw %r0, [%r1]\nexit", own);
            assertEquals(OWN, reader.execute(new ExecutionState(), Pointers.make(Memory.FIRST_SHARED_REGION, 0), 0, 0, 0, 0));
            for (int id = Memory.FIRST_SHARED_REGION + 1; id < Memory.FIRST_SHARED_REGION + 4096; id++) fault(reader, Pointers.make(id, 0));
            // What the host knows the values by is no address for a program either.
            for (BpfMap m : new BpfMap[] {victim, own}) fault(reader, m.lookupPointer(java.lang.foreign.MemorySegment.ofArray(u32(0))));
            for (int id : new int[] {Memory.FIRST_LEASED_REGION, Memory.FIRST_HOST_REGION + victim.id(), -1}) fault(reader, Pointers.make(id, 0));
        }
    }

    @ParameterizedTest(name = "jit={0}")
    @ValueSource(booleans = {false, true})
    void aForgedHandleNamesNoOtherObjectsMap(boolean jit) throws Exception {
        try (BpfMap victim = arrayHolding("victim", SECRET); BpfMap own = arrayHolding("own", OWN)) {
            load(jit, LOOKUP + "exit", victim).execute(new ExecutionState(), 0, 0, 0, 0, 0);
            // The handle the program holds, one further, and the victim's host handle: none is a map of this program.
            for (String forge : new String[] {"lddw %r1, map_idx(0)\nadd %r1, 1", "lddw %r1, " + victim.handle()}) {
                Engine e = load(jit, "stw [%r10-4], 0\nmov %r2, %r10\nadd %r2, -4\n" + forge + "\ncall 1\nexit", own);
                ExecutionException x = assertThrows(ExecutionException.class, () -> e.execute(new ExecutionState(), 0, 0, 0, 0, 0));
                assertEquals(ExecutionException.Kind.HELPER_ERROR, x.kind());
                assertTrue(x.getMessage().contains("is not a map of this program"), x.getMessage());
            }
        }
    }

    @ParameterizedTest(name = "jit={0}")
    @ValueSource(booleans = {false, true})
    void aRingBufferRecordIsWritableOnlyUntilItsSubmit(boolean jit) throws Exception {
        String reserve = "lddw %r1, map_idx(0)\nmov %r2, 16\nmov %r3, 0\ncall 131\njne %r0, 0, +1\nexit\nmov %r6, %r0\n"
                + "stdw [%r6+0], 42\nstdw [%r6+8], 43\n";
        try (RingBuffer ring = (RingBuffer) BpfMap.create(new MapSpec("events", MapType.RINGBUF, 0, 0, 4096, 0))) {
            for (int completion : new int[] {132, 133}) { // submit, discard
                Engine stale = load(jit, reserve + "mov %r1, %r6\nmov %r2, 0\ncall " + completion + "\nstdw [%r6+0], 99\nmov %r0, 0\nexit", ring);
                ExecutionState st = new ExecutionState();
                fault(stale, st, 0);
                assertEquals(0, st.releaseHeld(), "the record was completed before the stale write");
                List<byte[]> records = ring.drain();
                if (completion == 133) {
                    assertEquals(0, records.size());
                    continue;
                }
                assertEquals(1, records.size());
                assertEquals(42, asLong(java.util.Arrays.copyOf(records.get(0), 8)), "the write after submit did not land");
            }
            // While reserved, the record's bytes are the program's and nothing around them is.
            for (String outside : new String[] {"stdw [%r6+16], 1", "stdw [%r6-8], 1", "stb [%r6-1], 1"}) {
                Engine e = load(jit, reserve + outside + "\nmov %r0, 0\nexit", ring);
                ExecutionState st = new ExecutionState();
                fault(e, st, 0);
                assertEquals(1, st.releaseHeld());
            }
            ring.drain();
            // A pointer from another program's submit is no pointer at all in the next program, even on the same thread.
            ExecutionState st = new ExecutionState();
            Engine keeps = load(jit, reserve + "mov %r1, %r6\nmov %r2, 0\ncall 132\nmov %r0, %r6\nexit", ring);
            long record = keeps.execute(st, 0, 0, 0, 0, 0);
            Engine writer = load(jit, "stdw [%r1+0], 7\nmov %r0, 0\nexit", ring);
            fault(writer, st, record);
            assertEquals(42, asLong(java.util.Arrays.copyOf(ring.drain().get(0), 8)));
        }
    }
}
