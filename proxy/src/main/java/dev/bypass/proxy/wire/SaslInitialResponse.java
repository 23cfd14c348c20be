package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/** SASLInitialResponse ('p'): the chosen mechanism and the client's first message (length -1 when absent). */
public record SaslInitialResponse(String mechanism, byte[] data) {
    public static final byte TYPE = MessageType.Frontend.PASSWORD;

    public static SaslInitialResponse decode(ByteBuf body) {
        ByteBuf b = body.duplicate();
        String mechanism = Messages.readCString(b);
        Messages.need(b, 4, "SASLInitialResponse");
        int len = b.readInt();
        if (len < -1 || len > b.readableBytes())
            throw new ProtocolException("SASLInitialResponse: data length " + len + " but " + b.readableBytes() + " bytes follow");
        byte[] data = new byte[Math.max(len, 0)];
        b.readBytes(data);
        return new SaslInitialResponse(mechanism, data);
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf b = Messages.begin(alloc, (char) TYPE);
        Messages.writeCString(b, mechanism);
        b.writeInt(data.length).writeBytes(data);
        return Messages.finish(b);
    }

    public String text() { return new String(data, StandardCharsets.UTF_8); }
}
