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

    Out exec(String stdin, String... cmd) throws IOException, InterruptedException { return exec(java.util.Map.of(), stdin, cmd); }

    /** Runs {@code cmd} in the checkout with the environment changed as given (a null value removes the variable). */
    Out exec(java.util.Map<String, String> env, String stdin, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
        env.forEach((k, v) -> {
            if (v == null) pb.environment().remove(k);
            else pb.environment().put(k, v);
        });
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

    /**
     * The README's commands where the default java is older (17, first on the PATH) and JAVA_HOME is unset or points
     * to it: both find JDK 25 by themselves. The old JDK is a stand-in that says it is 17 and fails when run.
     */
    @org.junit.jupiter.api.Test
    void theLaunchersFindJdk25WhereTheDefaultJavaIsOlder() throws Exception {
        Path old = dir.resolve("jdk-17");
        Files.createDirectories(old.resolve("bin"));
        for (String tool : new String[] {"java", "javac"}) {
            Path t = Files.writeString(old.resolve("bin").resolve(tool), """
                    #!/bin/sh
                    if [ "$1" = -version ]; then echo 'openjdk version "17.0.12" 2024-07-16' >&2; exit 0; fi
                    echo 'Unrecognized option: --sun-misc-unsafe-memory-access=allow' >&2; exit 1
                    """);
            t.toFile().setExecutable(true);
        }
        Path prog = Files.writeString(dir.resolve("answer.s"), "mov %r0, 6\nmul %r0, 7\nexit\n");
        String path = old.resolve("bin") + ":" + System.getenv("PATH");
        java.util.Map<String, String> unset = new java.util.HashMap<>(), older = new java.util.HashMap<>();
        unset.put("JAVA_HOME", null);
        unset.put("PATH", path);
        older.put("JAVA_HOME", old.toString());
        older.put("PATH", path);
        for (var env : List.of(unset, older)) {
            Out run = exec(env, "", ROOT.resolve("bypass").toString(), "run", prog.toString());
            assertEquals(0, run.code(), "JAVA_HOME " + env.get("JAVA_HOME") + ": " + run.stderr());
            assertEquals("0x2a", run.stdout().strip());
            Out mvn = exec(env, "", ROOT.resolve("mvnw").toString(), "--version");
            assertEquals(0, mvn.code(), "JAVA_HOME " + env.get("JAVA_HOME") + ": " + mvn.stdout() + mvn.stderr());
            assertTrue(mvn.stdout().matches("(?s).*Java version: (2[5-9]|[3-9]\\d)[. ].*"), mvn.stdout());
        }
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
