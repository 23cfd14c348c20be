package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/** PasswordMessage ('p'): a cleartext or MD5 password, NUL-terminated. */
public record PasswordMessage(String password) {
    public static final byte TYPE = MessageType.Frontend.PASSWORD;

    public static PasswordMessage decode(ByteBuf body) { return new PasswordMessage(Messages.readCString(body.duplicate())); }

    public ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf b = Messages.begin(alloc, (char) TYPE);
        b.writeBytes(password.getBytes(StandardCharsets.UTF_8)).writeByte(0);
        return Messages.finish(b);
    }
}
