package dev.bypass.cli;

import dev.bypass.observability.agent.AgentConfig;
import dev.bypass.observability.agent.Attacher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.*;

@Command(name = "attach", description = {"Loads the Bypass agent into a running JVM with a configuration, or detaches it.",
        "Uses the Attach API; detaching gives the instrumented methods their original code back.",
        "The same jar works at startup: java -javaagent:bypass.jar=config=FILE ..."})
final class AttachCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PID", description = "process id of the JVM") long pid;

    @Option(names = "--config", paramLabel = "FILE", description = "agent configuration (see the README)") Path config;

    @Option(names = "--detach", description = "remove the agent from the JVM") boolean detach;

    @Spec Model.CommandSpec spec;

    @Override public Integer call() throws Exception {
        if (detach == (config != null)) throw new CliException("give either --config FILE or --detach", 2);
        if (config != null) {
            if (!Files.isRegularFile(config)) throw new CliException("no configuration file " + config, 2);
            AgentConfig.read(config); // report configuration errors here, not in the target's standard error
        }
        Path jar;
        try {
            jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (Exception e) {
            throw new CliException("cannot locate the bypass jar to load into the JVM: " + e.getMessage(), 2);
        }
        if (!Files.isRegularFile(jar)) throw new CliException("bypass is not running from its jar (" + jar + "); build it with ./mvnw package", 2);
        java.util.List<String> report;
        try {
            report = Attacher.load(pid, jar, detach ? "detach" : "config=" + config.toAbsolutePath());
        } catch (java.io.IOException e) {
            throw new CliException(e.getMessage(), 1);
        }
        var out = spec.commandLine().getOut();
        out.println(detach ? "detached from JVM " + pid : "attached to JVM " + pid + " with " + config);
        for (String line : report) out.println("  " + line); // endpoints, the admin token's file, what attaching cost
        return 0;
    }
}
