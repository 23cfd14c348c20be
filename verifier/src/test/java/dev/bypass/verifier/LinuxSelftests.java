package dev.bypass.verifier;

import dev.bypass.vm.elf.Btf;
import dev.bypass.vm.elf.ElfObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The Linux kernel's own verifier selftests as test data: {@code tools/testing/selftests/bpf/progs/verifier_*.c}
 * (GPL-2.0, by the Linux kernel's BPF developers) and the headers they include, taken at test time from Debian's
 * {@code linux-source-6.12} package ({@code /usr/src/linux-source-6.12.tar.xz}) and compiled with clang-19 against
 * the kernel's own libbpf headers (plus {@code bpf_helper_defs.h} from {@code libbpf-dev}). Nothing of the kernel is
 * kept in the repository; the extracted sources and the objects are cached under {@code target/linux-selftests}
 * and shared by every test class of a run.
 *
 * <p>The files in {@link #HELD_OUT} are never extracted: they are kept for independent checking of the verifier.
 *
 * <p>Each test program carries its expected verdicts as BTF declaration tags ({@code __success}, {@code __failure},
 * {@code __msg(...)}, the {@code _unpriv} variants, {@code __retval(...)}), which {@link #expectations} reads from
 * the object the way the kernel's {@code test_loader.c} does.
 */
final class LinuxSelftests {
    private LinuxSelftests() {}

    /** {@code verifier_<name>.c} files kept for independent checking: never extracted, compiled or read here. */
    static final Set<String> HELD_OUT = Set.of("and", "basic_stack", "bounds", "bounds_deduction", "bswap", "cfg", "const_or",
            "direct_stack_access_wraparound", "div0", "gotol", "int_ptr", "jeq_infer_not_null", "ldsx", "leak_ptr", "loops1",
            "map_ptr", "masking", "movsx", "raw_stack", "ringbuf", "scalar_ids", "sdiv", "spill_fill", "stack_ptr", "uninit",
            "unpriv", "value", "value_or_null", "value_ptr_arith", "var_off", "xadd");

    static final Path TARBALL = Path.of("/usr/src/linux-source-6.12.tar.xz");
    static final Path CLANG = Path.of("/usr/bin/clang-19");
    private static final String TOP = "linux-source-6.12";
    private static final String PROGS = TOP + "/tools/testing/selftests/bpf/progs";

    /** One selftest source: its short name ({@code subreg} for {@code verifier_subreg.c}), its object or why none. */
    record Compiled(String name, Path object, String error) {}

    /** A program's expectations, as the kernel's test loader reads them. */
    record Expectation(String program, String description, Boolean privileged, Boolean unprivileged, List<String> messages,
                       String retval, boolean auxiliary) {}

    /** Null when the selftests can be built here; otherwise what is missing, in one line. */
    static String unavailableReason() {
        if (!Files.isRegularFile(TARBALL)) return TARBALL + " is missing (Debian package linux-source-6.12)";
        if (!Files.isExecutable(CLANG)) return CLANG + " is missing (Debian package clang-19)";
        if (!Files.isRegularFile(Path.of("/usr/include/bpf/bpf_helper_defs.h"))) return "/usr/include/bpf/bpf_helper_defs.h is missing (Debian package libbpf-dev)";
        return null;
    }

    private static List<Compiled> compiled;

    /** Every non-held-out {@code verifier_*.c}, compiled (once per JVM; objects are reused across runs). */
    static synchronized List<Compiled> objects() throws Exception {
        if (compiled != null) return compiled;
        Path cache = Path.of("target", "linux-selftests").toAbsolutePath();
        Path src = cache.resolve(PROGS);
        Path marker = cache.resolve("extracted-" + Files.size(TARBALL) + "-" + Files.getLastModifiedTime(TARBALL).toMillis());
        if (!Files.exists(marker)) {
            Files.createDirectories(cache);
            List<String> cmd = new ArrayList<>(List.of("tar", "-xJf", TARBALL.toString(), "-C", cache.toString(), "--wildcards"));
            for (String h : HELD_OUT) cmd.add("--exclude=*/verifier_" + h + ".c");
            cmd.addAll(List.of(PROGS + "/verifier_*.c", PROGS + "/*.h", TOP + "/tools/testing/selftests/bpf/*.h",
                    TOP + "/tools/include/*", TOP + "/tools/lib/bpf/*.h"));
            run(cmd, cache, 300);
            Files.createFile(marker);
        }
        Path include = cache.resolve("include");
        Files.createDirectories(include);
        try (InputStream in = LinuxSelftests.class.getResourceAsStream("/linux-selftests/vmlinux.h")) {
            Files.write(include.resolve("vmlinux.h"), in.readAllBytes());
        }
        Path objDir = cache.resolve("obj");
        Files.createDirectories(objDir);
        List<Path> sources;
        try (Stream<Path> s = Files.list(src)) {
            sources = s.filter(p -> p.getFileName().toString().matches("verifier_.*\\.c"))
                    .filter(p -> !HELD_OUT.contains(shortName(p))).sorted().toList();
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Compiled>> jobs = new ArrayList<>();
            for (Path c : sources) jobs.add(pool.submit(() -> compile(cache, include, c, objDir.resolve(shortName(c) + ".o"))));
            List<Compiled> out = new ArrayList<>();
            for (Future<Compiled> f : jobs) out.add(f.get());
            compiled = List.copyOf(out);
        } finally {
            pool.shutdownNow();
        }
        return compiled;
    }

    private static String shortName(Path source) {
        String f = source.getFileName().toString();
        return f.substring("verifier_".length(), f.length() - 2);
    }

    private static Compiled compile(Path cache, Path include, Path source, Path object) throws Exception {
        String name = shortName(source);
        if (Files.exists(object) && Files.getLastModifiedTime(object).compareTo(Files.getLastModifiedTime(source)) >= 0)
            return new Compiled(name, object, null);
        Path top = cache.resolve(TOP);
        // The selftests' own flags (tools/testing/selftests/bpf/Makefile): BPF v3, the target architecture's
        // definitions, warnings about pointer comparisons off.
        List<String> cmd = List.of(CLANG.toString(), "-O2", "-g", "-target", "bpf", "-mcpu=v3", "-D__TARGET_ARCH_x86", "-DENABLE_ATOMICS_TESTS",
                "-I", include.toString(), "-I", top.resolve("tools/testing/selftests/bpf/progs").toString(),
                "-I", top.resolve("tools/testing/selftests/bpf").toString(), "-I", top.resolve("tools/lib").toString(),
                "-I", top.resolve("tools/include/uapi").toString(), "-I", top.resolve("tools/include").toString(),
                "-idirafter", "/usr/include/bpf", "-idirafter", "/usr/include", "-idirafter", "/usr/include/x86_64-linux-gnu",
                "-Wno-compare-distinct-pointer-types", "-c", source.toString(), "-o", object.toString() + ".tmp");
        String err = run(cmd, cache, 120);
        if (err != null) return new Compiled(name, null, err);
        Files.move(Path.of(object + ".tmp"), object, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return new Compiled(name, object, null);
    }

    /** Runs a command; null on success, else its first error line. */
    private static String run(List<String> cmd, Path dir, int seconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(cmd.get(0) + " did not finish in " + seconds + " s");
        }
        if (p.exitValue() == 0) return null;
        String text = new String(out, StandardCharsets.UTF_8);
        for (String line : text.split("\n")) if (line.contains("error")) return line.strip();
        return "exit " + p.exitValue() + ": " + text.strip();
    }

    /** The expectations of every function with test tags in an object, by function name. */
    static Map<String, Expectation> expectations(ElfObject elf) {
        Btf btf = elf.btf();
        Map<Integer, List<String>> tags = new LinkedHashMap<>();
        for (Btf.Type t : btf.types())
            if (t.kind() == Btf.DECL_TAG && t.name().startsWith("comment:test_"))
                tags.computeIfAbsent((int) t.sizeOrType(), k -> new ArrayList<>()).add(t.name().substring("comment:test_".length()));
        Map<String, Expectation> out = new LinkedHashMap<>();
        tags.forEach((func, list) -> {
            Btf.Type f = btf.type(func);
            if (f.kind() != Btf.FUNC) return;
            Boolean priv = null, unpriv = null;
            boolean privMode = false, unprivMode = false, privFailure = false, unprivFailure = false, aux = false;
            String retval = null, description = null;
            List<String> msgs = new ArrayList<>();
            for (String tag : list) {
                String key = tag.contains("=") ? tag.substring(0, tag.indexOf('=')) : tag;
                String value = tag.contains("=") ? tag.substring(tag.indexOf('=') + 1) : null;
                switch (key) {
                    case "expect_success" -> privMode = true;
                    case "expect_failure" -> { privMode = true; privFailure = true; }
                    case "expect_msg", "expect_xlated", "jited" -> {
                        privMode = true;
                        if (key.equals("expect_msg")) msgs.add(value.substring(value.indexOf('=') + 1)); // counter=text
                    }
                    case "retval" -> { privMode = true; retval = value; }
                    case "expect_success_unpriv", "expect_msg_unpriv", "expect_xlated_unpriv", "jited_unpriv", "retval_unpriv" -> unprivMode = true;
                    case "expect_failure_unpriv" -> { unprivMode = true; unprivFailure = true; }
                    case "description" -> description = value;
                    case "auxiliary" -> aux = true;
                    case "auxiliary_unpriv" -> aux = true;
                    default -> {}
                }
            }
            if (!privMode && !unprivMode) privMode = true; // the loader's default: privileged, expecting success
            if (privMode) priv = !privFailure;
            if (unprivMode) unpriv = !unprivFailure;
            out.put(f.name(), new Expectation(f.name(), description, priv, unpriv, List.copyOf(msgs), retval, aux));
        });
        return out;
    }

    private static Path loader;
    private static boolean loaderTried;

    /** The libbpf loader ({@code load_each.c}) built under the cache; null when it does not build here. */
    static synchronized Path kernelLoader() throws Exception {
        if (loaderTried) return loader;
        loaderTried = true;
        Path cache = Path.of("target", "linux-selftests").toAbsolutePath();
        Files.createDirectories(cache);
        Path source = cache.resolve("load_each.c"), binary = cache.resolve("load_each");
        try (InputStream in = LinuxSelftests.class.getResourceAsStream("/linux-selftests/load_each.c")) {
            Files.write(source, in.readAllBytes());
        }
        String err = run(List.of(CLANG.toString(), "-O1", "-o", binary.toString(), source.toString(), "-lbpf"), cache, 120);
        if (err != null) System.out.println("selftests: the libbpf loader does not build: " + err);
        loader = err == null ? binary : null;
        return loader;
    }

    /** The running kernel's verdict on each program of a compiled selftest: name -> {accept|reject, reason}. */
    static Map<String, String[]> loadEach(Path loader, String name) {
        Path object = Path.of("target", "linux-selftests", "obj", name + ".o").toAbsolutePath();
        Map<String, String[]> out = new LinkedHashMap<>();
        try {
            Process p = new ProcessBuilder(loader.toString(), object.toString()).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("the loader did not finish on " + object + " in 300 s");
            }
            for (String line : text.split("\n")) {
                String[] f = line.split("\t", 3);
                if (f.length >= 2) out.put(f[0], java.util.Arrays.copyOfRange(f, 1, f.length));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return out;
    }
}
