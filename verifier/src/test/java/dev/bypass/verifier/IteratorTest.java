package dev.bypass.verifier;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.LinuxProgramTypes;
import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.engines.Engines;
import dev.bypass.vm.exec.EngineKind;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.verification.ProgramType;
import dev.bypass.vm.verification.VerificationRequest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Open-coded iterators (Linux's {@code bpf_iter_num_*} kfuncs, what libbpf's {@code bpf_for} is made of): loops
 * around an iterator verify (its finite range ends them), run the same on every engine, and every misuse Linux
 * refuses is refused with its reason.
 */
class IteratorTest {
    private static final HelperRegistry HELPERS = CorpusTest.helpers();

    /** sum of the values of [start, end), as clang compiles {@code while ((v = bpf_iter_num_next(&it))) sum += *v}. */
    private static String sum(int start, int end) {
        return """
                mov %r6, 0
                mov %r1, %r10
                add %r1, -8
                mov %r2, START
                mov %r3, END
                call kfunc bpf_iter_num_new
                loop:
                mov %r1, %r10
                add %r1, -8
                call kfunc bpf_iter_num_next
                jeq %r0, 0, done
                ldxw %r1, [%r0+0]
                lsh %r1, 32
                arsh %r1, 32
                add %r6, %r1
                ja loop
                done:
                mov %r1, %r10
                add %r1, -8
                call kfunc bpf_iter_num_destroy
                mov %r0, %r6
                exit
                """.replace("START", Integer.toString(start)).replace("END", Integer.toString(end));
    }

    private static StandardVerifier.Result verify(String asm, ProgramType type) {
        return StandardVerifier.analyse(VerificationRequest.forBuffer("iter", Assembler.assemble(asm), type, HELPERS), false);
    }

    static List<int[]> ranges() {
        // empty, one value, negative values, the longest range allowed, start after end (-EINVAL: empty), too long (-E2BIG: empty)
        return List.of(new int[] {0, 100}, new int[] {5, 5}, new int[] {7, 8}, new int[] {-10, 3}, new int[] {100, 0},
                new int[] {0, 8 * 1024 * 1024 + 1}, new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE}, new int[] {Integer.MAX_VALUE - 3, Integer.MAX_VALUE});
    }

    @ParameterizedTest
    @MethodSource("ranges")
    void aLoopAroundAnIteratorVerifiesAndRunsTheSameOnEveryEngine(int[] range) {
        String asm = sum(range[0], range[1]);
        for (ProgramType type : List.of(LinuxProgramTypes.SOCKET, ProgramType.RAW)) {
            StandardVerifier.Result r = verify(asm, type);
            assertTrue(r.accepted(), () -> type.name() + ": " + r.rejection());
            Program p = Assembler.assemble(asm);
            long expected = 0;
            long length = (long) range[1] - range[0];
            if (length > 0 && length <= 8 * 1024 * 1024) for (long v = range[0]; v < range[1]; v++) expected += v;
            for (EngineKind kind : List.of(EngineKind.INTERPRETER, EngineKind.JIT)) {
                ExecutionState state = new ExecutionState(100_000_000);
                long got = Engines.create(LinkedProgram.link("iter", p, HELPERS), kind, r.facts()).execute(state, 0, 0, 0, 0, 0);
                assertEquals(expected, got, kind + " on [" + range[0] + ", " + range[1] + ")");
            }
        }
    }

    @Test
    void theLoopIsProvenByTheIteratorNotWalkedValueByValue() {
        StandardVerifier.Result r = StandardVerifier.analyse(VerificationRequest.forBuffer("iter", Assembler.assemble(sum(0, 1_000_000)),
                LinuxProgramTypes.SOCKET, HELPERS), true);
        assertTrue(r.accepted(), () -> String.valueOf(r.rejection()));
        assertTrue(r.log().contains("ranking [iterator fp-8@0]"), "the log says what ends the loop");
        assertTrue(r.processedInstructions() < 2_000, "processed " + r.processedInstructions());
    }

    private static void rejects(String why, String asm, ErrorCode code, String message) {
        StandardVerifier.Result r = verify(asm, LinuxProgramTypes.SOCKET);
        assertFalse(r.accepted(), why);
        assertEquals(code, r.rejection().code(), () -> why + ": " + r.rejection());
        assertTrue(r.rejection().toString().contains(message), () -> why + ": " + r.rejection());
    }

    private static final String OPEN = "mov %r1, %r10\nadd %r1, -8\nmov %r2, 0\nmov %r3, 10\ncall kfunc bpf_iter_num_new\n";
    private static final String NEXT = "mov %r1, %r10\nadd %r1, -8\ncall kfunc bpf_iter_num_next\n";
    private static final String DESTROY = "mov %r1, %r10\nadd %r1, -8\ncall kfunc bpf_iter_num_destroy\n";

    @Test
    void misuseIsRefusedWithItsReason() {
        rejects("never destroyed", OPEN + "mov %r0, 0\nexit\n", ErrorCode.UNRELEASED_REFERENCE, "iterator at fp-8 open");
        rejects("opened twice", OPEN + OPEN + DESTROY + "mov %r0, 0\nexit\n", ErrorCode.INVALID_HELPER_ARGUMENT, "open already");
        rejects("next before new", NEXT + "mov %r0, 0\nexit\n", ErrorCode.INVALID_HELPER_ARGUMENT, "no open iterator at fp-8");
        rejects("destroyed twice", OPEN + DESTROY + DESTROY + "mov %r0, 0\nexit\n", ErrorCode.INVALID_HELPER_ARGUMENT, "no open iterator");
        rejects("next after destroy", OPEN + DESTROY + NEXT + "mov %r0, 0\nexit\n", ErrorCode.INVALID_HELPER_ARGUMENT, "no open iterator");
        rejects("its bytes overwritten", OPEN + "stw [%r10-4], 0\n" + DESTROY + "mov %r0, 0\nexit\n", ErrorCode.INVALID_MEMORY_ACCESS, "part of the iterator at fp-8");
        rejects("its bytes read", OPEN + "ldxdw %r0, [%r10-8]\n" + DESTROY + "exit\n", ErrorCode.INVALID_MEMORY_ACCESS, "part of the iterator");
        rejects("the value written through", OPEN + NEXT + "jeq %r0, 0, +1\nstw [%r0+0], 0\n" + DESTROY + "mov %r0, 0\nexit\n",
                ErrorCode.READ_ONLY_WRITE, "");
        rejects("not on the stack", "mov %r1, 0\nmov %r2, 0\nmov %r3, 1\ncall kfunc bpf_iter_num_new\nmov %r0, 0\nexit\n",
                ErrorCode.INVALID_HELPER_ARGUMENT, "iterator");
        rejects("misaligned", "mov %r1, %r10\nadd %r1, -12\nmov %r2, 0\nmov %r3, 1\ncall kfunc bpf_iter_num_new\nmov %r0, 0\nexit\n",
                ErrorCode.INVALID_HELPER_ARGUMENT, "8-byte aligned");
        rejects("a helper given its bytes", OPEN + "mov %r1, %r10\nadd %r1, -8\nmov %r2, 8\ncall 6\n" + DESTROY + "mov %r0, 0\nexit\n",
                ErrorCode.INVALID_MEMORY_ACCESS, "part of the iterator");
        rejects("a kfunc this runtime does not have", "call kfunc 77\nmov %r0, 0\nexit\n", ErrorCode.INVALID_INSN, "does not provide");
    }

    @Test
    void anIteratorOpenedAgainEachTimeAroundEndsNoLoop() {
        // forever: open an iterator, take its values, destroy it; the inner loop ends, the outer one does not
        String asm = "outer:\n" + OPEN + "inner:\n" + NEXT + "jne %r0, 0, inner\n" + DESTROY + "ja outer\n";
        StandardVerifier.Result r = verify(asm, LinuxProgramTypes.SOCKET);
        assertFalse(r.accepted(), "an endless loop was accepted");
    }

    @Test
    void aLoopThatDoesNotAlwaysTakeAValueIsNotEndedByTheIterator() {
        // the way around that skips next could go on forever
        String asm = OPEN + """
                mov %r6, 0
                loop:
                add %r6, 1
                jgt %r6, 5, skip
                mov %r1, %r10
                add %r1, -8
                call kfunc bpf_iter_num_next
                jeq %r0, 0, done
                skip:
                ja loop
                done:
                """ + DESTROY + "mov %r0, 0\nexit\n";
        StandardVerifier.Result r = verify(asm, LinuxProgramTypes.SOCKET);
        assertFalse(r.accepted());
        assertEquals(ErrorCode.TOO_COMPLEX, r.rejection().code(), () -> r.rejection().toString());
    }
}
