package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Map;

/** NoticeResponse ('N'): a warning or notice, with ErrorResponse's field layout. */
public record NoticeResponse(Map<Character, String> fields) {
    public static final byte TYPE = MessageType.Backend.NOTICE_RESPONSE;

    public static NoticeResponse of(String severity, String sqlState, String message) {
        return new NoticeResponse(Messages.fields(severity, sqlState, message));
    }

    /** With a detail (field D). */
    public static NoticeResponse of(String severity, String sqlState, String message, String detail) {
        Map<Character, String> f = new java.util.LinkedHashMap<>(Messages.fields(severity, sqlState, message));
        f.put('D', detail);
        return new NoticeResponse(f);
    }

    public ByteBuf encode(ByteBufAllocator alloc) { return Messages.fields(alloc, (char) TYPE, fields); }
}
