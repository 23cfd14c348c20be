package dev.bypass.proxy.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * One configuration key: its name, how its text is read, PgBouncer's default, whether RELOAD (and the admin
 * console's SET) may change it on a running proxy, and which values this proxy cannot honour (those are refused at
 * start with the reason, never ignored). {@link #note} says in one line what the key does here, for the README's key
 * table.
 */
public final class Setting<T> {
    private final String name;
    private final Parser<T> parser;
    private final String defaultText;
    private final boolean reloadable;
    private final Function<T, String> refusal;
    private final String note;
    /** The default, read once (configurations ask for it on every message). */
    private final T defaultValue;

    /** Reads a value's text; throws IllegalArgumentException with what was expected. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(String text);
    }

    private Setting(String name, Parser<T> parser, String defaultText, boolean reloadable, Function<T, String> refusal, String note) {
        this.name = name;
        this.parser = parser;
        this.defaultText = defaultText;
        this.reloadable = reloadable;
        this.refusal = refusal;
        this.note = note;
        this.defaultValue = defaultText == null ? null : parser.parse(defaultText);
    }

    static <T> Setting<T> of(String name, Parser<T> parser, String defaultText, String note) {
        return new Setting<>(name, parser, defaultText, true, v -> null, note);
    }

    /** The same key, fixed once the proxy runs (PgBouncer's "changeable = no"). */
    Setting<T> atStartOnly() { return new Setting<>(name, parser, defaultText, false, refusal, note); }

    /** The same key, refusing the values for which {@code refusal} gives a reason. */
    Setting<T> refusing(Function<T, String> reason) {
        Function<T, String> before = refusal;
        return new Setting<>(name, parser, defaultText, reloadable, v -> {
            String r = before.apply(v);
            return r != null ? r : reason.apply(v);
        }, note);
    }

    public String name() { return name; }

    /** PgBouncer's default as text; null when PgBouncer leaves it unset. */
    public String defaultText() { return defaultText; }

    public boolean reloadable() { return reloadable; }

    public String note() { return note; }

    /** The value of {@code text}; IllegalArgumentException naming what was expected or why it cannot be honoured. */
    public T parse(String text) {
        T v = parser.parse(text.strip());
        String why = refusal.apply(v);
        if (why != null) throw new IllegalArgumentException(why);
        return v;
    }

    /** The default value (null when there is none). */
    public T defaultValue() { return defaultValue; }

    @Override public String toString() { return name; }

    // ---- value readers, following PgBouncer's: integers as C's strtol with base 0, times as seconds ----

    /** An integer in decimal, 0x hexadecimal or leading-0 octal, between {@code min} and {@code max}. */
    static Parser<Integer> integer(long min, long max) {
        return text -> {
            long v;
            try {
                String t = text;
                boolean negative = t.startsWith("-");
                if (negative || t.startsWith("+")) t = t.substring(1);
                if (t.startsWith("0x") || t.startsWith("0X")) v = Long.parseLong(t.substring(2), 16);
                else if (t.length() > 1 && t.startsWith("0")) v = Long.parseLong(t.substring(1), 8);
                else v = Long.parseLong(t);
                if (negative) v = -v;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected an integer, got '" + text + "'");
            }
            if (v < min || v > max) throw new IllegalArgumentException("must be between " + min + " and " + max + ", is " + v);
            return (int) v;
        };
    }

    /** A count of bytes (or any non-negative long) between {@code min} and {@code max}. */
    static Parser<Long> bytes(long min, long max) {
        return text -> {
            long v;
            try {
                v = Long.decode(text.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected an integer, got '" + text + "'");
            }
            if (v < min || v > max) throw new IllegalArgumentException("must be between " + min + " and " + max + ", is " + v);
            return v;
        };
    }

    /** 0 or 1 (PgBouncer's switches are integers; any non-zero value turns them on). */
    static final Parser<Boolean> FLAG = text -> integer(Integer.MIN_VALUE, Integer.MAX_VALUE).parse(text) != 0;

    /** Seconds, with a fraction if wanted (5.0, 0.5), not negative. */
    static final Parser<Duration> SECONDS = text -> {
        double v;
        try {
            v = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a number of seconds, got '" + text + "'");
        }
        if (!(v >= 0) || v > 1e9) throw new IllegalArgumentException("expected a number of seconds, not negative, got '" + text + "'");
        return Duration.ofNanos(Math.round(v * 1e9));
    };

    static final Parser<String> TEXT = text -> text;

    /** A comma-separated list; spaces around the items do not count. */
    static final Parser<List<String>> LIST = text -> text.isBlank() ? List.of()
            : Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();

    /** One of {@code values}, any case. */
    static <E extends Enum<E>> Parser<E> oneOf(Class<E> type, Function<E, String> spelling) {
        return text -> {
            for (E e : type.getEnumConstants()) if (spelling.apply(e).equalsIgnoreCase(text)) return e;
            throw new IllegalArgumentException("expected one of " + String.join(", ",
                    Arrays.stream(type.getEnumConstants()).map(spelling).toList()) + ", got '" + text + "'");
        };
    }

    static String lower(Enum<?> e) { return e.name().toLowerCase(Locale.ROOT).replace('_', '-'); }
}
