package dev.bypass.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The command line itself: help everywhere, usage errors, arguments taken as given, ports in use. */
// a command that starts serving instead of failing would otherwise wait forever
@Timeout(value = 180, unit = java.util.concurrent.TimeUnit.SECONDS)
class CommandLineTest {
    @TempDir Path dir;

    /** Every command and subcommand below {@code bypass}, depth first (picocli's own help command aside). */
    static List<CommandLine> commands() {
        List<CommandLine> all = new ArrayList<>();
        collect(new CommandLine(new Main()), all);
        return all;
    }

    private static void collect(CommandLine c, List<CommandLine> all) {
        all.add(c);
        for (CommandLine sub : c.getSubcommands().values())
            if (!(sub.getCommand() instanceof CommandLine.HelpCommand) && !all.contains(sub)) collect(sub, all);
    }

    static String[] argsFor(CommandLine c, String... extra) {
        List<String> args = new ArrayList<>(List.of(c.getCommandSpec().qualifiedName().split(" ")));
        args.removeFirst();
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @TestFactory
    Stream<DynamicTest> everyCommandAndSubcommandAnswersHelp() {
        return commands().stream().map(c -> DynamicTest.dynamicTest(c.getCommandSpec().qualifiedName() + " --help", () -> {
            CliTest.Result r = CliTest.run("", argsFor(c, "--help"));
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().startsWith("Usage: " + c.getCommandSpec().qualifiedName() + " "), r.out());
            assertTrue(r.out().contains("--log-level=LEVEL"), "the global options are everywhere: " + r.out());
            assertEquals("", r.err());
        }));
    }

    @Test
    void descriptionsAreWholeSentencesAndTheCommandListShowsTheFirstWhole() {
        for (CommandLine c : commands()) {
            String[] description = c.getCommandSpec().usageMessage().description();
            assertTrue(description.length > 0, c.getCommandSpec().qualifiedName());
            for (String line : description)
                assertTrue(line.endsWith("."), c.getCommandSpec().qualifiedName() + ": a description line that is not a whole sentence: " + line);
            if (c.getSubcommands().isEmpty()) continue;
            String list = c.getUsageMessage().replaceAll("\\s+", " ");
            for (CommandLine sub : c.getSubcommands().values()) {
                if (sub.getCommandSpec().usageMessage().hidden() || sub.getCommand() instanceof CommandLine.HelpCommand) continue;
                String first = sub.getCommandSpec().usageMessage().description()[0].replaceAll("\\s+", " ");
                assertTrue(list.contains(sub.getCommandName() + " " + first), "the command list of " + c.getCommandSpec().qualifiedName()
                        + " shows " + sub.getCommandName() + " as its first sentence: " + list);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "store", "prog", "map", "gen"})
    void aCommandGivenNothingToDoPrintsItsUsageAndExits2(String group) {
        CliTest.Result r = group.isEmpty() ? CliTest.run("") : CliTest.run("", group);
        assertEquals(2, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("Usage: bypass" + (group.isEmpty() ? "" : " " + group) + " "), r.err());
        assertTrue(r.err().contains("\nCommands:\n"), r.err());
    }

    @Test
    void aUsageErrorIsTheMessageTheSynopsisAndWhereHelpIs() {
        CliTest.Result r = CliTest.run("", "run", "p.s", "--frobnicate");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: Unknown option: '--frobnicate'\nUsage: bypass run "), r.err());
        assertTrue(r.err().endsWith("Try 'bypass run --help' for more information.\n"), r.err());
        assertFalse(r.err().contains("--budget=<budget>   "), "the option list is left to --help: " + r.err());
    }

    @Test
    void atFileIsTheProgramsMemoryInEitherSpellingNotAnArgumentFile() throws Exception {
        Path prog = Files.writeString(dir.resolve("p.s"), "ldxdw %r0, [%r1+0]\nadd %r0, %r2\nexit\n");
        // what an argument file parser would split, unquote or choke on: blanks, a newline, a quote, a NUL, an @
        byte[] memory = {'\n', ' ', '"', 0, '@', 'x', (byte) 0xff, '\t', 7};
        Path mem = Files.write(dir.resolve("mem.bin"), memory);
        String expected = "0x" + Long.toHexString(java.nio.ByteBuffer.wrap(memory, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong() + memory.length);
        for (String[] args : new String[][] {{"run", prog.toString(), "--mem", "@" + mem}, {"run", prog.toString(), "--mem=@" + mem}}) {
            CliTest.Result r = CliTest.run("", args);
            assertEquals(0, r.code(), String.join(" ", args) + ": " + r.err());
            assertEquals(expected + "\n", r.out(), String.join(" ", args));
        }
    }

    @Test
    void aPortInUseNamesThePortAndTheOptionThatChangesIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String p = String.valueOf(taken.getLocalPort());
            assertInUse(p, "--port", "store", "serve", "--in-memory", "--port", p);
            assertInUse(p, "--port", "observe", "--port", p, "--state", dir.resolve("state").toString());
            assertInUse(p, "--port", "demo", "--port", p, "--metrics-port", "0");
            assertInUse(p, "--metrics-port", "demo", "--metrics-port", p, "--port", "0");
            assertInUse(p, "--metrics-port", "demo", "telemetry", "--metrics-port", p);
            Path ini = Files.writeString(dir.resolve("proxy.ini"), "[databases]\n* = host=127.0.0.1 port=5432 user=postgres\n[bypass]\nauth_type = any\nlisten_addr = 127.0.0.1\nlisten_port = " + p + "\n");
            assertInUse(p, "listen_port in " + ini, "proxy", "--config", ini.toString());
            Files.writeString(ini, "[databases]\n* = host=127.0.0.1 port=5432 user=postgres\n[bypass]\nauth_type = any\nlisten_addr = 127.0.0.1\nlisten_port = 0\n");
            assertInUse(p, "--metrics-port", "proxy", "--config", ini.toString(), "--metrics-port", p);
        }
    }

    private static void assertInUse(String port, String option, String... args) {
        CliTest.Result r = CliTest.run("", args);
        assertEquals(1, r.code(), String.join(" ", args) + ": " + r.out() + r.err());
        assertTrue(r.err().startsWith("error: port " + port + " on 127.0.0.1 is already in use; choose another with " + option), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void telemetryRecordsGoToTheTemporaryDirectoryUnlessToldOtherwise() {
        Path out = DemoCommand.Telemetry.defaultOut("csv");
        assertEquals(Path.of(System.getProperty("java.io.tmpdir")), out.getParent());
        assertTrue(out.getFileName().toString().matches("bypass-telemetry-\\d{8}-\\d{6}\\.csv"), out.toString());
        CliTest.Result help = CliTest.run("", "demo", "telemetry", "--help");
        assertTrue(help.out().replaceAll("\\s+", " ").contains("in the temporary directory, " + System.getProperty("java.io.tmpdir")), help.out());
    }
}
