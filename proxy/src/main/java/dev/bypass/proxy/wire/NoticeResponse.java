package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.LinkedHashMap;
import java.util.Map;

/** NoticeResponse ('N'): a warning or notice, with ErrorResponse's field layout. */
public record NoticeResponse(Map<Character, String> fields) {
    public static final byte TYPE = 'N';

    public static NoticeResponse of(String severity, String sqlState, String message) {
        Map<Character, String> f = new LinkedHashMap<>();
        f.put('S', severity);
        f.put('V', severity);
        f.put('C', sqlState);
        f.put('M', message);
        return new NoticeResponse(f);
    }

    public ByteBuf encode(ByteBufAllocator alloc) { return Messages.fields(alloc, 'N', fields); }
}
