package dev.bypass.verifier;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.verification.ProgramType;
import dev.bypass.vm.verification.VerificationRequest;
import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.engines.Engines;
import dev.bypass.vm.exec.EngineKind;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.exec.LinkedProgram;
import dev.bypass.vm.memory.Memory;
import dev.bypass.vm.memory.Region;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.isa.Program;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The six shared benchmark kernels ({@code ../shared/kernels}) verify as written under the buffer calling
 * convention (r1 = the input, r2 = its length), with their input's length known as {@code run} and {@code bench}
 * know it; the ones that check their accesses against the length verify for any length too. Each then runs with
 * the verifier's facts and gives its expected r0.
 */
class SharedKernelsTest {
    static final Path KERNELS = dev.bypass.vm.SharedData.kernels();

    record Kernel(String file, byte[] input, long expected) {}

    static byte[] input(String name) {
        byte[] b = dev.bypass.vm.SharedData.kernelInput(name);
        return b == null ? new byte[0] : b;
    }

    static List<Kernel> kernels() throws Exception {
        return Files.readAllLines(KERNELS.resolve("inputs.txt")).stream().filter(l -> !l.isBlank() && !l.startsWith("#"))
                .map(l -> l.trim().split("\\s+"))
                .map(f -> new Kernel(f[0], input(f[1]), Long.parseUnsignedLong(f[2].substring(2), 16))).toList();
    }

    static StandardVerifier.Result verify(Program p, ProgramType type) {
        return StandardVerifier.analyse(VerificationRequest.forBuffer("kernel", p, type, HelperRegistry.builder().build()), false);
    }

    @TestFactory
    Stream<DynamicTest> everyKernelVerifiesForItsInputAndRunsWithFacts() throws Exception {
        return kernels().stream().map(k -> DynamicTest.dynamicTest(k.file(), () -> {
            Program p = Assembler.assemble(Files.readString(KERNELS.resolve(k.file())));
            StandardVerifier.Result r = verify(p, ProgramType.buffer(k.input().length));
            assertTrue(r.accepted(), () -> k.file() + ": " + r.rejection().message());
            System.out.printf("kernel %s: accepted, %d instructions processed, %.1f ms%n", k.file(), r.processedInstructions(), r.nanos() / 1e6);
            for (EngineKind kind : List.of(EngineKind.INTERPRETER, EngineKind.JIT)) {
                Engine e = Engines.create(LinkedProgram.link(k.file(), p, HelperRegistry.builder().build()), kind, r.facts());
                ExecutionState st = new ExecutionState();
                long r1 = st.memory().bind(Memory.DATA_REGION, Region.of("input", k.input().clone(), true));
                assertEquals(k.expected(), e.execute(st, r1, k.input().length, 0, 0, 0), k.file() + " on " + kind);
            }
        }));
    }

    @Test
    void kernelsThatCheckTheLengthVerifyForAnyLength() throws Exception {
        for (String f : List.of("sum.s", "primes.s", "calls.s", "fnv1a.s")) {
            StandardVerifier.Result r = verify(Assembler.assemble(Files.readString(KERNELS.resolve(f))), ProgramType.BUFFER);
            assertTrue(r.accepted(), () -> f + ": " + r.rejection().message());
        }
        // xxh64 reads 32 bytes before its first comparison, bubble reads 512 without one: unsafe for short inputs
        for (String f : List.of("xxh64.s", "bubble.s")) {
            StandardVerifier.Result r = verify(Assembler.assemble(Files.readString(KERNELS.resolve(f))), ProgramType.BUFFER);
            assertFalse(r.accepted(), f + " verified for inputs of any length");
            assertEquals(ErrorCode.OUT_OF_BOUNDS, r.rejection().code(), r.rejection().message());
        }
    }
}
