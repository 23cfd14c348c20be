package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Simple-protocol Query ('Q'). */
public record Query(String sql) {
    public static final byte TYPE = MessageType.Frontend.QUERY;

    public static Query decode(ByteBuf body) { return new Query(Messages.readCString(body.duplicate())); }

    public ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf b = Messages.begin(alloc, (char) TYPE);
        Messages.writeCString(b, sql);
        return Messages.finish(b);
    }
}
