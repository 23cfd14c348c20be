package dev.bypass.cli;

import dev.bypass.observability.agent.AdminClient;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options of the commands that talk to an agent's administration endpoint in a running JVM. */
final class AgentOptions {
    @Option(names = "--agent", paramLabel = "HOST:PORT", description = "the agent's admin endpoint (its configuration's admin line)")
    String agent;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "the endpoint's bearer token (default: the file the agent wrote for that port, admin-PORT.token in"
                    + " $XDG_RUNTIME_DIR/bypass or /tmp/bypass-USER; printed at attach)")
    Path tokenFile;

    AdminClient client() {
        try {
            return new AdminClient(agent, tokenFile);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), 2);
        } catch (java.io.IOException e) {
            throw new CliException(e.getMessage(), 2);
        }
    }
}
