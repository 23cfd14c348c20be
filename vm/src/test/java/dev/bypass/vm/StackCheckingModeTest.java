package dev.bypass.vm;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.exec.ExecutionException;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.Interpreter;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.helpers.standard.BaseHelpers;
import org.junit.jupiter.api.Test;

/** The checking mode the soundness fuzzer runs under: reads of stack bytes the frame never wrote fault. */
class StackCheckingModeTest {
    static long run(String asm, boolean checking) {
        ExecutionState st = new ExecutionState();
        st.memory().checkStackReads(checking);
        return new Interpreter(LinkedProgram.link("t", Assembler.assemble(asm), BaseHelpers.registry())).execute(st, 0, 0, 0, 0, 0);
    }

    @Test void unwrittenBytesFaultOnlyInCheckingMode() {
        String partly = "stw [%r10-8], 7\nldxdw %r0, [%r10-8]\nexit\n";
        assertEquals(7, run(partly, false), "normally the stack reads as whatever it holds");
        ExecutionException e = assertThrows(ExecutionException.class, () -> run(partly, true));
        assertTrue(e.getMessage().contains("uninitialised stack byte at r10-4"), e.getMessage());
        assertEquals(7, run("stdw [%r10-8], 7\nldxdw %r0, [%r10-8]\nexit\n", true));
    }

    @Test void aCalleeFrameStartsUnwrittenEvenWhenAnEarlierCallWroteIt() {
        String asm = """
                call local f
                call local g
                exit
                f:
                stdw [%r10-8], 5
                mov %r0, 0
                exit
                g:
                ldxdw %r0, [%r10-8]
                exit
                """;
        assertThrows(ExecutionException.class, () -> run(asm, true));
    }

    @Test void atomicsReadBeforeTheyWrite() {
        assertThrows(ExecutionException.class, () -> run("mov %r1, 1\nlock add [%r10-8], %r1\nmov %r0, 0\nexit\n", true));
    }
}
