package dev.bypass.proxy.config;

import java.nio.file.Path;

/**
 * One key of the [programs] section: the hook, the object file (resolved against the configuration file's
 * directory; {@code @name.o} is an object bundled with the proxy) and the program's function name, or null for the object's one program of the hook's section.
 * {@code where} is the file and line that set it, for messages.
 */
public record ProgramSpec(String hook, Path object, String program, String where) {
    /** An object name starting with this is one bundled with the proxy ({@code @query_guard.o}), not a file. */
    public static final String BUNDLED = "@";

    public boolean bundled() { return object.toString().startsWith(BUNDLED); }

    /** Parses {@code FILE} or {@code FILE:PROGRAM}. */
    public static ProgramSpec parse(String hook, String value, Path dir, String where) {
        String v = value.strip();
        if (v.length() >= 2 && (v.startsWith("'") && v.endsWith("'") || v.startsWith("\"") && v.endsWith("\""))) v = v.substring(1, v.length() - 1);
        if (v.isEmpty()) throw new IllegalArgumentException("expected OBJECT.o or OBJECT.o:PROGRAM");
        String file = v, program = null;
        int colon = v.lastIndexOf(':');
        if (colon > 0 && colon < v.length() - 1 && v.substring(colon + 1).matches("[A-Za-z_][A-Za-z0-9_]*")) {
            file = v.substring(0, colon);
            program = v.substring(colon + 1);
        }
        Path p = dir == null || file.startsWith(BUNDLED) ? Path.of(file) : dir.resolve(file).normalize();
        return new ProgramSpec(hook, p, program, where);
    }

    /** As the configuration says it: {@code object.o} or {@code object.o:program}. */
    public String text() { return object + (program == null ? "" : ":" + program); }
}
