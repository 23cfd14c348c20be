package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** ReadyForQuery ('Z'): the transaction status, 'I' idle, 'T' in a transaction, 'E' in a failed transaction. */
public record ReadyForQuery(char status) {
    public static final byte TYPE = MessageType.Backend.READY_FOR_QUERY;
    /** The transaction statuses. */
    public static final char IDLE = 'I', IN_TRANSACTION = 'T', FAILED = 'E';

    public static ReadyForQuery decode(ByteBuf body) {
        Messages.need(body, 1, "ReadyForQuery");
        return new ReadyForQuery((char) body.getByte(body.readerIndex()));
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf b = Messages.begin(alloc, (char) TYPE);
        b.writeByte(status);
        return Messages.finish(b);
    }
}
