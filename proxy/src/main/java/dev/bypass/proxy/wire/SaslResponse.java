package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/** SASLResponse ('p'): the client's next SASL message, the whole body. */
public record SaslResponse(byte[] data) {
    public static final byte TYPE = MessageType.Frontend.PASSWORD;

    public static SaslResponse decode(ByteBuf body) {
        byte[] data = new byte[body.readableBytes()];
        body.duplicate().readBytes(data);
        return new SaslResponse(data);
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf b = Messages.begin(alloc, (char) TYPE);
        b.writeBytes(data);
        return Messages.finish(b);
    }

    public String text() { return new String(data, StandardCharsets.UTF_8); }
}
