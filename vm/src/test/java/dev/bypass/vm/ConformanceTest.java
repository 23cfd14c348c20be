package dev.bypass.vm;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.asm.DataFile;
import dev.bypass.vm.exec.*;
import dev.bypass.vm.engines.*;
import dev.bypass.vm.memory.*;
import dev.bypass.vm.helpers.standard.BaseHelpers;
import dev.bypass.vm.isa.Program;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every file of the eBPF conformance suite through our assembler and the interpreter. */
class ConformanceTest {

    static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(SharedData.conformance())) {
            return s.filter(p -> p.toString().endsWith(".data")).sorted().toList();
        }
    }

    @Test
    void suiteHas313Files() throws IOException {
        assertEquals(313, files().size());
    }

    @TestFactory
    Stream<DynamicTest> interpreter() throws IOException {
        return files().stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> run(f, false)));
    }

    /** The same files through the JIT; every one must compile (no silent fallback to the interpreter). */
    @TestFactory
    Stream<DynamicTest> jit() throws IOException {
        return files().stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> run(f, true)));
    }

    /** The JIT with every function split into chunks of 4 slots, as functions too long for one JVM method are. */
    @TestFactory
    Stream<DynamicTest> jitSplit() throws IOException {
        return files().stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> run(f, Mode.JIT_SPLIT)));
    }

    enum Mode { INTERPRETER, JIT, JIT_SPLIT }

    static void run(Path file, boolean jit) throws Exception { run(file, jit ? Mode.JIT : Mode.INTERPRETER); }

    static void run(Path file, Mode mode) throws Exception {
        DataFile data = DataFile.parse(Files.readString(file));
        Program program = Assembler.assemble(data.asm());
        if (!data.raw().isEmpty()) {
            long[] words = program.words();
            assertEquals(data.raw().size(), words.length, "slot count");
            for (int i = 0; i < words.length; i++)
                assertEquals(data.raw().get(i), words[i], () -> "raw encoding differs");
        }
        LinkedProgram linked = LinkedProgram.link(file.getFileName().toString(), program, BaseHelpers.registry());
        ExecutionState state = new ExecutionState();
        long r1 = 0;
        if (data.memory().length > 0)
            r1 = state.memory().bind(Memory.DATA_REGION, Region.of("input", data.memory().clone(), true));
        dev.bypass.vm.exec.Engine engine = switch (mode) {
            case INTERPRETER -> new Interpreter(linked);
            case JIT -> dev.bypass.vm.jit.JitEngine.compile(linked);
            case JIT_SPLIT -> dev.bypass.vm.jit.JitEngine.compileSplit(linked, 4);
        };
        long r0 = engine.execute(state, r1, data.memory().length, 0, 0, 0);
        assertNotNull(data.result(), "file has a result");
        assertEquals(Long.toHexString(data.result()), Long.toHexString(r0));
    }
}
