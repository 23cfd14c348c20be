package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.function.BiFunction;

/** The shared layout of Describe and Close: a kind byte ('S' statement or 'P' portal) and a name. */
final class NamedTarget {
    private NamedTarget() {}

    static final char STATEMENT = 'S', PORTAL = 'P';

    static <T> T decode(ByteBuf body, String message, BiFunction<Character, String, T> make) {
        ByteBuf b = body.duplicate();
        Messages.need(b, 1, message);
        char kind = (char) b.readByte();
        if (kind != STATEMENT && kind != PORTAL) throw new ProtocolException(message + " of unknown kind '" + kind + "' (expected 'S' or 'P')");
        return make.apply(kind, Messages.readCString(b));
    }

    static ByteBuf encode(ByteBufAllocator alloc, byte type, char kind, String name) {
        ByteBuf b = Messages.begin(alloc, (char) type);
        b.writeByte(kind);
        Messages.writeCString(b, name);
        return Messages.finish(b);
    }
}
