package dev.bypass.vm.ctx;

import java.util.List;

/**
 * The layout of a program type's context (what r1 points to on entry): its size and declared fields. The verifier
 * allows only accesses that fall exactly on a declared field with its declared width (or a narrower load of a
 * scalar field), and writes only to writable fields. {@link #raw(int)} is an unstructured read-write buffer.
 */
public record ContextLayout(String name, int size, List<ContextField> fields, boolean unstructured) {
    public ContextLayout {
        fields = List.copyOf(fields);
        for (ContextField f : fields)
            if (f.offset() + f.size() > size) throw new IllegalArgumentException("context " + name + ": field " + f.name() + " ends past " + size);
    }

    public static ContextLayout of(String name, int size, ContextField... fields) { return new ContextLayout(name, size, List.of(fields), false); }

    /** Any byte of {@code size} may be read or written with any width. */
    public static ContextLayout raw(int size) { return new ContextLayout("raw", size, List.of(), true); }

    /** The field containing byte {@code offset}, or null. */
    public ContextField fieldAt(int offset) {
        for (ContextField f : fields) if (offset >= f.offset() && offset < f.offset() + f.size()) return f;
        return null;
    }
}
