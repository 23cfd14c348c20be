package dev.bypass.verifier;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.ProgramRuntime;
import dev.bypass.vm.exec.EngineKind;
import dev.bypass.vm.exec.ExecutionState;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** Ordinary clang output the verifier must accept (objects in src/test/resources/bpf, rebuilt by its build.sh). */
class ClangObjectsTest {
    private static byte[] object(String name) throws Exception {
        try (InputStream in = ClangObjectsTest.class.getResourceAsStream("/bpf/" + name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void noinlineFunctionWhoseResultIsUnusedMayLeaveR0Unset() throws Exception {
        try (ProgramRuntime rt = ProgramRuntime.builder().verifier(new StandardVerifier()).build();
             LoadedObject o = rt.load("noinline_unused", object("noinline_unused.o"))) {
            byte[] ctx = new byte[8];
            ctx[0] = 40;
            assertEquals(1, o.program("add_twice").run(ctx));
            assertTrue(o.program("add_twice").verified());
        }
    }

    /**
     * clang's {@code may_goto} ({@code cond_break}): a loop nothing else ends, and one whose bound is any 64-bit
     * number, are proven, and both engines leave them after {@link ExecutionState#MAX_LOOPS} passes.
     */
    @Test
    void loopsEndedByMayGotoVerifyAndStopAtTheLoopBudget() throws Exception {
        for (EngineKind engine : new EngineKind[] {EngineKind.INTERPRETER, EngineKind.JIT}) {
            try (ProgramRuntime rt = ProgramRuntime.builder().verifier(new StandardVerifier()).engine(engine).build();
                 LoadedObject o = rt.load("may_goto", object("may_goto.o"))) {
                assertTrue(o.program("spend_budget").verified());
                assertTrue(o.program("sum_below").verified());
                assertEquals(3 * (ExecutionState.MAX_LOOPS + 1), o.program("spend_budget").run(le(3)), engine.toString());
                assertEquals(45, o.program("sum_below").run(le(10)), engine.toString());
                assertEquals(sumBelow(1L << 40), o.program("sum_below").run(le(1L << 40)), engine.toString());
            }
        }
    }

    /** BTF function types: a legacy packet load is allowed in a subprogram declared to return int, not in a void one. */
    @Test
    void legacyPacketLoadsOnlyInSubprogramsDeclaredToReturnANumber() throws Exception {
        java.nio.file.Path obj = java.nio.file.Path.of(ClangObjectsTest.class.getResource("/bpf/ld_abs_subprog.o").toURI());
        var verdicts = LinuxSelftestsTest.verdicts(new LinuxSelftests.Compiled("ld_abs_subprog", obj, null), LinuxSelftestsTest.helpers());
        assertTrue(verdicts.get("in_int_function").accepted(), () -> verdicts.get("in_int_function").message());
        assertFalse(verdicts.get("in_void_function").accepted());
        assertTrue(verdicts.get("in_void_function").message().contains("legacy packet load in note_first_byte"), verdicts.get("in_void_function").message());
    }

    /**
     * Open-coded iterators as libbpf's {@code bpf_for}/{@code bpf_repeat} write them: the extern kfuncs link to the
     * runtime's own, the loops verify (their iterators end them), and both engines compute what C says, also for
     * ranges the kfunc refuses (empty) and nested iterators.
     */
    @Test
    void openCodedIteratorLoopsVerifyAndRun() throws Exception {
        for (EngineKind engine : new EngineKind[] {EngineKind.INTERPRETER, EngineKind.JIT}) {
            try (ProgramRuntime rt = ProgramRuntime.builder().verifier(new StandardVerifier()).engine(engine).build();
                 LoadedObject o = rt.load("open_coded_iter", object("open_coded_iter.o"))) {
                for (String p : new String[] {"sum_range", "count_pairs", "fill"}) assertTrue(o.program(p).verified(), p);
                assertEquals(4950, o.program("sum_range").run(ints(0, 100)), engine.toString());
                assertEquals(-15, (int) o.program("sum_range").run(ints(-5, 1)), engine + ": an int result is r0's low half");
                assertEquals(0, o.program("sum_range").run(ints(9, 3)), engine + ": start after end is an empty range");
                assertEquals(0, o.program("sum_range").run(ints(0, 9_000_000)), engine + ": longer than Linux allows is an empty range");
                assertEquals(45, o.program("count_pairs").run(ints(10, 0)), engine.toString());
                assertEquals(0, o.program("count_pairs").run(ints(-3, 0)), engine.toString());
                byte[] buffer = new byte[20];
                buffer[0] = 4;
                assertEquals(4, o.program("fill").run(buffer), engine.toString());
                assertEquals(0xab, buffer[4] & 0xff);
                assertEquals(0, buffer[5]);
            }
        }
    }

    @Test
    void aKernelFunctionThisRuntimeLacksIsALoadErrorNamingIt() throws Exception {
        try (ProgramRuntime rt = ProgramRuntime.builder().verifier(new StandardVerifier()).build()) {
            Exception e = assertThrows(Exception.class, () -> rt.load("unknown_kfunc", object("unknown_kfunc.o")));
            assertTrue(e.getMessage().contains("bpf_rcu_read_lock") && e.getMessage().contains("does not provide")
                    && e.getMessage().contains("bpf_iter_num_new") && e.getMessage().contains("test/kfunc"), e.getMessage());
        }
    }

    private static byte[] ints(int a, int b) {
        return java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(a).putInt(b).array();
    }

    /** What sum_below computes: the loop passes may_goto after each addition, until the budget is spent. */
    private static long sumBelow(long limit) {
        long sum = 0, left = ExecutionState.MAX_LOOPS;
        for (long i = 0; Long.compareUnsigned(i, limit) < 0; i++) {
            sum += i;
            if (left-- == 0) break;
        }
        return sum;
    }

    private static byte[] le(long v) {
        return java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }
}
