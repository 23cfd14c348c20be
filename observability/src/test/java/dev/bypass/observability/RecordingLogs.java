package dev.bypass.observability;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Keeps every message the agent logs, so tests can check it. The agent logs through the JDK's {@code System.Logger},
 * whose default backend is {@code java.util.logging}: this handler sits on the agent's logger (what goes to the
 * console meanwhile is unchanged).
 */
public final class RecordingLogs {
    private RecordingLogs() {}

    /** One logged message. */
    public record Entry(String logger, Level level, String message) {}

    private static final List<Entry> ENTRIES = new CopyOnWriteArrayList<>();
    /** Held so that the configured logger is not collected with its handler. */
    private static final Logger AGENT = Logger.getLogger("dev.bypass.observability.agent");

    static {
        AGENT.addHandler(new Handler() {
            @Override public void publish(LogRecord r) { ENTRIES.add(new Entry(r.getLoggerName(), r.getLevel(), r.getMessage())); }

            @Override public void flush() {}

            @Override public void close() {}
        });
    }

    /** Starts recording (the class's initialisation does: call this before what logs). */
    public static void start() {}

    /** Messages logged so far by loggers whose name starts with {@code prefix} (under {@code dev.bypass.observability.agent}). */
    public static List<Entry> from(String prefix) {
        return ENTRIES.stream().filter(e -> e.logger().startsWith(prefix)).toList();
    }
}
