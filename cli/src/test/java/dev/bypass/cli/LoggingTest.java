package dev.bypass.cli;

import static org.junit.jupiter.api.Assertions.*;

import dev.bypass.cli.log.LogLevel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The command's log: one line per event with time, process, level and logger, under --log-level. */
class LoggingTest {
    static final String LINE = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\S+ \\[" + ProcessHandle.current().pid() + "\\] ";

    @TempDir Path dir;

    @AfterEach
    void backToTheDefault() { LogLevel.set("info"); }

    /** What the given actions write on standard error. */
    static synchronized List<String> stderrOf(Runnable... actions) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            for (Runnable a : actions) a.run();
        } finally {
            System.setErr(old);
        }
        return err.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void eventsAreOneLineEachWithTimeProcessLevelAndLogger() {
        Logger log = LoggerFactory.getLogger("dev.bypass.cli.Example");
        List<String> lines = stderrOf(() -> log.info("client {} logged in to {}", "app@127.0.0.1:5000", "demo"),
                () -> log.debug("not shown at info"),
                () -> log.warn("server closed", new java.io.IOException("connection reset\nby peer")));
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).matches(LINE + "INFO Example: client app@127\\.0\\.0\\.1:5000 logged in to demo"), lines.get(0));
        assertTrue(lines.get(1).matches(LINE + "WARN Example: server closed: java\\.io\\.IOException: connection reset by peer"), lines.get(1));
    }

    @Test
    void theLevelComesFromTheFlagBeforeOrAfterTheCommand() throws Exception {
        Path prog = Files.writeString(dir.resolve("p.s"), "exit\n");
        assertEquals(0, CliTest.run("", "--log-level", "debug", "asm", prog.toString()).code());
        assertEquals("debug", LogLevel.get());
        assertEquals(0, CliTest.run("", "asm", prog.toString(), "--log-level=WARN").code());
        assertEquals("warn", LogLevel.get());
        Logger own = LoggerFactory.getLogger("dev.bypass.cli.Example"), netty = LoggerFactory.getLogger("io.netty.Example");
        assertEquals(List.of(), stderrOf(() -> own.info("hidden at warn")));
        LogLevel.set("debug");
        List<String> lines = stderrOf(() -> own.debug("shown"), () -> netty.debug("a library's debug stays hidden"),
                () -> own.error("with its trace", new IllegalStateException("x")));
        assertTrue(lines.get(0).endsWith("DEBUG Example: shown"), lines.toString());
        assertTrue(lines.get(1).endsWith("ERROR Example: with its trace: java.lang.IllegalStateException: x"), lines.toString());
        assertEquals("java.lang.IllegalStateException: x", lines.get(2), "at debug an exception's stack trace follows");
        assertTrue(lines.get(3).startsWith("\tat "), lines.toString());
        LogLevel.set("off");
        assertEquals(List.of(), stderrOf(() -> own.error("nothing at off")));
    }

    @Test
    void anUnknownLevelIsAUsageError() throws Exception {
        CliTest.Result r = CliTest.run("", "--log-level", "loud", "asm", dir.resolve("p.s").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: unknown log level 'loud' (from --log-level or $BYPASS_LOG_LEVEL; expected error, warn, info, "
                + "debug, trace or off)\n"), r.err());
    }

    @Test
    void theAgentsJdkLoggerEventsComeThroughTheSameBackend() {
        List<String> lines = stderrOf(() -> System.getLogger("dev.bypass.observability.agent").log(System.Logger.Level.WARNING, "cannot instrument {0}", "A"));
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).matches(LINE + "WARN agent: cannot instrument A"), lines.get(0));
    }
}
