package dev.bypass.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.SharedData;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verify}, {@code run} and {@code bench} share one calling convention: assembly and bytecode are buffer
 * programs (r1 = the input, r2 = its length), verified for the input's length when it is known.
 */
class VerifyCommandTest {
    @TempDir Path dir;

    static Path kernels() { return SharedData.kernels(); }

    private Path input(String name) throws Exception {
        byte[] b = SharedData.kernelInput(name);
        if (b == null) b = new byte[0];
        Path p = dir.resolve(name + ".bin");
        Files.write(p, b);
        return p;
    }

    @Test
    void theSharedKernelsVerifyAndRunAsWritten() throws Exception {
        for (String line : Files.readAllLines(kernels().resolve("inputs.txt"))) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.trim().split("\\s+");
            String kernel = kernels().resolve(f[0]).toString(), mem = "@" + input(f[1]);
            CliTest.Result v = CliTest.run("", "verify", kernel, "--mem", mem);
            assertEquals(0, v.code(), f[0] + ": " + v.out() + v.err());
            assertTrue(v.out().startsWith(f[0] + ": accepted"), v.out());
            CliTest.Result r = CliTest.run("", "run", kernel, "--mem", mem, "--engine", "jit");
            assertEquals(0, r.code(), f[0] + ": " + r.err());
            assertEquals(Long.parseUnsignedLong(f[2].substring(2), 16), Long.parseUnsignedLong(r.out().strip().substring(2), 16), f[0]);
        }
    }

    @Test
    void withoutAKnownLengthAccessesMustBeProvenAgainstR2() throws Exception {
        assertEquals(0, CliTest.run("", "verify", kernels().resolve("fnv1a.s").toString()).code());
        CliTest.Result r = CliTest.run("", "verify", kernels().resolve("xxh64.s").toString(), "--json");
        assertEquals(1, r.code());
        assertTrue(r.out().contains("\"code\":\"OUT_OF_BOUNDS\""), r.out());
        assertEquals(0, CliTest.run("", "verify", kernels().resolve("xxh64.s").toString(), "--mem-size", "4096").code());
    }

    @Test
    void programsThatDoNotLinkAreRejectionsWithTheirReason() throws Exception {
        Path jump = dir.resolve("jump.s");
        Files.writeString(jump, "ja +5\nexit\n");
        for (String cmd : new String[] {"verify", "run"}) {
            CliTest.Result r = CliTest.run("", cmd, jump.toString());
            assertEquals(1, r.code(), cmd);
            assertTrue((r.out() + r.err()).contains("jump target 6 is outside the program"), r.out() + r.err());
        }
        Path bad = dir.resolve("bad.bin");
        Files.write(bad, new byte[] {(byte) 0xff, 0, 0, 0, 0, 0, 0, 0, (byte) 0x95, 0, 0, 0, 0, 0, 0, 0});
        CliTest.Result r = CliTest.run("", "verify", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.out().startsWith("bad.bin: rejected: ") && r.out().contains("0xff"), r.out());
    }

    @Test
    void sectionsSelectTypesAndUnmodelledLinuxTypesAreNamed() throws Exception {
        Path obj = dir.resolve("sections.o");
        try (InputStream in = VerifyCommandTest.class.getResourceAsStream("/bpf/sections.o")) {
            Files.write(obj, in.readAllBytes());
        }
        CliTest.Result r = CliTest.run("", "verify", obj.toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("socket_len: accepted"), r.out());
        assertTrue(r.out().contains("sum_bytes: accepted"), r.out());
        assertTrue(r.out().contains("pass_all: not verifiable: section \"xdp\" names the Linux program type xdp, which this runtime does not model"), r.out());
        assertEquals(0, CliTest.run("", "verify", obj.toString(), "--program", "socket_len").code());
    }
}
