package dev.bypass.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.proxy.hooks.ProxyAbi;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Builds the examples' C sources with clang as the project's objects are built, and runs examples' mains. */
final class Examples {
    private Examples() {}

    /** An example's main. */
    interface Main {
        void run(String[] args) throws Exception;
    }

    /**
     * Compiles {@code name.c} (from the class path, next to the committed object) into {@code dir/name.o} with the
     * flags of {@code bin/build-bpf}, against the store's helper header and the proxy's ABI header as the proxy prints
     * it; without clang or libbpf-dev, copies the committed object and says so.
     */
    static Path build(Path dir, String name) throws Exception {
        Path object = dir.resolve(name + ".o");
        String clang = clang();
        if (clang == null) {
            System.err.println("clang or libbpf-dev missing: the committed " + name + ".o is used");
            Files.write(object, resource(name + ".o"));
            return object;
        }
        Path include = Files.createDirectories(dir.resolve("include"));
        Files.writeString(include.resolve(ProxyAbi.HEADER_NAME), ProxyAbi.header());
        try (InputStream in = Examples.class.getResourceAsStream("/dev/bypass/txnstore/bpf/store_helpers.h")) {
            Files.write(include.resolve("store_helpers.h"), in.readAllBytes());
        }
        Path source = dir.resolve(name + ".c");
        Files.write(source, resource(name + ".c"));
        List<String> command = new ArrayList<>(List.of(clang, "-O2", "-g", "-target", "bpf", "-D__TARGET_ARCH_x86",
                "-I/usr/include/x86_64-linux-gnu", "-I" + include, "-c", source.toString(), "-o", object.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "clang " + name + ".c finished");
        assertEquals(0, p.exitValue(), "clang " + name + ".c: " + output);
        return object;
    }

    private static String clang() {
        if (!Files.exists(Path.of("/usr/include/bpf/bpf_helpers.h"))) return null;
        for (String c : List.of("/usr/bin/clang", "/usr/bin/clang-19", "/usr/bin/clang-14"))
            if (Files.isExecutable(Path.of(c))) return c;
        return null;
    }

    private static byte[] resource(String name) throws Exception {
        try (InputStream in = ExampleObjects.class.getResourceAsStream(name)) {
            if (in == null) throw new AssertionError("no " + name + " next to the examples");
            return in.readAllBytes();
        }
    }

    /**
     * Runs an example's main with its objects taken from {@code objects} and standard input empty; returns what it
     * printed on standard output (also echoed, for the test's log).
     */
    static String run(Path objects, Main main, String... args) throws Exception {
        PrintStream out = System.out;
        InputStream in = System.in;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setProperty(ExampleObjects.DIRECTORY_PROPERTY, objects.toString());
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        System.setIn(InputStream.nullInputStream());
        try {
            main.run(args);
        } finally {
            System.setOut(out);
            System.setIn(in);
            System.clearProperty(ExampleObjects.DIRECTORY_PROPERTY);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        out.print(text);
        return text;
    }
}
