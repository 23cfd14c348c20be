package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;

/**
 * A piece of a message too large to gather: after its head (a {@link PgFrame} with {@link PgFrame#streamed()}), the
 * rest of the message arrives in pieces as the bytes come, {@code last} on the final one. The proxy passes them on as
 * they come, so a message of any size holds only what is in flight.
 */
public final class PgChunk extends AbstractReferenceCounted {
    private final ByteBuf data;
    private final boolean last;

    public PgChunk(ByteBuf data, boolean last) {
        this.data = data;
        this.last = last;
    }

    public ByteBuf data() { return data; }

    public boolean last() { return last; }

    @Override public PgChunk retain() {
        super.retain();
        return this;
    }

    @Override protected void deallocate() { data.release(); }

    @Override public ReferenceCounted touch(Object hint) {
        data.touch(hint);
        return this;
    }

    @Override public String toString() { return "PgChunk[" + data.readableBytes() + " bytes" + (last ? ", last]" : "]"); }
}
