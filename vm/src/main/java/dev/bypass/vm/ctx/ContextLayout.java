package dev.bypass.vm.ctx;

import java.util.List;

/**
 * What r1 (and r2) hold when a program starts, as its type declares it.
 * <ul>
 * <li>{@link Shape#STRUCT}: r1 points to a context structure of {@code size} bytes; the verifier allows only
 * accesses that fall on a declared field (see {@link ContextField}).</li>
 * <li>{@link Shape#RAW}: r1 points to whatever bytes the caller passes, up to {@code size}, readable and writable
 * at any constant offset below {@code size}; r2 holds their length.</li>
 * <li>{@link Shape#BUFFER}: r1 points to a buffer and r2 holds its length, between {@code minSize} and
 * {@code size}; the verifier allows an access only where a comparison with the length (or the known minimum) proves
 * it inside the buffer. Assembly programs and {@code SEC("mem")} objects run this way.</li>
 * </ul>
 */
public record ContextLayout(String name, int size, List<ContextField> fields, Shape shape, int minSize) {
    public enum Shape { STRUCT, RAW, BUFFER }

    /** Largest buffer a buffer program may be given (the largest Java array). */
    public static final int BUFFER_MAX = Integer.MAX_VALUE - 8;

    public ContextLayout {
        fields = List.copyOf(fields);
        if (size < 0 || minSize < 0 || minSize > size) throw new IllegalArgumentException("context " + name + ": sizes " + minSize + ".." + size);
        for (ContextField f : fields)
            if (f.offset() + f.size() > size) throw new IllegalArgumentException("context " + name + ": field " + f.name() + " ends past " + size);
    }

    public static ContextLayout of(String name, int size, ContextField... fields) {
        return new ContextLayout(name, size, List.of(fields), Shape.STRUCT, size);
    }

    /** Any byte of {@code size} may be read or written with any width. */
    public static ContextLayout raw(int size) { return new ContextLayout("raw", size, List.of(), Shape.RAW, size); }

    /** A buffer of any length up to {@link #BUFFER_MAX}, its length in r2. */
    public static ContextLayout buffer() { return new ContextLayout("buffer", BUFFER_MAX, List.of(), Shape.BUFFER, 0); }

    /** A buffer of exactly {@code length} bytes (known when the program is verified for one input). */
    public static ContextLayout buffer(int length) { return new ContextLayout("buffer", length, List.of(), Shape.BUFFER, length); }

    /** True for raw contexts and buffers: no declared fields, and r2 holds the length of what r1 points to. */
    public boolean unstructured() { return shape != Shape.STRUCT; }

    /**
     * Whether programs may store into the packet its {@code data} .. {@code data_end} fields reach: only when the
     * {@link ContextField.Kind#PACKET_START} field is marked writable (programs can never write a pointer field
     * itself, so for that kind the flag speaks of the bytes it points to). Buffer programs' buffers are writable.
     */
    public boolean packetWritable() {
        for (ContextField f : fields) if (f.kind() == ContextField.Kind.PACKET_START) return f.writable();
        return true;
    }

    /** The field containing byte {@code offset}, or null. */
    public ContextField fieldAt(int offset) {
        for (ContextField f : fields) if (offset >= f.offset() && offset < f.offset() + f.size()) return f;
        return null;
    }
}
