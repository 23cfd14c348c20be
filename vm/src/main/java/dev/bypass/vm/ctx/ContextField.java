package dev.bypass.vm.ctx;

/**
 * One field of a program type's context structure: where it is, how wide, whether programs may write it, and
 * what a load from it yields. Scalar fields may be read whole or in naturally aligned narrower parts and written
 * only whole; a {@link Kind#PACKET_START} field's {@code writable} says whether the packet it reaches may be written
 * (the pointer itself never may); {@link Kind#BYTES} fields (scratch space such as Linux's {@code __sk_buff.cb}) may be read and
 * written with any naturally aligned access inside them; pointer fields are read whole.
 */
public record ContextField(String name, int offset, int size, boolean writable, Kind kind) {
    public enum Kind { SCALAR, BYTES, PACKET_START, PACKET_END, PACKET_META }

    public ContextField {
        if (kind != Kind.BYTES && size != 1 && size != 2 && size != 4 && size != 8) throw new IllegalArgumentException("field " + name + ": size " + size);
        if (size <= 0) throw new IllegalArgumentException("field " + name + ": size " + size);
        if (offset < 0) throw new IllegalArgumentException("field " + name + ": offset " + offset);
        if (kind != Kind.SCALAR && kind != Kind.BYTES && size != 8 && size != 4) throw new IllegalArgumentException("field " + name + ": pointer fields are 4 or 8 bytes");
    }

    public static ContextField readOnly(String name, int offset, int size) { return new ContextField(name, offset, size, false, Kind.SCALAR); }

    public static ContextField readWrite(String name, int offset, int size) { return new ContextField(name, offset, size, true, Kind.SCALAR); }

    /** Scratch bytes programs may read and write with any aligned access. */
    public static ContextField scratch(String name, int offset, int size) { return new ContextField(name, offset, size, true, Kind.BYTES); }
}
