package dev.bypass.observability.agent;

import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Java agent: {@code -javaagent:bypass-agent.jar=config=agent.conf} at startup, or loaded into a running JVM
 * through the Attach API ({@code bypass attach PID --config agent.conf}); {@code detach} as the agent argument
 * removes a running attachment. See {@link AgentConfig} for the configuration.
 */
public final class BypassAgent {
    private BypassAgent() {}

    private static AgentSession current;
    private static volatile String lastError;

    /** Called by the JVM for {@code -javaagent}: a bad configuration stops the application with a clear message. */
    public static void premain(String args, Instrumentation inst) {
        try {
            start(args, inst);
        } catch (Exception e) {
            System.err.println("bypass agent: " + message(e));
            System.err.flush();
            Runtime.getRuntime().halt(2);
        }
    }

    /**
     * Called by the JVM when the agent is loaded into a running JVM. Arguments: {@code config=FILE} or
     * {@code detach}, optionally followed by {@code ,status=FILE}: the agent writes {@code ok} (then the session's
     * summary, a line each) or the error there, which is how the attaching process learns the outcome (a failing
     * agentmain only makes the JVM print an assertion message).
     */
    public static void agentmain(String args, Instrumentation inst) {
        String status = null;
        String a = args == null ? "" : args.trim();
        int comma = a.lastIndexOf(",status=");
        if (comma >= 0) {
            status = a.substring(comma + ",status=".length());
            a = a.substring(0, comma);
        }
        String outcome = "ok";
        try {
            if (a.equals("detach")) outcome = detach() ? "ok" : "not attached";
            else outcome = "ok\n" + String.join("\n", start(a, inst).summary());
        } catch (Exception | LinkageError e) {
            lastError = message(e);
            outcome = lastError;
            AgentSession.log(System.Logger.Level.WARNING, lastError);
        }
        if (status != null) {
            try {
                Files.writeString(Path.of(status), outcome);
            } catch (IOException e) {
                AgentSession.log(System.Logger.Level.WARNING, "cannot write status file " + status + ": " + e.getMessage());
            }
        }
    }

    private static String message(Throwable e) {
        return e instanceof AgentConfig.ConfigException || e instanceof IOException || e.getMessage() != null ? e.getMessage() : e.toString();
    }

    private static synchronized AgentSession start(String args, Instrumentation inst) throws IOException {
        if (current != null) throw new IllegalStateException("the agent is already attached to this JVM (detach it first)");
        lastError = null;
        Path file = configPath(args);
        AgentConfig config = AgentConfig.read(file);
        AgentSession s = new AgentSession(config, inst);
        current = s;
        // where the endpoints and the admin token are: what an operator of this application needs to know
        for (String line : s.summary()) if (line.startsWith("metrics:") || line.startsWith("admin:")) System.err.println("bypass agent: " + line);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            synchronized (BypassAgent.class) {
                if (current == s) {
                    current = null;
                    s.close();
                }
            }
        }));
        return s;
    }

    static Path configPath(String args) {
        if (args == null || args.isBlank()) throw new AgentConfig.ConfigException("no configuration: use -javaagent:bypass-agent.jar=config=FILE");
        String a = args.trim();
        if (a.startsWith("config=")) a = a.substring("config=".length());
        Path p = Path.of(a);
        if (!Files.isRegularFile(p)) throw new AgentConfig.ConfigException("configuration file " + p + " does not exist");
        return p;
    }

    /** The running attachment in this JVM, or null. */
    public static synchronized AgentSession current() { return current; }

    /** The message of the last failed dynamic attach in this JVM, or null. */
    public static String lastError() { return lastError; }

    /** Removes the running attachment: original method code back, programs and maps released. */
    public static synchronized boolean detach() {
        AgentSession s = current;
        if (s == null) return false;
        current = null;
        s.close();
        return true;
    }

    /**
     * Loads the agent into this JVM through the Attach API (needs {@code -Djdk.attach.allowAttachSelf=true}); the
     * agent classes come from the class path, so no agent jar is needed. Returns the session.
     */
    public static AgentSession attachSelf(Path config) throws IOException {
        Path jar = Files.createTempFile("bypass-agent", ".jar");
        try {
            var mf = new java.util.jar.Manifest();
            mf.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
            mf.getMainAttributes().putValue("Agent-Class", BypassAgent.class.getName());
            mf.getMainAttributes().putValue("Can-Retransform-Classes", "true");
            mf.getMainAttributes().putValue("Can-Redefine-Classes", "true");
            try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar), mf)) {
                // a manifest is all it takes: Agent-Class resolves through the system class loader
            }
            Attacher.load(ProcessHandle.current().pid(), jar, "config=" + config.toAbsolutePath());
        } finally {
            Files.deleteIfExists(jar);
        }
        return current();
    }
}
