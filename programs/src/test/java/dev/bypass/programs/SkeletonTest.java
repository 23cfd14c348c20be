package dev.bypass.programs;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.programs.skeleton.SkeletonGenerator;
import dev.bypass.vm.elf.ElfLoader;
import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.tools.*;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The skeleton round trip: generate the typed skeleton of every bundled object, compile it with javac together with
 * host code written against it, and run that host code against the live program.
 */
class SkeletonTest {
    @TempDir Path dir;

    /** Host code per bundled program, written only against the generated API; throws AssertionError on failure. */
    static final Map<String, String> USES = Map.of(
            BundledPrograms.COUNTER, """
                    try (CounterSkeleton s = CounterSkeleton.load(rt, object)) {
                        for (int i = 0; i < 3; i++) s.countEvent(new CounterSkeleton.CounterCtx(5L));
                        s.countEvent(new CounterSkeleton.CounterCtx(9L));
                        check(s.counts().lookup(5L) == 3L, "count of 5");
                        check(s.counts().entries().equals(java.util.Map.of(5L, 3L, 9L, 1L)), "entries " + s.counts().entries());
                        check(s.newKeys().pop() == 5L && s.newKeys().pop() == 9L && s.newKeys().pop() == null, "new keys in order");
                        check(s.counts().delete(5L) == 0 && s.counts().lookup(5L) == null, "delete");
                    }
                    """,
            BundledPrograms.LATENCY_HISTOGRAM, """
                    try (LatencyHistSkeleton s = LatencyHistSkeleton.load(rt, object)) {
                        check(s.recordLatency(new LatencyHistSkeleton.LatencyCtx(1500L)) == 10, "bucket");
                        s.recordLatency(new LatencyHistSkeleton.LatencyCtx(1600L));
                        check(s.hist().lookup(10) == 2L, "hist[10]");
                        LatencyHistSkeleton.Stats t = s.totals().lookup(0);
                        check(t.count() == 2 && t.sumNs() == 3100, "totals " + t);
                        check(s.totals().update(0, new LatencyHistSkeleton.Stats(0, 0), BpfMap.ANY) == 0, "reset");
                        check(s.totals().lookup(0).count() == 0, "after reset");
                    }
                    """,
            BundledPrograms.TOP_K, """
                    try (TopkSkeleton s = TopkSkeleton.load(rt, object)) {
                        for (int k = 1; k <= 10; k++) for (int i = 0; i < k; i++) s.observe(new TopkSkeleton.TopkCtx(k));
                        TopkSkeleton.TopTable t = s.top().lookup(0);
                        java.util.Set<Integer> keys = new java.util.TreeSet<>();
                        for (TopkSkeleton.TopEntry e : t.entries()) { keys.add(e.key()); check(e.count() == e.key(), "count of " + e.key()); }
                        check(keys.equals(java.util.Set.of(3, 4, 5, 6, 7, 8, 9, 10)), "top keys " + keys);
                        check(s.counts().lookup(2) == 2L, "counts[2]");
                    }
                    """,
            BundledPrograms.RATE_LIMITER, """
                    try (RateLimiterSkeleton d = RateLimiterSkeleton.load(rt, object)) {
                        RateLimiterSkeleton.RodataSection cfg = d.rodata().lookup(0);
                        check(cfg.ratePerSec() == 10 && cfg.burst() == 5, "default config " + cfg);
                        check(d.rodata().update(0, new RateLimiterSkeleton.RodataSection(10, 1), BpfMap.ANY) == -Errno.EPERM, "frozen");
                    }
                    try (RateLimiterSkeleton s = RateLimiterSkeleton.load(rt, object, new RateLimiterSkeleton.RodataSection(10, 1))) {
                        long a = s.admit(new RateLimiterSkeleton.RateCtx(3, 0, 100L)) + s.admit(new RateLimiterSkeleton.RateCtx(3, 0, 100L));
                        check(a == 1, "burst 1 admits one");
                        RateLimiterSkeleton.BssSection totals = s.bss().lookup(0);
                        check(totals.admitted() == 1 && totals.refused() == 1, "totals " + totals);
                        check(s.buckets().lookup(3).lastNs() == 100L, "bucket");
                    }
                    """,
            BundledPrograms.CONNECTION_ROUTER, """
                    try (ConnRouterSkeleton s = ConnRouterSkeleton.load(rt, object)) {
                        s.handlers().set(0, s.routeRead());
                        s.handlers().set(1, s.routeWrite());
                        s.backends().update(4, new ConnRouterSkeleton.Backend(1, 1), BpfMap.ANY);
                        check(s.route(new ConnRouterSkeleton.RouteCtx(77L, 0, 0)) == 4, "read to replica 4");
                        check(s.route(new ConnRouterSkeleton.RouteCtx(77L, 1, 0)) == 0, "write to primary");
                        ConnRouterSkeleton.Result<ConnRouterSkeleton.RouteCtx> res = s.routeWithContext(new ConnRouterSkeleton.RouteCtx(78L, 0, 99));
                        check(res.r0() == 4 && res.context().backend() == 4, "the program's choice in the context: " + res);
                        check(s.sticky().lookup(77L) == 4, "sticky");
                        check(s.events().drain().size() == 3, "three events");
                    }
                    """,
            BundledPrograms.ACL_FILTER, """
                    try (AclFilterSkeleton s = AclFilterSkeleton.load(rt, object)) {
                        java.util.List<AclFilterSkeleton.AclEntry> acl = new java.util.ArrayList<>();
                        acl.add(new AclFilterSkeleton.AclEntry(42, 4));
                        while (acl.size() < 8) acl.add(new AclFilterSkeleton.AclEntry(0, 0));
                        s.files().update(0, new AclFilterSkeleton.FileRecord(8L, 9L, "/db/t1", 1, 0, 1, 0, acl), BpfMap.ANY);
                        s.byDevino().update(new AclFilterSkeleton.Devino(8L, 9L), 0, BpfMap.NOEXIST);
                        s.byName().update(new AclFilterSkeleton.FileName("/db/t1"), 0, BpfMap.NOEXIST);
                        check(s.checkOpen(new AclFilterSkeleton.OpenRequest(8L, 9L, "", 42, 4, 0, 0)) == 1, "acl read");
                        check(s.checkOpen(new AclFilterSkeleton.OpenRequest(0L, 0L, "/db/t1", 42, 2, 1, 0)) == 0, "acl no write");
                        check(s.files().lookup(0).name().equals("/db/t1"), "record name");
                        long allowed = 0;
                        for (long v : s.decisions().lookupPerCpu(1)) allowed += v;
                        check(allowed == 1, "per-CPU decisions");
                    }
                    """);

    @TestFactory Stream<DynamicTest> skeletonRoundTrip() {
        return BundledPrograms.ALL.stream().map(name -> DynamicTest.dynamicTest(name, () -> roundTrip(name)));
    }

    /** Nested arrays, arrays of structs, strings, unions and enums generate code that compiles and round-trips. */
    @org.junit.jupiter.api.Test void unusualTypesCompile() throws Exception {
        byte[] obj;
        try (var in = SkeletonTest.class.getResourceAsStream("/bpf/skeleton_types.o")) {
            obj = in.readAllBytes();
        }
        String use = """
                java.util.List<java.util.List<SkeletonTypesSkeleton.Cell>> cells = new java.util.ArrayList<>();
                for (int r = 0; r < 3; r++) {
                    java.util.List<SkeletonTypesSkeleton.Cell> row = new java.util.ArrayList<>();
                    for (int c = 0; c < 4; c++) row.add(new SkeletonTypesSkeleton.Cell((short) (r * 4 + c), (byte) 1));
                    cells.add(row);
                }
                SkeletonTypesSkeleton.Grid g = new SkeletonTypesSkeleton.Grid(cells, java.util.List.of(new int[] {1, 2}, new int[] {3, 4}),
                        java.util.List.of("alpha", "beta"), -7L, new byte[8], 1);
                SkeletonTypesSkeleton.Grid back = SkeletonTypesSkeleton.Grid.fromBytes(g.toBytes());
                check(back.cells().get(2).get(3).v_() == 11 && back.dims().get(1)[0] == 3, "nested arrays");
                check(back.names().equals(java.util.List.of("alpha", "beta")) && back.total() == -7 && back.color() == 1, "fields " + back);
                try (SkeletonTypesSkeleton s = SkeletonTypesSkeleton.load(rt, object)) {
                    check(s.grids().update(new SkeletonTypesSkeleton.Cell((short) 1, (byte) 2), g, BpfMap.ANY) == 0, "update");
                    check(s.nested().run(new byte[0]) == -7, "the program reads the struct the host wrote");
                }
                """;
        compileAndRun("skeleton_types", obj, use);
    }

    void roundTrip(String name) throws Exception {
        compileAndRun(name, BundledPrograms.object(name), USES.get(name));
    }

    void compileAndRun(String name, byte[] object, String useCode) throws Exception {
        String cls = SkeletonGenerator.classNameFor(name + ".o");
        String skeleton = SkeletonGenerator.generate(ElfLoader.load(object), name + ".o", "gen", cls);
        Path src = Files.createDirectories(dir.resolve(name).resolve("src/gen"));
        Files.writeString(src.resolve(cls + ".java"), skeleton);
        String use = "package gen;\nimport dev.bypass.programs.*;\nimport dev.bypass.vm.maps.*;\n"
                + "public final class Use {\n"
                + "    static void check(boolean ok, String what) { if (!ok) throw new AssertionError(what); }\n"
                + "    public static void run(ProgramRuntime rt, byte[] object) throws Exception {\n" + useCode + "    }\n}\n";
        Files.writeString(src.resolve("Use.java"), use);
        Path classes = Files.createDirectories(dir.resolve(name).resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diags, null, null)) {
            Iterable<? extends JavaFileObject> units = fm.getJavaFileObjects(src.resolve(cls + ".java").toFile(), src.resolve("Use.java").toFile());
            List<String> opts = List.of("-d", classes.toString(), "-classpath", System.getProperty("java.class.path"), "-proc:none");
            boolean ok = javac.getTask(null, fm, diags, opts, null, units).call();
            assertTrue(ok, () -> "generated code does not compile:\n" + diags.getDiagnostics() + "\n" + skeleton);
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            Method run = loader.loadClass("gen.Use").getMethod("run", ProgramRuntime.class, byte[].class);
            try {
                run.invoke(null, TestRuntimes.runtime(), object);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw new AssertionError(name + ": " + e.getCause(), e.getCause());
            }
        }
    }
}
