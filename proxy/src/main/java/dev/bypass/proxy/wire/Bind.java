package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Extended-protocol Bind ('B'). Only the portal and statement names are decoded: parameter formats, values and
 * result formats stay bytes ({@code rest}), copied unchanged when the statement is renamed.
 */
public record Bind(String portal, String statement, ByteBuf rest) {
    public static final byte TYPE = MessageType.Frontend.BIND;

    /** Decodes the names; {@code rest} is a slice of {@code body}, valid while the frame is. */
    public static Bind decode(ByteBuf body) {
        ByteBuf b = body.duplicate();
        String portal = Messages.readCString(b);
        String statement = Messages.readCString(b);
        return new Bind(portal, statement, b.slice());
    }

    /** The same Bind for a statement of another name. */
    public ByteBuf encodeFor(ByteBufAllocator alloc, String serverStatement) {
        ByteBuf b = Messages.begin(alloc, (char) TYPE);
        Messages.writeCString(b, portal);
        Messages.writeCString(b, serverStatement);
        b.writeBytes(rest, rest.readerIndex(), rest.readableBytes());
        return Messages.finish(b);
    }
}
