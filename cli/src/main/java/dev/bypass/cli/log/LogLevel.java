package dev.bypass.cli.log;

import java.util.Locale;
import org.slf4j.event.Level;

/**
 * The one threshold of the command's log, process-wide and changeable at any time (loggers created before the
 * command line is parsed follow it too). Set by {@code --log-level}, whose default comes from
 * {@value #ENVIRONMENT}; {@code info} otherwise. Debug and trace apply to Bypass's own loggers: the libraries'
 * (Netty, the JDK) stay at info and above, so that debugging Bypass does not bury its events under theirs.
 */
public final class LogLevel {
    public static final String ENVIRONMENT = "BYPASS_LOG_LEVEL";
    public static final String NAMES = "error, warn, info, debug, trace or off";
    private static final int OFF = Integer.MAX_VALUE;

    private static volatile int threshold = Level.INFO.toInt();

    private LogLevel() {}

    static boolean enabled(Level level, boolean own) {
        return level.toInt() >= (own ? threshold : Math.max(threshold, Level.INFO.toInt()));
    }

    /** Sets the threshold from a name ({@value #NAMES}, any case). */
    public static void set(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        threshold = switch (n) {
            case "off" -> OFF;
            default -> {
                try {
                    yield Level.valueOf(n.toUpperCase(Locale.ROOT)).toInt();
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("unknown log level '" + name + "' (from --log-level or $" + ENVIRONMENT
                            + "; expected " + NAMES + ")");
                }
            }
        };
    }

    /** The threshold's name. */
    public static String get() {
        int t = threshold;
        if (t == OFF) return "off";
        return Level.intToLevel(t).name().toLowerCase(Locale.ROOT);
    }
}
