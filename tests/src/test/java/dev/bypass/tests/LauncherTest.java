package dev.bypass.tests;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.vm.SharedData;
import dev.bypass.vm.asm.Assembler;
import dev.bypass.vm.asm.DataFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The launcher scripts as users and the conformance runner invoke them: real processes, real JDK selection. */
class LauncherTest {
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @TempDir Path dir;

    record Out(int code, String stdout, String stderr) {}

    Out exec(String stdin, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
        Path out = Files.createTempFile(dir, "out", ".txt"), err = Files.createTempFile(dir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "process finished");
        return new Out(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @ParameterizedTest
    @ValueSource(strings = {"callx.data", "ldxdw.data", "rfc9669_call_local.data", "lock_cmpxchg.data", "mem-len.data"})
    void conformancePluginAsTheRunnerDrivesIt(String name) throws Exception {
        DataFile data = DataFile.parse(Files.readString(SharedData.conformance().resolve(name)));
        StringBuilder program = new StringBuilder();
        for (byte b : Assembler.assemble(data.asm()).bytes()) program.append(String.format("%02x  ", b & 0xff));
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("bin/conformance-plugin").toString()));
        if (data.memory().length > 0) {
            StringBuilder mem = new StringBuilder();
            for (byte b : data.memory()) mem.append(String.format("%02x  ", b & 0xff));
            cmd.add(mem.toString());
        }
        cmd.add("--interpreter");
        Out out = exec(program.toString(), cmd.toArray(String[]::new));
        assertEquals(0, out.code(), out.stderr());
        assertEquals(Long.toHexString(data.result()), out.stdout().strip());
    }

    @org.junit.jupiter.api.Test
    void bypassLauncherRunsAProgramAndReportsErrorsInOneLine() throws Exception {
        Path prog = dir.resolve("prog.s");
        Files.writeString(prog, "mov %r0, 6\nmul %r0, 7\nexit\n");
        Out ok = exec("", ROOT.resolve("bypass").toString(), "run", prog.toString());
        assertEquals(0, ok.code(), ok.stderr());
        assertEquals("0x2a", ok.stdout().strip());

        Files.writeString(prog, "mov %r11, 1\nexit\n");
        Out bad = exec("", ROOT.resolve("bypass").toString(), "run", prog.toString());
        assertEquals(1, bad.code());
        assertEquals("error: line 1: invalid register '%r11' (expected %r0..%r10)", bad.stderr().strip());
    }
}
