package dev.bypass.verifier;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.LinuxProgramTypes;
import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.engines.Engines;
import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.EngineKind;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.facts.ProgramFacts;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.isa.Program;
import dev.bypass.vm.verification.ProgramType;
import dev.bypass.vm.verification.VerificationRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Reads of stack bytes a run never wrote: programs of Linux types may make them, as privileged Linux lets them, and
 * then run on a cleared stack; programs of Bypass's own types may not.
 */
class UnwrittenStackTest {
    private static final HelperRegistry HELPERS = CorpusTest.helpers();
    private static final String READS_UNWRITTEN = """
            stdw [%r10-16], 7
            ldxdw %r0, [%r10-8]
            exit
            """;

    private static StandardVerifier.Result verify(String asm, ProgramType type) {
        return StandardVerifier.analyse(VerificationRequest.forBuffer("unwritten", Assembler.assemble(asm), type, HELPERS), false);
    }

    @Test
    void linuxTypesMayReadWhatTheyNeverWroteBypassTypesMayNot() {
        StandardVerifier.Result socket = verify(READS_UNWRITTEN, LinuxProgramTypes.SOCKET);
        assertTrue(socket.accepted(), () -> socket.rejection().toString());
        assertTrue(socket.facts().readsUnwrittenStack());

        StandardVerifier.Result raw = verify(READS_UNWRITTEN, ProgramType.RAW);
        assertFalse(raw.accepted());
        assertEquals(ErrorCode.UNINIT_STACK, raw.rejection().code());

        StandardVerifier.Result written = verify("stdw [%r10-8], 7\nldxdw %r0, [%r10-8]\nexit\n", LinuxProgramTypes.SOCKET);
        assertTrue(written.accepted());
        assertFalse(written.facts().readsUnwrittenStack(), "a program that writes before it reads runs on the stack as it is");
    }

    @Test
    void helpersMayReadUnwrittenStackOfLinuxTypes() {
        // bpf_map_update_elem's value: 8 bytes of which only the key was written
        String asm = """
                stw [%r10-4], 0
                lddw %r1, map_idx(0)
                mov %r2, %r10
                add %r2, -4
                mov %r3, %r10
                add %r3, -16
                mov %r4, 0
                call 2
                mov %r0, 0
                exit
                """;
        var maps = java.util.List.of(new dev.bypass.vm.maps.MapSpec("m", dev.bypass.vm.maps.MapType.HASH, 4, 8, 4, 0));
        for (ProgramType type : new ProgramType[] {LinuxProgramTypes.SOCKET, ProgramType.RAW}) {
            VerificationRequest r = new VerificationRequest("unwritten", Assembler.assemble(asm), type, maps, HELPERS, s -> null,
                    java.util.Collections.nCopies(1, null));
            StandardVerifier.Result res = StandardVerifier.analyse(r, false);
            assertEquals(type.linux(), res.accepted(), () -> type.name() + ": " + res.rejection());
        }
    }

    /**
     * A state whose stack slot was never written does not cover one holding a pointer there: read back, the first
     * is a number, the second the pointer, which must not be multiplied. Both orders of the two paths.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jeq %r0, 0, skip\nstxdw [%r10-8], %r6", "jeq %r0, 0, spill\nja skip\nspill:\nstxdw [%r10-8], %r6"})
    void anUnwrittenSlotDoesNotStandForASpilledPointer(String paths) {
        String asm = """
                mov %r6, %r1
                call 7
                PATHS
                skip:
                ldxdw %r0, [%r10-8]
                mul %r0, 3
                exit
                """.replace("PATHS", paths);
        StandardVerifier.Result res = verify(asm, LinuxProgramTypes.SOCKET);
        assertFalse(res.accepted(), "a pointer multiplied on one path");
        assertEquals(ErrorCode.INVALID_POINTER_ARITHMETIC, res.rejection().code(), res.rejection().toString());
    }

    @ParameterizedTest
    @EnumSource(value = EngineKind.class, names = {"INTERPRETER", "JIT"})
    void suchProgramsRunOnAClearedStack(EngineKind kind) {
        ExecutionState state = new ExecutionState();
        Program writer = Assembler.assemble("lddw %r1, 0x1234\nstxdw [%r10-8], %r1\nmov %r0, 0\nexit\n");
        Engine leaves = Engines.create(LinkedProgram.link("writer", writer, HELPERS), kind, ProgramFacts.NONE);
        Program reader = Assembler.assemble(READS_UNWRITTEN);
        StandardVerifier.Result verified = verify(READS_UNWRITTEN, LinuxProgramTypes.SOCKET);
        LinkedProgram linked = LinkedProgram.link("reader", reader, HELPERS);

        leaves.execute(state, 0, 0, 0, 0, 0);
        Engine unchecked = Engines.create(linked, EngineKind.INTERPRETER, ProgramFacts.NONE);
        assertEquals(0x1234, unchecked.execute(state, 0, 0, 0, 0, 0), "the run before left its bytes (else this test shows nothing)");

        leaves.execute(state, 0, 0, 0, 0, 0);
        assertEquals(0, Engines.create(linked, kind, verified.facts()).execute(state, 0, 0, 0, 0, 0));
    }
}
