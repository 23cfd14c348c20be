package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;

/**
 * One protocol message exactly as it arrived: its type byte (0 for the untyped start-up phase messages) and the
 * whole frame (type, length and body) as a retained slice of the input. The proxy forwards frames without decoding
 * them; it decodes a message into its own class only where it needs to look inside.
 */
public final class PgFrame extends AbstractReferenceCounted {
    private final byte type;
    private final ByteBuf frame;
    private final int headerLength;
    /** What the session learnt about this message on its way in (see {@link #mark}). */
    private int marks;

    public PgFrame(byte type, ByteBuf frame, int headerLength) {
        this.type = type;
        this.frame = frame;
        this.headerLength = headerLength;
    }

    public byte type() { return type; }

    /** A query that drops every prepared statement (DISCARD ALL, DEALLOCATE ALL), known once it was classified. */
    public static final int DROPS_PREPARED = 1;

    /** Records a fact about this message for when it is forwarded (it may wait in a queue meanwhile). */
    public void mark(int mark) { marks |= mark; }

    public boolean marked(int mark) { return (marks & mark) != 0; }

    /** The full frame, ready to be written to the other side (write a {@link ByteBuf#retainedDuplicate()}). */
    public ByteBuf frame() { return frame; }

    /** The body after type and length, as a slice sharing the frame's memory. */
    public ByteBuf body() { return frame.slice(frame.readerIndex() + headerLength, frame.readableBytes() - headerLength); }

    @Override public PgFrame retain() {
        super.retain();
        return this;
    }

    @Override protected void deallocate() { frame.release(); }

    @Override public ReferenceCounted touch(Object hint) {
        frame.touch(hint);
        return this;
    }

    @Override public String toString() {
        return "PgFrame[" + (type == 0 ? "startup" : Character.toString((char) type)) + ", " + frame.readableBytes() + " bytes]";
    }
}
