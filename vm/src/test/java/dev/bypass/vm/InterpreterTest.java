package dev.bypass.vm;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.exec.*;
import dev.bypass.vm.engines.*;
import dev.bypass.vm.memory.*;
import dev.bypass.vm.helpers.*;
import dev.bypass.vm.helpers.standard.*;
import org.junit.jupiter.api.Test;

class InterpreterTest {

    @Test
    void runawayLoopStopsAtTheBudget() {
        ExecutionState st = new ExecutionState(1000);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> Programs.run("mov %r0, 0\nloop:\nadd %r0, 1\nja loop\nexit", BaseHelpers.registry(), st));
        assertEquals(ExecutionException.Kind.BUDGET_EXHAUSTED, e.kind());
        assertEquals(2, e.pc());
        assertEquals("at instruction 2: program exceeded its budget of 1000 back-edges and calls", e.getMessage());
    }

    @Test
    void budgetIsPerRunAndEnoughForBoundedLoops() {
        ExecutionState st = new ExecutionState(1_000_001);
        String sum = "mov %r0, 0\nmov %r1, 1\nloop:\nadd %r0, %r1\nadd %r1, 1\njle %r1, 1000000, loop\nexit";
        assertEquals(500000500000L, Programs.run(sum, BaseHelpers.registry(), st));
        assertEquals(500000500000L, Programs.run(sum, BaseHelpers.registry(), st));
    }

    @Test
    void localCallsHaveOwnStacksAndPreserveCalleeSaved() {
        String asm = """
                mov %r6, 11
                stdw [%r10-8], 100
                mov %r1, 5
                call local f
                ldxdw %r1, [%r10-8]
                add %r0, %r1
                add %r0, %r6
                exit
                f:
                stdw [%r10-8], 1000
                mov %r6, 99
                mov %r0, %r1
                exit
                """;
        assertEquals(5 + 100 + 11, Programs.run(asm));
    }

    @Test
    void eightFramesAreAllowedNineAreNot() {
        // depth(n): calls itself n-1 more times.
        String recurse = """
                mov %%r1, %d
                call local f
                exit
                f:
                mov %%r0, %%r1
                jeq %%r1, 1, +3
                sub %%r1, 1
                call local f
                add %%r0, 1
                exit
                """;
        assertEquals(7, Programs.run(recurse.formatted(7)));
        ExecutionException e = assertThrows(ExecutionException.class, () -> Programs.run(recurse.formatted(8)));
        assertEquals(ExecutionException.Kind.CALL_DEPTH, e.kind());
        assertTrue(e.getMessage().contains("call depth exceeds 8 frames"), e.getMessage());
    }

    @Test
    void unknownHelperIsALoadError() {
        LoadException e = assertThrows(LoadException.class,
                () -> LinkedProgram.link("p", Assembler.assemble("call 4242\nexit"), BaseHelpers.registry()));
        assertEquals("instruction 0: unknown helper id 4242", e.getMessage());
    }

    @Test
    void callxToUnknownHelperIsARuntimeError() {
        ExecutionException e = assertThrows(ExecutionException.class, () -> Programs.run("mov %r2, 4242\ncall %r2\nexit"));
        assertEquals(ExecutionException.Kind.UNKNOWN_HELPER, e.kind());
        assertEquals(1, e.pc());
    }

    @Test
    void hostHelpersReadAndWriteProgramMemory() {
        // A host helper that sums a buffer and writes the sum back to its first 8 bytes.
        HelperRegistry helpers = BaseHelpers.register(HelperRegistry.builder())
                .register(HelperRegistry.FIRST_HOST_ID, "sum_bytes", Prototype.of(ReturnType.INTEGER, ArgType.PTR_TO_MEM, ArgType.CONST_SIZE),
                        (ctx, ptr, len, a, b, c) -> {
                            byte[] data = ctx.memory().read(ptr, (int) len);
                            long sum = 0;
                            for (byte x : data) sum += x & 0xff;
                            ctx.memory().store64(ptr, sum);
                            return sum;
                        })
                .build();
        String asm = """
                stdw [%r10-16], 0
                stdw [%r10-8], 0
                stb [%r10-16], 1
                stb [%r10-15], 2
                stb [%r10-1], 3
                mov %r1, %r10
                add %r1, -16
                mov %r2, 16
                call 10000
                ldxdw %r1, [%r10-16]
                add %r0, %r1
                exit
                """;
        assertEquals(12, Programs.run(asm, helpers, new ExecutionState()));
    }

    @Test
    void memoryFaultsNameTheInstructionAndRegion() {
        ExecutionException e = assertThrows(ExecutionException.class, () -> Programs.run("mov %r1, 0\nldxw %r0, [%r1+0]\nexit"));
        assertEquals(ExecutionException.Kind.MEMORY_FAULT, e.kind());
        assertEquals("at instruction 1: read of 4 bytes at 0x0: null pointer", e.getMessage());

        e = assertThrows(ExecutionException.class, () -> Programs.run("ldxdw %r0, [%r10+0]\nexit"));
        assertTrue(e.getMessage().contains("outside stack"), e.getMessage());

        e = assertThrows(ExecutionException.class, () -> Programs.runWithMemory("ldxdw %r0, [%r1+1]\nexit", new byte[8]));
        assertEquals("at instruction 0: read of 8 bytes at 0x300000001: offset 1 is outside input (8 bytes)", e.getMessage());

        // A pointer pushed below its region's start changes region id and faults too.
        e = assertThrows(ExecutionException.class, () -> Programs.runWithMemory("ldxb %r0, [%r1-1]\nexit", new byte[8]));
        assertEquals(ExecutionException.Kind.MEMORY_FAULT, e.kind());
    }

    @Test
    void readOnlyRegionsRejectWrites() {
        LinkedProgram p = LinkedProgram.link("t", Assembler.assemble("stb [%r1+0], 1\nexit"), BaseHelpers.registry());
        ExecutionState st = new ExecutionState();
        long r1 = st.memory().bind(Memory.CTX_REGION, Region.of("ctx", new byte[4], false));
        ExecutionException e = assertThrows(ExecutionException.class, () -> new Interpreter(p).execute(st, r1, 0, 0, 0, 0));
        assertEquals("at instruction 0: write of 1 bytes to read-only ctx at offset 0", e.getMessage());
    }

    @Test
    void fallingOffTheEndIsAnError() {
        ExecutionException e = assertThrows(ExecutionException.class, () -> Programs.run("mov %r0, 1\njeq %r0, 1, +1\nexit\nmov %r0, 2"));
        assertEquals(ExecutionException.Kind.FELL_OFF_END, e.kind());
        assertEquals(3, e.pc());
    }

    @Test
    void callbacksRunSubprogramsOneFrameDeeper() {
        // A host helper calling back into the program: call_twice(fn, x) = fn(fn(x)).
        HelperRegistry helpers = HelperRegistry.builder()
                .register(HelperRegistry.FIRST_HOST_ID, "call_twice", Prototype.of(ReturnType.INTEGER, ArgType.PTR_TO_FUNC, ArgType.ANYTHING)
                                .withCallback(new CallbackArg.Scalar()),
                        (ctx, fn, x, a, b, c) -> {
                            ExecutionState st = (ExecutionState) ctx;
                            return st.callback(fn, st.callback(fn, x, 0, 0, 0, 0), 0, 0, 0, 0);
                        })
                .build();
        String asm = """
                lddw %r1, func(triple)
                mov %r2, 5
                call 10000
                exit
                triple:
                stdw [%r10-8], 3
                ldxdw %r0, [%r10-8]
                mul %r0, %r1
                exit
                """;
        assertEquals(45, Programs.run(asm, helpers, new ExecutionState()));
    }

    @Test
    void atomicsOnSharedNativeMemoryAreAtomic() throws Exception {
        try (var arena = java.lang.foreign.Arena.ofShared()) {
            Region shared = new Region("counter", arena.allocate(8, 8), true);
            LinkedProgram p = LinkedProgram.link("inc", Assembler.assemble("mov %r2, 1\nlock add [%r1+0], %r2\nexit"), BaseHelpers.registry());
            Interpreter interp = new Interpreter(p);
            Thread[] threads = new Thread[4];
            for (int t = 0; t < threads.length; t++) {
                threads[t] = new Thread(() -> {
                    ExecutionState st = new ExecutionState();
                    long ptr = st.memory().bind(Memory.DATA_REGION, shared);
                    for (int i = 0; i < 100_000; i++) interp.execute(st, ptr, 0, 0, 0, 0);
                });
                threads[t].start();
            }
            for (Thread t : threads) t.join();
            assertEquals(400_000L, shared.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG, 0));
        }
    }
}
