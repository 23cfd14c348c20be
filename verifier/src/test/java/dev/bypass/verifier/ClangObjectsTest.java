package dev.bypass.verifier;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.ProgramRuntime;
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
}
