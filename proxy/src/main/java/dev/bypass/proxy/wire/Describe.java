package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Describe ('D') of a prepared statement ({@code kind} 'S') or a portal ('P'). */
public record Describe(char kind, String name) {
    public static final byte TYPE = MessageType.Frontend.DESCRIBE;
    public static final char STATEMENT = NamedTarget.STATEMENT, PORTAL = NamedTarget.PORTAL;

    public static Describe decode(ByteBuf body) { return NamedTarget.decode(body, "Describe", Describe::new); }

    public boolean ofStatement() { return kind == STATEMENT; }

    public ByteBuf encode(ByteBufAllocator alloc) { return NamedTarget.encode(alloc, TYPE, kind, name); }
}
