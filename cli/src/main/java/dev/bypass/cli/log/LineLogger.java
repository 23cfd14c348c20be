package dev.bypass.cli.log;

import java.io.PrintStream;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * One line per event on standard error, in the manner of PgBouncer's log:
 * {@code 2026-12-07 05:10:00.123 UTC [4242] INFO ClientSession: demo/app@127.0.0.1:51234 login}. An exception adds
 * its one-line summary; its stack trace follows only at level debug or finer.
 */
final class LineLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS zzz");
    private static final long PID = ProcessHandle.current().pid();

    private final String shortName;
    /** Bypass's own logger, which debug and trace apply to (see {@link LogLevel}). */
    private final boolean own;

    LineLogger(String name) {
        this.name = name;
        this.shortName = name.substring(name.lastIndexOf('.') + 1);
        this.own = name.startsWith("dev.bypass.");
    }

    @Override public boolean isTraceEnabled() { return LogLevel.enabled(Level.TRACE, own); }

    @Override public boolean isDebugEnabled() { return LogLevel.enabled(Level.DEBUG, own); }

    @Override public boolean isInfoEnabled() { return LogLevel.enabled(Level.INFO, own); }

    @Override public boolean isWarnEnabled() { return LogLevel.enabled(Level.WARN, own); }

    @Override public boolean isErrorEnabled() { return LogLevel.enabled(Level.ERROR, own); }

    @Override protected String getFullyQualifiedCallerName() { return null; }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments, Throwable throwable) {
        StringBuilder line = new StringBuilder(128).append(TIME.format(ZonedDateTime.now())).append(" [").append(PID).append("] ")
                .append(level).append(' ').append(shortName).append(": ")
                .append(MessageFormatter.basicArrayFormat(pattern, arguments));
        if (throwable != null) line.append(": ").append(throwable);
        PrintStream err = System.err;
        err.println(line.toString().replace('\n', ' '));
        if (throwable != null && LogLevel.enabled(Level.DEBUG, true)) throwable.printStackTrace(err);
    }
}
