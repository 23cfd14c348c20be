package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** BackendKeyData ('K'): the process id and secret a client needs to cancel its queries. */
public record BackendKeyData(int processId, int secretKey) {
    public static final byte TYPE = MessageType.Backend.BACKEND_KEY_DATA;

    public static BackendKeyData decode(ByteBuf body) {
        Messages.need(body, 8, "BackendKeyData");
        return new BackendKeyData(body.getInt(body.readerIndex()), body.getInt(body.readerIndex() + 4));
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf b = Messages.begin(alloc, (char) TYPE);
        b.writeInt(processId).writeInt(secretKey);
        return Messages.finish(b);
    }
}
