package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Backend Authentication* ('R'): the request code and its data (MD5 salt, SASL mechanisms or data). */
public record Authentication(int code, byte[] data) {
    public static final byte TYPE = MessageType.Backend.AUTHENTICATION;
    public static final int OK = 0, CLEARTEXT = 3, MD5 = 5, SASL = 10, SASL_CONTINUE = 11, SASL_FINAL = 12;

    public static Authentication decode(ByteBuf body) {
        Messages.need(body, 4, "Authentication");
        ByteBuf b = body.duplicate();
        int code = b.readInt();
        byte[] data = new byte[b.readableBytes()];
        b.readBytes(data);
        return new Authentication(code, data);
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf b = Messages.begin(alloc, (char) TYPE);
        b.writeInt(code).writeBytes(data);
        return Messages.finish(b);
    }

    public static Authentication ok() { return new Authentication(OK, new byte[0]); }
}
