package dev.bypass.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.commons.ClassRemapper;
import org.objectweb.asm.commons.Remapper;
import org.objectweb.asm.tree.ClassNode;

/**
 * No two packages of a module depend on each other, directly or around a loop: each module's packages form layers,
 * so a package can be understood, tested and replaced on top of the ones below it. Read from the compiled classes
 * of every Bypass module on the class path (every class a class names anywhere: supertypes, fields, signatures,
 * instructions, constants), since that is what a package really depends on.
 */
class PackageCyclesTest {
    /** Package → package it uses → one example (using class → used class), for the failure message. */
    record Graph(Map<String, Map<String, String>> edges) {
        Graph() { this(new TreeMap<>()); }

        void add(String from, String to, String example) {
            if (!from.equals(to)) edges.computeIfAbsent(from, k -> new TreeMap<>()).putIfAbsent(to, example);
            edges.computeIfAbsent(to, k -> new TreeMap<>());
        }

        /** One cycle through each strongly connected component of more than one package (Tarjan), as a path. */
        List<List<String>> cycles() {
            Map<String, Integer> index = new HashMap<>(), low = new HashMap<>();
            ArrayDeque<String> stack = new ArrayDeque<>();
            Set<String> onStack = new java.util.HashSet<>();
            List<Set<String>> components = new ArrayList<>();
            for (String v : edges.keySet()) if (!index.containsKey(v)) connect(v, index, low, stack, onStack, components);
            List<List<String>> cycles = new ArrayList<>();
            for (Set<String> c : components) cycles.add(cycleWithin(c));
            return cycles;
        }

        private void connect(String v, Map<String, Integer> index, Map<String, Integer> low, ArrayDeque<String> stack,
                             Set<String> onStack, List<Set<String>> components) {
            index.put(v, index.size());
            low.put(v, index.get(v));
            stack.push(v);
            onStack.add(v);
            for (String w : edges.get(v).keySet()) {
                if (!index.containsKey(w)) {
                    connect(w, index, low, stack, onStack, components);
                    low.put(v, Math.min(low.get(v), low.get(w)));
                } else if (onStack.contains(w)) low.put(v, Math.min(low.get(v), index.get(w)));
            }
            if (low.get(v).equals(index.get(v))) {
                Set<String> c = new TreeSet<>();
                String w;
                do {
                    w = stack.pop();
                    onStack.remove(w);
                    c.add(w);
                } while (!w.equals(v));
                if (c.size() > 1) components.add(c);
            }
        }

        /** The shortest path from the component's first package back to itself, staying inside the component. */
        private List<String> cycleWithin(Set<String> component) {
            String start = component.iterator().next();
            Map<String, String> parent = new HashMap<>();
            ArrayDeque<String> queue = new ArrayDeque<>(List.of(start));
            while (!queue.isEmpty()) {
                String v = queue.poll();
                for (String w : edges.get(v).keySet()) {
                    if (!component.contains(w)) continue;
                    if (w.equals(start)) {
                        List<String> path = new ArrayList<>(List.of(start));
                        for (String u = v; !u.equals(start); u = parent.get(u)) path.add(1, u);
                        path.add(start);
                        return path;
                    }
                    if (parent.putIfAbsent(w, v) == null) queue.add(w);
                }
            }
            throw new AssertionError("no cycle in a strongly connected component " + component);
        }

        String describe(List<String> cycle) {
            StringBuilder sb = new StringBuilder(String.join(" -> ", cycle));
            for (int i = 0; i + 1 < cycle.size(); i++)
                sb.append("\n    ").append(cycle.get(i)).append(" -> ").append(cycle.get(i + 1)).append(": ")
                        .append(edges.get(cycle.get(i)).get(cycle.get(i + 1)));
            return sb.toString();
        }
    }

    /** The package graph of the classes under {@code root} (a class folder or a jar) that belong to Bypass. */
    static Graph graphOf(Path root) throws IOException {
        Graph g = new Graph();
        for (Map.Entry<String, byte[]> c : classes(root).entrySet()) {
            String self = c.getKey(), from = packageOf(self);
            new ClassReader(c.getValue()).accept(new ClassRemapper(new ClassNode(), new Remapper() {
                @Override public String map(String name) {
                    String to = packageOf(name);
                    if (to.startsWith("dev.bypass.") && !name.equals(self)) g.add(from, to, simple(self) + " uses " + simple(name));
                    return name;
                }
            }), 0);
        }
        return g;
    }

    static String packageOf(String internalName) {
        int slash = internalName.lastIndexOf('/');
        return slash < 0 ? "" : internalName.substring(0, slash).replace('/', '.');
    }

    static String simple(String internalName) { return internalName.substring(internalName.lastIndexOf('/') + 1); }

    /** Internal name → bytes of every {@code dev/bypass} class under a class folder or in a jar. */
    static Map<String, byte[]> classes(Path root) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        if (Files.isDirectory(root)) {
            Path base = root.resolve("dev/bypass");
            if (!Files.isDirectory(base)) return out;
            try (Stream<Path> files = Files.walk(base)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                    String name = root.relativize(f).toString().replace('\\', '/');
                    if (!name.endsWith("module-info.class")) out.put(name.substring(0, name.length() - 6), Files.readAllBytes(f));
                }
            }
        } else if (root.toString().endsWith(".jar") && Files.isRegularFile(root)) {
            try (JarFile jar = new JarFile(root.toFile())) {
                for (var e : java.util.Collections.list(jar.entries())) {
                    String name = e.getName();
                    if (name.startsWith("dev/bypass/") && name.endsWith(".class") && !name.endsWith("module-info.class"))
                        try (InputStream in = jar.getInputStream(e)) { out.put(name.substring(0, name.length() - 6), in.readAllBytes()); }
                }
            }
        }
        return out;
    }

    /** The class folders and jars of the Bypass modules this test module depends on (not its own test classes). */
    static List<Path> bypassModules() {
        List<Path> roots = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (p.toAbsolutePath().startsWith(Path.of("").toAbsolutePath())) continue; // this module's own classes
            try {
                if (!classes(p).isEmpty()) roots.add(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return roots;
    }

    @Test void noPackageOfAModuleDependsOnItselfThroughOthers() throws IOException {
        List<Path> modules = bypassModules();
        // the reactor's modules: vm, verifier, programs, proxy, observability, txn-store, replication, cli at least
        assertTrue(modules.size() >= 8, "expected the Bypass modules on the class path, found " + modules);
        List<String> failures = new ArrayList<>();
        for (Path m : modules) {
            Graph g = graphOf(m);
            assertFalse(g.edges().isEmpty(), "no classes read from " + m);
            for (List<String> cycle : g.cycles()) failures.add("package cycle in " + m + ":\n  " + g.describe(cycle));
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /** The check itself finds a loop, names it, and names the classes that make it. */
    @Test void aCycleIsFoundAndNamed() {
        Graph g = new Graph();
        g.add("a", "b", "A uses B");
        g.add("b", "c", "B uses C");
        g.add("c", "a", "C uses A");
        g.add("c", "d", "C uses D");
        g.add("d", "e", "D uses E");
        List<List<String>> cycles = g.cycles();
        assertEquals(List.of(List.of("a", "b", "c", "a")), cycles);
        assertEquals("a -> b -> c -> a\n    a -> b: A uses B\n    b -> c: B uses C\n    c -> a: C uses A", g.describe(cycles.get(0)));
        g.add("e", "d", "E uses D");
        assertEquals(2, g.cycles().size(), "two separate loops");
    }
}
