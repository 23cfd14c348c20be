package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** ParameterStatus ('S' from the backend): a run-time parameter's current value. */
public record ParameterStatus(String name, String value) {
    public static final byte TYPE = MessageType.Backend.PARAMETER_STATUS;

    public static ParameterStatus decode(ByteBuf body) {
        ByteBuf b = body.duplicate();
        String name = Messages.readCString(b);
        return new ParameterStatus(name, Messages.readCString(b));
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf b = Messages.begin(alloc, (char) TYPE);
        Messages.writeCString(b, name);
        Messages.writeCString(b, value);
        return Messages.finish(b);
    }
}
