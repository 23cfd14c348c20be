package dev.bypass.vm.ctx;

/**
 * One field of a program type's context structure: where it is, how wide, whether programs may write it, and
 * what a load from it yields (a scalar, or a pointer such as the start or end of packet data).
 */
public record ContextField(String name, int offset, int size, boolean writable, Kind kind) {
    public enum Kind { SCALAR, PACKET_START, PACKET_END, PACKET_META }

    public ContextField {
        if (size != 1 && size != 2 && size != 4 && size != 8) throw new IllegalArgumentException("field " + name + ": size " + size);
        if (offset < 0) throw new IllegalArgumentException("field " + name + ": offset " + offset);
        if (kind != Kind.SCALAR && size != 8 && size != 4) throw new IllegalArgumentException("field " + name + ": pointer fields are 4 or 8 bytes");
    }

    public static ContextField readOnly(String name, int offset, int size) { return new ContextField(name, offset, size, false, Kind.SCALAR); }

    public static ContextField readWrite(String name, int offset, int size) { return new ContextField(name, offset, size, true, Kind.SCALAR); }
}
