package dev.bypass.cli;

import dev.bypass.observability.agent.AclClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.*;

@Command(name = "acl", description = {"Administers the File/ACL table of the acl_filter program in a running JVM, live.",
        "Goes through the agent's admin endpoint (the 'admin PORT' line of the agent configuration), with the bearer token the agent wrote at start.",
        "Rights are letters r, w, x (or - for none)."})
final class AclCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ACTION", description = "protect, grant, revoke, show or decisions") String action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "FILE", description = "the file (a path as the application sees it)") String file;

    @Mixin AgentOptions agent;

    @Option(names = "--object", defaultValue = "acl", description = "the acl_filter object's name in the agent configuration (default: ${DEFAULT-VALUE})")
    String object;

    @Option(names = "--user", description = "user id (grant, revoke)") Integer user;

    @Option(names = "--rights", description = "rights to grant, e.g. r or rw") String rights;

    @Option(names = "--owner", description = "owner's user id (protect)") Integer owner;

    @Option(names = "--default", defaultValue = "-", description = "rights of users without an entry (protect; default: none)") String defaults;

    @Spec Model.CommandSpec spec;

    @Override public Integer call() throws Exception {
        if (agent.agent == null) throw new CliException("give the agent's admin endpoint with --agent HOST:PORT", 2);
        AclClient c;
        try {
            c = new AclClient(agent.agent, agent.tokenFile, object);
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw new CliException(e.getMessage(), 2);
        }
        if (!action.equals("decisions") && file == null) throw new CliException(action + " needs a FILE", 2);
        String out;
        try {
            out = switch (action) {
                case "protect" -> c.protect(file, need(owner, "--owner"), defaults);
                case "grant" -> c.grant(file, need(user, "--user"), need(rights, "--rights"));
                case "revoke" -> c.revoke(file, need(user, "--user"));
                case "show" -> c.show(file);
                case "decisions" -> c.decisions();
                default -> throw new CliException("unknown action " + action + " (protect, grant, revoke, show, decisions)", 2);
            };
        } catch (java.io.IOException e) {
            throw new CliException(e.getMessage(), 1);
        }
        spec.commandLine().getOut().println(out);
        return 0;
    }

    private static <T> T need(T v, String option) {
        if (v == null) throw new CliException("this action needs " + option, 2);
        return v;
    }
}
