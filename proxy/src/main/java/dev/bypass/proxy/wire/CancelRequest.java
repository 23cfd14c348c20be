package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** CancelRequest: the process id and secret key a server (or this proxy) handed out in BackendKeyData. */
public record CancelRequest(int processId, int secretKey) {
    public static CancelRequest decode(ByteBuf body) {
        Messages.need(body, 12, "CancelRequest");
        body.skipBytes(4); // the code
        return new CancelRequest(body.readInt(), body.readInt());
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        return alloc.buffer(16).writeInt(16).writeInt(StartupCodes.CANCEL_REQUEST).writeInt(processId).writeInt(secretKey);
    }
}
