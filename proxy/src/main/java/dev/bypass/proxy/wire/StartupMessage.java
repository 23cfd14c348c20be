package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.LinkedHashMap;
import java.util.Map;

/** Frontend StartupMessage: protocol 3.0 and parameters (user, database, options, ...). */
public record StartupMessage(int protocol, Map<String, String> parameters) {
    public static final int PROTOCOL_3_0 = 196608;

    public String user() { return parameters.getOrDefault("user", ""); }

    public String database() { return parameters.getOrDefault("database", user()); }

    /** Decodes the body that follows the length of an untyped start-up frame. */
    public static StartupMessage decode(ByteBuf body) {
        Messages.need(body, 4, "StartupMessage");
        int protocol = body.readInt();
        Map<String, String> params = new LinkedHashMap<>();
        while (body.isReadable()) {
            String key = Messages.readCString(body);
            if (key.isEmpty()) break;
            params.put(key, Messages.readCString(body));
        }
        return new StartupMessage(protocol, params);
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf b = alloc.buffer();
        b.writeInt(0);
        b.writeInt(protocol);
        parameters.forEach((k, v) -> {
            Messages.writeCString(b, k);
            Messages.writeCString(b, v);
        });
        b.writeByte(0);
        b.setInt(0, b.writerIndex());
        return b;
    }
}
