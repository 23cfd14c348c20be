package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Close ('C') of a prepared statement ({@code kind} 'S') or a portal ('P'). */
public record Close(char kind, String name) {
    public static final byte TYPE = MessageType.Frontend.CLOSE;
    public static final char STATEMENT = NamedTarget.STATEMENT, PORTAL = NamedTarget.PORTAL;

    public static Close decode(ByteBuf body) { return NamedTarget.decode(body, "Close", Close::new); }

    public boolean ofStatement() { return kind == STATEMENT; }

    public ByteBuf encode(ByteBufAllocator alloc) { return NamedTarget.encode(alloc, TYPE, kind, name); }
}
