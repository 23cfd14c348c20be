package dev.bypass.observability;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * An SLF4J backend for tests that keeps every message (the surefire configuration selects it with
 * {@code -Dslf4j.provider}), so tests can check what the agent logs.
 */
public final class RecordingLogs implements SLF4JServiceProvider {
    /** One logged message, formatted. */
    public record Entry(String logger, Level level, String message) {}

    private static final List<Entry> ENTRIES = new CopyOnWriteArrayList<>();

    /** Messages logged so far by loggers whose name starts with {@code prefix}. */
    public static List<Entry> from(String prefix) {
        return ENTRIES.stream().filter(e -> e.logger().startsWith(prefix)).toList();
    }

    private static final class Recorder extends LegacyAbstractLogger {
        Recorder(String name) { this.name = name; }

        @Override public boolean isTraceEnabled() { return false; }

        @Override public boolean isTraceEnabled(Marker marker) { return false; }

        @Override public boolean isDebugEnabled() { return false; }

        @Override public boolean isDebugEnabled(Marker marker) { return false; }

        @Override public boolean isInfoEnabled() { return true; }

        @Override public boolean isInfoEnabled(Marker marker) { return true; }

        @Override public boolean isWarnEnabled() { return true; }

        @Override public boolean isWarnEnabled(Marker marker) { return true; }

        @Override public boolean isErrorEnabled() { return true; }

        @Override public boolean isErrorEnabled(Marker marker) { return true; }

        @Override protected String getFullyQualifiedCallerName() { return null; }

        @Override protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
            ENTRIES.add(new Entry(name, level, MessageFormatter.basicArrayFormat(pattern, args)));
        }
    }

    private final ILoggerFactory loggers = Recorder::new;
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    @Override public ILoggerFactory getLoggerFactory() { return loggers; }

    @Override public IMarkerFactory getMarkerFactory() { return markers; }

    @Override public MDCAdapter getMDCAdapter() { return mdc; }

    @Override public String getRequestedApiVersion() { return "2.0.99"; }

    @Override public void initialize() {}
}
