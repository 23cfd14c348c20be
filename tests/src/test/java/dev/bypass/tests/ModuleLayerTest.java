package dev.bypass.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.module.ModuleReader;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The built modules as an embedder's module path sees them: they resolve together with their dependencies in a
 * {@link ModuleLayer} of their own (no split packages, every {@code requires} met), each exports exactly the
 * packages listed here, a public class of any other package cannot be reached from outside, and a program verified
 * by the verifier service and run by the JIT works inside the layer. (The other tests run on the class path, where
 * module boundaries do not apply.)
 */
class ModuleLayerTest {
    /** The API: module → packages it exports to everyone. A change here is a change of the public API. */
    static final Map<String, Set<String>> EXPORTS = Map.of(
            "dev.bypass.vm", Set.of("dev.bypass.vm", "dev.bypass.vm.asm", "dev.bypass.vm.ctx", "dev.bypass.vm.elf",
                    "dev.bypass.vm.engines", "dev.bypass.vm.exec", "dev.bypass.vm.facts", "dev.bypass.vm.helpers",
                    "dev.bypass.vm.helpers.standard", "dev.bypass.vm.isa", "dev.bypass.vm.maps", "dev.bypass.vm.memory",
                    "dev.bypass.vm.verification"),
            "dev.bypass.verifier", Set.of("dev.bypass.verifier"),
            "dev.bypass.programs", Set.of("dev.bypass.programs", "dev.bypass.programs.skeleton"),
            "dev.bypass.postgres", Set.of("dev.bypass.postgres"),
            "dev.bypass.proxy", Set.of("dev.bypass.proxy.config", "dev.bypass.proxy.hooks", "dev.bypass.proxy.server",
                    "dev.bypass.proxy.sql"),
            "dev.bypass.observability", Set.of("dev.bypass.observability", "dev.bypass.observability.acl",
                    "dev.bypass.observability.agent", "dev.bypass.observability.metrics", "dev.bypass.observability.probes",
                    "dev.bypass.observability.telemetry"),
            "dev.bypass.txnstore", Set.of("dev.bypass.txnstore", "dev.bypass.txnstore.programs", "dev.bypass.txnstore.resp"));

    static ModuleLayer layer;

    @BeforeAll static void resolve() throws IOException {
        List<Path> ours = new ArrayList<>(), dependencies = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (p.toAbsolutePath().startsWith(Path.of("").toAbsolutePath())) continue; // this module's own classes
            String module = moduleName(p);
            if (module != null && module.startsWith("dev.bypass.")) ours.add(p);
            // Bypass modules without a descriptor (replication: Ratis splits packages; cli: the application) and
            // jars that cannot be modules stay out: nothing in the layer may need them.
            else if (module != null || (isJar(p) && !p.toString().contains("/dev/bypass/") && automatic(p))) dependencies.add(p);
        }
        ModuleFinder finder = ModuleFinder.compose(ModuleFinder.of(ours.toArray(Path[]::new)),
                ModuleFinder.of(dependencies.toArray(Path[]::new)));
        Configuration cf = ModuleLayer.boot().configuration().resolveAndBind(finder, ModuleFinder.of(), EXPORTS.keySet());
        layer = ModuleLayer.boot().defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());
    }

    static boolean isJar(Path p) { return p.toString().endsWith(".jar") && Files.isRegularFile(p); }

    /** Whether a jar without a descriptor makes an automatic module (a name can be derived, no split with Ratis). */
    static boolean automatic(Path jar) {
        if (jar.getFileName().toString().startsWith("ratis-")) return false;
        try {
            return !ModuleFinder.of(jar).findAll().isEmpty();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The name in a class folder's or jar's module descriptor, or null when it has none. */
    static String moduleName(Path p) throws IOException {
        if (Files.isDirectory(p)) {
            Path info = p.resolve("module-info.class");
            if (!Files.isRegularFile(info)) return null;
            try (var in = Files.newInputStream(info)) { return ModuleDescriptor.read(in).name(); }
        }
        if (!isJar(p)) return null;
        try (JarFile jar = new JarFile(p.toFile(), true, java.util.zip.ZipFile.OPEN_READ, Runtime.version())) {
            var e = jar.getJarEntry("module-info.class");
            if (e == null) return null;
            try (var in = jar.getInputStream(e)) { return ModuleDescriptor.read(in).name(); }
        }
    }

    static Module module(String name) { return layer.findModule(name).orElseThrow(() -> new AssertionError(name + " is not in the layer")); }

    @Test void eachModuleExportsItsApiAndNothingElse() {
        for (var m : EXPORTS.entrySet()) {
            Set<String> exported = module(m.getKey()).getDescriptor().exports().stream().filter(e -> !e.isQualified())
                    .map(ModuleDescriptor.Exports::source).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(new TreeSet<>(m.getValue()), exported, m.getKey() + " exports");
        }
        // the one qualified export: the verifier folds constants with the engines' own semantics table
        assertEquals(Map.of("dev.bypass.vm.semantics", Set.of("dev.bypass.verifier")),
                module("dev.bypass.vm").getDescriptor().exports().stream().filter(ModuleDescriptor.Exports::isQualified)
                        .collect(Collectors.toMap(ModuleDescriptor.Exports::source, ModuleDescriptor.Exports::targets)));
    }

    /**
     * Every public class of every Bypass module, loaded from the layer: accessible from outside exactly when its
     * package is exported, so the JIT, the wire codec, the pools and the verifier's domains are out of reach.
     */
    @Test void onlyExportedPackagesCanBeReached() throws Exception {
        Map<String, List<String>> hidden = new TreeMap<>();
        int reachable = 0;
        for (String name : EXPORTS.keySet()) {
            Module m = module(name);
            ModuleReference ref = layer.configuration().findModule(name).orElseThrow().reference();
            try (ModuleReader reader = ref.open()) {
                for (String entry : reader.list().filter(e -> e.endsWith(".class") && !e.endsWith("module-info.class")
                        && !e.endsWith("package-info.class")).toList()) {
                    Class<?> c = Class.forName(entry.substring(0, entry.length() - 6).replace('/', '.'), false, m.getClassLoader());
                    if (!Modifier.isPublic(c.getModifiers()) || c.isMemberClass() && c.getDeclaringClass() != null
                            && !Modifier.isPublic(c.getDeclaringClass().getModifiers())) continue;
                    boolean exported = m.isExported(c.getPackageName());
                    assertEquals(EXPORTS.get(name).contains(c.getPackageName()), exported, c.getName());
                    boolean accessible;
                    try {
                        MethodHandles.publicLookup().accessClass(c);
                        accessible = true;
                    } catch (IllegalAccessException e) {
                        accessible = false;
                    }
                    assertEquals(exported, accessible, c.getName() + " accessible from outside");
                    if (accessible) reachable++;
                    else hidden.computeIfAbsent(c.getPackageName(), k -> new ArrayList<>()).add(c.getSimpleName());
                }
            }
        }
        assertTrue(reachable > 50, "public API classes found: " + reachable);
        // the implementation packages are there, and out of reach
        for (String pkg : List.of("dev.bypass.vm.jit", "dev.bypass.vm.semantics", "dev.bypass.proxy.pool", "dev.bypass.proxy.wire"))
            assertTrue(hidden.containsKey(pkg), pkg + " has public classes, none reachable: " + hidden.keySet());
    }

    /** The verifier service binds in the layer, and a program it verified runs in the JIT inside the layer. */
    @Test void aVerifiedProgramRunsInTheLayer() throws Exception {
        ClassLoader vm = module("dev.bypass.vm").getClassLoader();
        Class<?> verifierType = vm.loadClass("dev.bypass.vm.verification.ProgramVerifier");
        List<?> verifiers = java.util.ServiceLoader.load(layer, verifierType).stream().map(java.util.ServiceLoader.Provider::get).toList();
        assertEquals(1, verifiers.size(), "one verifier service in the layer");
        Object verifier = verifiers.get(0);
        assertEquals(module("dev.bypass.verifier"), verifier.getClass().getModule());

        Object program = vm.loadClass("dev.bypass.vm.asm.Assembler").getMethod("assemble", String.class)
                .invoke(null, "mov %r0, 6\nmul %r0, 7\nexit");
        Class<?> programType = vm.loadClass("dev.bypass.vm.verification.ProgramType");
        Class<?> registryType = vm.loadClass("dev.bypass.vm.helpers.HelperRegistry");
        Object helpers = registryType.getMethod("empty").invoke(null);
        Object request = vm.loadClass("dev.bypass.vm.verification.VerificationRequest")
                .getMethod("forBuffer", String.class, vm.loadClass("dev.bypass.vm.isa.Program"), programType, registryType)
                .invoke(null, "answer", program, programType.getField("BUFFER").get(null), helpers);
        Object facts = verifierType.getMethod("verify", request.getClass()).invoke(verifier, request);
        assertEquals(true, vm.loadClass("dev.bypass.vm.facts.ProgramFacts").getMethod("verified").invoke(facts));

        Class<?> linkedType = vm.loadClass("dev.bypass.vm.exec.LinkedProgram");
        Object linked = linkedType.getMethod("link", String.class, vm.loadClass("dev.bypass.vm.isa.Program"), registryType)
                .invoke(null, "answer", program, helpers);
        Class<?> kind = vm.loadClass("dev.bypass.vm.exec.EngineKind");
        Object engine = vm.loadClass("dev.bypass.vm.engines.Engines")
                .getMethod("create", linkedType, kind, vm.loadClass("dev.bypass.vm.facts.ProgramFacts"))
                .invoke(null, linked, kind.getMethod("parse", String.class).invoke(null, "jit"), facts);
        assertEquals("dev.bypass.vm.jit", engine.getClass().getPackageName(), "the JIT compiled it");
        Class<?> stateType = vm.loadClass("dev.bypass.vm.exec.ExecutionState");
        Object r0 = vm.loadClass("dev.bypass.vm.exec.Engine")
                .getMethod("execute", stateType, long.class, long.class, long.class, long.class, long.class)
                .invoke(engine, stateType.getConstructor().newInstance(), 0L, 0L, 0L, 0L, 0L);
        assertEquals(42L, r0);
    }
}
