package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/** Reading and writing the field types of the protocol: C strings, and framed messages. */
public final class Messages {
    private Messages() {}

    public static String readCString(ByteBuf buf) {
        int end = buf.indexOf(buf.readerIndex(), buf.writerIndex(), (byte) 0);
        if (end < 0) throw new ProtocolException("string field is not NUL-terminated");
        String s = buf.toString(buf.readerIndex(), end - buf.readerIndex(), StandardCharsets.UTF_8);
        buf.readerIndex(end + 1);
        return s;
    }

    public static void writeCString(ByteBuf buf, String s) {
        buf.writeCharSequence(s, StandardCharsets.UTF_8);
        buf.writeByte(0);
    }

    /** Starts a typed message: writes the type and a length placeholder; finish with {@link #finish}. */
    public static ByteBuf begin(ByteBufAllocator alloc, char type) {
        ByteBuf b = alloc.buffer();
        b.writeByte(type);
        b.writeInt(0);
        return b;
    }

    public static ByteBuf finish(ByteBuf b) {
        b.setInt(1, b.writerIndex() - 1);
        return b;
    }

    static void need(ByteBuf body, int bytes, String what) {
        if (body.readableBytes() < bytes) throw new ProtocolException(what + " message is truncated");
    }

    /** The body of ErrorResponse and NoticeResponse: code byte and NUL-terminated text per field, then a NUL. */
    /** The fields of an ErrorResponse or NoticeResponse the proxy writes itself: severity (both forms), SQLSTATE, message. */
    static java.util.Map<Character, String> fields(String severity, String sqlState, String message) {
        java.util.Map<Character, String> f = new java.util.LinkedHashMap<>();
        f.put('S', severity);
        f.put('V', severity);
        f.put('C', sqlState);
        f.put('M', message);
        return f;
    }

    static ByteBuf fields(ByteBufAllocator alloc, char type, java.util.Map<Character, String> fields) {
        ByteBuf b = begin(alloc, type);
        fields.forEach((k, v) -> {
            b.writeByte(k);
            writeCString(b, v);
        });
        b.writeByte(0);
        return finish(b);
    }
}
