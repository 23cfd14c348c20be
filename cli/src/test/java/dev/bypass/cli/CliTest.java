package dev.bypass.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    @TempDir Path dir;

    record Result(int code, String out, String err) {}

    static synchronized Result run(String stdin, String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        InputStream oldIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.US_ASCII)));
            int code = Main.execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
        }
    }

    Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void runPrintsR0InHexAndTakesMemory() throws Exception {
        Path prog = write("p.s", "ldxh %r0, [%r1+1]\nadd %r0, %r2\nexit\n");
        Result r = run("", "run", prog.toString(), "--mem", "11 22 33 44");
        assertEquals(0, r.code(), r.err());
        assertEquals("0x3326\n", r.out()); // 0x3322 read at offset 1, plus r2 = 4
    }

    /** A program the JIT declines (here a function that runs on into the next one) runs in the interpreter: exit 0. */
    @Test
    void aProgramTheJitDeclinesStillRuns() throws Exception {
        // code reached both as a function and by falling through: the verifier refuses it, the JIT cannot express it
        Path prog = write("p.s", "mov %r0, 1\ncall local f\nexit\nf:\nadd %r0, 2\ncall local g\ng:\nadd %r0, 4\nexit\n");
        assertEquals(1, run("", "run", prog.toString()).code());
        for (String engine : new String[] {"jit", "auto", "interpreter"}) {
            Result r = run("", "run", prog.toString(), "--engine", engine, "--unverified");
            assertEquals(0, r.code(), engine + ": " + r.err());
            assertEquals("0xb\n", r.out(), engine);
        }
    }

    @Test
    void asmThenDisasmRoundTripsThroughRawBytecode() throws Exception {
        Path prog = write("p.s", "mov %r0, 1\nloop:\nadd %r0, %r0\njlt %r0, 1000, loop\nexit\n");
        Path bin = dir.resolve("p.bin");
        assertEquals(0, run("", "asm", prog.toString(), "-o", bin.toString()).code());
        assertEquals(32, Files.size(bin));
        Result d = run("", "disasm", bin.toString());
        assertEquals("mov %r0, 1\nadd %r0, %r0\njlt %r0, 1000, -2\nexit\n", d.out());
        assertEquals("0x400\n", run("", "run", bin.toString()).out());
    }

    @Test
    void errorsAreOneLineWithNonZeroExit() throws Exception {
        Result r = run("", "run", write("bad.s", "mov %r0, 1\nfrob %r1\nexit\n").toString());
        assertEquals(1, r.code());
        assertEquals("error: line 2: unknown mnemonic 'frob'\n", r.err());

        r = run("", "run", write("loop.s", "mov %r1, 0\nadd %r1, 1\njlt %r1, 100000000, -2\nmov %r0, 0\nexit\n").toString(), "--budget", "10");
        assertEquals(1, r.code());
        assertEquals("error: at instruction 2: program exceeded its budget of 10 back-edges and calls\n", r.err());

        r = run("", "run", write("forever.s", "mov %r1, 0\njeq %r1, 0, -1\nmov %r0, 0\nexit\n").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: forever.s: rejected: INFINITE_LOOP at instruction 1"), r.err());

        r = run("", "run", dir.resolve("missing.s").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: no such file: "), r.err());

        Files.write(dir.resolve("odd.bin"), new byte[] {1, 2, 3});
        r = run("", "run", dir.resolve("odd.bin").toString());
        assertEquals("error: program length 3 is not a multiple of 8 bytes\n", r.err());
    }

    @Test
    void conformancePluginSpeaksTheRunnerProtocol() {
        // ldxw %r0, [%r1+0]; exit  with memory 11 22 33 44
        Result r = run("61 10 00 00 00 00 00 00 95 00 00 00 00 00 00 00", "conformance-plugin", "11  22  33  44  ", "--interpreter");
        assertEquals(0, r.code(), r.err());
        assertEquals("44332211\n", r.out());
        // A reserved field set: a non-zero exit and a message, as the runner expects for invalid programs.
        r = run("85 01 00 00 00 00 00 00 95 00 00 00 00 00 00 00", "conformance-plugin");
        assertNotEquals(0, r.code());
        assertEquals("error: instruction 0: opcode 0x85: unused field dst must be zero, is 1\n", r.err());
    }

    @Test
    void benchReportsResultAndMedian() throws Exception {
        Path prog = write("sum.s", "mov %r0, 0\nmov %r1, 1\nloop:\nadd %r0, %r1\nadd %r1, 1\njle %r1, 100, loop\nexit\n");
        Result r = run("", "bench", prog.toString(), "--warmup", "0.1", "--seconds", "0.2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("r0 0x13ba\nmedian "), r.out());
        assertTrue(r.out().matches("(?s).*median \\d+\\.\\d ns/run \\(\\d+ samples of \\d+ runs, engine interpreter\\)\\n"), r.out());
    }
}
