package dev.bypass.observability.agent;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Puts the probe bridge classes on the boot class path so that instrumented JDK classes can call them. Must run
 * before anything loads them through the application class loader, so this class names them only as strings.
 */
final class BootBridge {
    private BootBridge() {}

    static final String PACKAGE = "dev/bypass/observability/agent/bridge/";
    private static final List<String> CLASSES = List.of("ProbeBridge", "ProbeBridge$Handler", "ProbeFrame");

    static synchronized void install(Instrumentation inst) throws IOException {
        Class<?> bridge = bootClass();
        if (bridge == null) {
            Path jar = Files.createTempFile("bypass-bridge", ".jar");
            jar.toFile().deleteOnExit();
            try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
                for (String c : CLASSES) {
                    String res = PACKAGE + c + ".class";
                    try (InputStream in = BootBridge.class.getClassLoader().getResourceAsStream(res)) {
                        if (in == null) throw new IOException("the agent is incomplete: missing " + res);
                        out.putNextEntry(new java.util.jar.JarEntry(res));
                        in.transferTo(out);
                        out.closeEntry();
                    }
                }
            }
            inst.appendToBootstrapClassLoaderSearch(new java.util.jar.JarFile(jar.toFile()));
            bridge = bootClass();
            if (bridge == null) throw new IOException("cannot place the probe bridge on the boot class path");
        }
        Class<?> seen;
        try {
            seen = Class.forName(PACKAGE.replace('/', '.') + "ProbeBridge", false, BootBridge.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IOException("the agent is incomplete: no probe bridge", e);
        }
        if (seen != bridge)
            throw new IllegalStateException("the probe bridge was loaded by " + seen.getClassLoader()
                    + " before the agent could place it on the boot class path");
        // java.base code (file opening) must read the bridge's module, the boot loader's unnamed module.
        Module base = Object.class.getModule();
        if (!base.canRead(bridge.getModule()))
            inst.redefineModule(base, Set.of(bridge.getModule()), Map.of(), Map.of(), Set.of(), Map.of());
    }

    private static Class<?> bootClass() {
        try {
            return Class.forName(PACKAGE.replace('/', '.') + "ProbeBridge", false, null);
        } catch (ClassNotFoundException e) {
            return null;
        }
    }
}
