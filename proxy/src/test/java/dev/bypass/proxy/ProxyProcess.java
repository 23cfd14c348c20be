package dev.bypass.proxy;

import dev.bypass.vm.verification.ProgramVerifier;
import dev.bypass.proxy.hooks.ProgramQueryHook;
import dev.bypass.proxy.config.ProxyConfigFile;
import dev.bypass.proxy.server.ProxyServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;

/**
 * The proxy in a process of its own, for tests that measure it from outside (its resident memory): started with a
 * configuration file, it prints {@code port N} once clients can connect and runs until its standard input closes.
 */
public final class ProxyProcess {
    private ProxyProcess() {}

    public static void main(String[] args) throws Exception {
        try (ProgramQueryHook hook = new ProgramQueryHook(ProgramVerifier.UNVERIFIED_FOR_TESTS_ONLY);
             ProxyServer proxy = new ProxyServer(ProxyConfigFile.read(Path.of(args[0])), hook, new SimpleMeterRegistry()).start()) {
            System.out.println("port " + proxy.port());
            System.out.flush();
            while (System.in.read() >= 0) { }
        }
    }

    /** Starts it as a child of this JVM (same class path), with {@code jvmOptions}; returns once it listens. */
    static Started start(Path config, String... jvmOptions) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(java.util.List.of(jvmOptions));
        cmd.addAll(java.util.List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ProxyProcess.class.getName(), config.toString()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
        String line = out.readLine();
        if (line == null || !line.startsWith("port ")) {
            p.destroyForcibly();
            throw new IllegalStateException("the proxy process did not start: " + line);
        }
        return new Started(p, Integer.parseInt(line.substring(5)));
    }

    record Started(Process process, int port) implements AutoCloseable {
        /** Resident memory of the process now, from /proc. */
        long rssBytes() throws java.io.IOException {
            for (String l : java.nio.file.Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status")))
                if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
            throw new IllegalStateException("no VmRSS for " + process.pid());
        }

        @Override public void close() throws Exception {
            process.getOutputStream().close();
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        }
    }
}
