package dev.bypass.cli;

import dev.bypass.cli.log.LogLevel;
import dev.bypass.vm.BpfException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code bypass} command. Subcommands live in their own classes; a module that adds one registers it in the
 * {@code subcommands} list below. User errors print one line on stderr and exit non-zero, never a stack trace.
 * Every command and subcommand inherits {@code --help}, {@code --version} and {@code --log-level}. Arguments are
 * taken as they are: {@code @file} is not expanded into arguments, so {@code --mem @file} names the program's memory.
 */
@Command(name = "bypass", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, versionProvider = Main.Version.class,
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
public final class Main extends CommandGroup {
    @Option(names = "--log-level", paramLabel = "LEVEL", scope = ScopeType.INHERIT, defaultValue = "${env:" + LogLevel.ENVIRONMENT + ":-info}",
            description = "events on standard error at this level and above: " + LogLevel.NAMES
                    + " (default: $" + LogLevel.ENVIRONMENT + ", else info)")
    void logLevel(String level) {
        try {
            LogLevel.set(level);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    public static void main(String[] args) {
        // Netty samples buffer allocations for leak reports by default, recording a stack trace each time: a
        // debugging aid that costs servers (proxy, store) a few percent of their CPU and allocation. Tests keep it;
        // -Dio.netty.leakDetection.level=simple turns it back on.
        if (System.getProperty("io.netty.leakDetection.level") == null) System.setProperty("io.netty.leakDetection.level", "disabled");
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main()).setExpandAtFiles(false);
        // A usage error: the message, the synopsis and where the rest is, not the whole usage text.
        cl.setParameterExceptionHandler((ex, given) -> {
            CommandLine cmd = ex.getCommandLine();
            var err = cmd.getErr();
            err.println("error: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.print(cmd.getHelp().fullSynopsis());
            err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
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
