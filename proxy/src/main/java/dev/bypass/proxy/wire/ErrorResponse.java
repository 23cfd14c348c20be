package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.LinkedHashMap;
import java.util.Map;

/** ErrorResponse ('E'): fields by their one-letter codes (S severity, C SQLSTATE, M message, ...). */
public record ErrorResponse(Map<Character, String> fields) {
    public static final byte TYPE = MessageType.Backend.ERROR_RESPONSE;

    public static ErrorResponse of(String severity, String sqlState, String message) {
        return new ErrorResponse(Messages.fields(severity, sqlState, message));
    }

    public String message() { return fields.getOrDefault('M', ""); }

    public String sqlState() { return fields.getOrDefault('C', ""); }

    /** The severity that is never translated (V: ERROR, FATAL, PANIC, ...), or "" from servers before 9.6. */
    public String severityCode() { return fields.getOrDefault('V', ""); }

    public static ErrorResponse decode(ByteBuf body) {
        ByteBuf b = body.duplicate();
        Map<Character, String> f = new LinkedHashMap<>();
        while (b.isReadable()) {
            byte code = b.readByte();
            if (code == 0) break;
            f.put((char) code, Messages.readCString(b));
        }
        return new ErrorResponse(f);
    }

    public ByteBuf encode(ByteBufAllocator alloc) { return Messages.fields(alloc, (char) TYPE, fields); }
}
