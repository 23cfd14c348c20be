package dev.bypass.observability.agent;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.nio.file.Path;

/** Loads an agent jar into a running JVM by process id (the Attach API), with errors that say what went wrong. */
public final class Attacher {
    private Attacher() {}

    /**
     * Loads the agent and returns once it reported success, with what it reported (where its endpoints and admin
     * token are, what attaching cost; a line each); throws with the agent's own message otherwise.
     */
    public static java.util.List<String> load(long pid, Path agentJar, String args) throws IOException {
        Path status = java.nio.file.Files.createTempFile("bypass-attach", ".status");
        try {
            loadRaw(pid, agentJar, args + ",status=" + status.toAbsolutePath());
            java.util.List<String> outcome = java.nio.file.Files.readAllLines(status);
            if (outcome.isEmpty() || outcome.get(0).isBlank()) throw new IOException("the agent in JVM " + pid + " did not report (see its standard error)");
            if (!outcome.get(0).equals("ok")) throw new IOException(String.join("\n", outcome));
            return outcome.subList(1, outcome.size());
        } finally {
            java.nio.file.Files.deleteIfExists(status);
        }
    }

    private static void loadRaw(long pid, Path agentJar, String args) throws IOException {
        VirtualMachine vm;
        try {
            vm = VirtualMachine.attach(Long.toString(pid));
        } catch (AttachNotSupportedException e) {
            throw new IOException("cannot attach to JVM " + pid + ": " + e.getMessage()
                    + (pid == ProcessHandle.current().pid() ? " (attaching to itself needs -Djdk.attach.allowAttachSelf=true)" : ""), e);
        }
        try {
            vm.loadAgent(agentJar.toAbsolutePath().toString(), args);
        } catch (AgentInitializationException e) {
            throw new IOException("the agent failed to start in JVM " + pid + " (its standard error says why): " + e.getMessage(), e);
        } catch (AgentLoadException e) {
            throw new IOException("JVM " + pid + " could not load " + agentJar + ": " + e.getMessage(), e);
        } finally {
            vm.detach();
        }
    }
}
