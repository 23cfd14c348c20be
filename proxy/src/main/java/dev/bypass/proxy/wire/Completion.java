package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** The body-less acknowledgements of the extended protocol: ParseComplete ('1'), BindComplete ('2'), CloseComplete ('3'). */
public enum Completion {
    PARSE('1'), BIND('2'), CLOSE('3');

    private final byte type;

    Completion(char type) { this.type = (byte) type; }

    public byte type() { return type; }

    public ByteBuf encode(ByteBufAllocator alloc) { return Messages.finish(Messages.begin(alloc, (char) type)); }
}
