package dev.bypass.cli;

import dev.bypass.vm.BpfException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code bypass} command. Subcommands live in their own classes; a module that adds one registers it in the
 * {@code subcommands} list below. User errors print one line on stderr and exit non-zero, never a stack trace.
 */
@Command(name = "bypass", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Verified eBPF programs at hook points inside database software.",
        subcommands = {
                RunCommand.class,
                AsmCommand.class,
                DisasmCommand.class,
                BenchCommand.class,
                ConformancePluginCommand.class,
                ProgCommand.class,
                MapCommand.class,
                GenCommand.class,
                DemoCommand.class,
                VerifyCommand.class,
                StoreCommand.class,
                ProxyCommand.class,
                ObserveCommand.class,
                AttachCommand.class,
                AclCommand.class,
                CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    public static void main(String[] args) {
        // Netty samples buffer allocations for leak reports by default, recording a stack trace each time: a
        // debugging aid that costs servers (proxy, store) a few percent of their CPU and allocation. Tests keep it;
        // -Dio.netty.leakDetection.level=simple turns it back on.
        if (System.getProperty("io.netty.leakDetection.level") == null) System.setProperty("io.netty.leakDetection.level", "disabled");
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            Throwable t = ex;
            if (t instanceof BpfException || t instanceof CliException || t instanceof java.io.IOException) {
                cmd.getErr().println("error: " + oneLine(t));
                return t instanceof CliException c ? c.exitCode() : 1;
            }
            cmd.getErr().println("internal error: " + t);
            t.printStackTrace(cmd.getErr());
            return 70;
        });
        return cl.execute(args);
    }

    static String oneLine(Throwable t) {
        String m = t.getMessage();
        if (t instanceof java.nio.file.NoSuchFileException) m = "no such file: " + m;
        return m == null ? t.toString() : m.replace('\n', ' ');
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"bypass " + (v == null ? "development build" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
