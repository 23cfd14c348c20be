package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;

/**
 * One protocol message exactly as it arrived: its type byte (0 for the untyped start-up phase messages) and the
 * whole frame (type, length and body) as a retained slice of the input. The proxy forwards frames without decoding
 * them; it decodes a message into its own class only where it needs to look inside.
 *
 * <p>A message too large to gather ({@link #streamed()}) arrives as this head, holding the header and the first
 * bytes of the body, followed by {@link PgChunk}s with the rest; {@link #length()} is the whole message's length.
 *
 * <p>On the server side, consecutive whole messages of a type no hook reads (DataRow, CopyData) arrive as one frame,
 * a <em>run</em> ({@link #messages()} &gt; 1): one slice of the read buffer, passed to the client as it is, so a
 * large result costs one object and one write per read rather than per row. {@link #body()} is the first message's.
 */
public final class PgFrame extends AbstractReferenceCounted {
    private final byte type;
    private final ByteBuf frame;
    private final int headerLength;
    private final long length;
    private final boolean streamed;
    /** How many whole messages of the same type this frame holds (more than one: a run). */
    private final int messages;
    /** Ends the message's reservation in the buffer budget (null: none was taken). */
    private final Runnable onRelease;
    /** What the session learnt about this message on its way in (see {@link #mark}). */
    private int marks;

    public PgFrame(byte type, ByteBuf frame, int headerLength) { this(type, frame, headerLength, frame.readableBytes(), false, null); }

    PgFrame(byte type, ByteBuf frame, int headerLength, long length, boolean streamed, Runnable onRelease) {
        this(type, frame, headerLength, length, streamed, onRelease, 1);
    }

    /** A run of {@code messages} whole messages of {@code type}, back to back in {@code frame}. */
    static PgFrame run(byte type, ByteBuf frame, int messages) { return new PgFrame(type, frame, 5, frame.readableBytes(), false, null, messages); }

    private PgFrame(byte type, ByteBuf frame, int headerLength, long length, boolean streamed, Runnable onRelease, int messages) {
        this.messages = messages;
        this.type = type;
        this.frame = frame;
        this.headerLength = headerLength;
        this.length = length;
        this.streamed = streamed;
        this.onRelease = onRelease;
    }

    public byte type() { return type; }

    /** A query that drops every prepared statement (DISCARD ALL, DEALLOCATE ALL), known once it was classified. */
    public static final int DROPS_PREPARED = 1;

    /** Records a fact about this message for when it is forwarded (it may wait in a queue meanwhile). */
    public void mark(int mark) { marks |= mark; }

    public boolean marked(int mark) { return (marks & mark) != 0; }

    /** The full frame, ready to be written to the other side (write a {@link ByteBuf#retainedDuplicate()}); for a streamed message its first part. */
    public ByteBuf frame() { return frame; }

    /** The body after type and length, as a slice sharing the frame's memory (its first part when streamed, the first message's in a run). */
    public ByteBuf body() {
        if (messages > 1) return frame.slice(frame.readerIndex() + headerLength, frame.getInt(frame.readerIndex() + 1) - 4);
        return frame.slice(frame.readerIndex() + headerLength, frame.readableBytes() - headerLength);
    }

    /** Whole messages in this frame: 1, or more for a run. */
    public int messages() { return messages; }

    /** The body of each message of this frame (one, or each of a run), as slices sharing its memory. */
    public void forEachBody(java.util.function.Consumer<ByteBuf> action) {
        if (messages == 1) {
            action.accept(body());
            return;
        }
        int at = frame.readerIndex(), end = frame.writerIndex();
        while (at < end) {
            int length = frame.getInt(at + 1);
            action.accept(frame.slice(at + 5, length - 4));
            at += 1 + length;
        }
    }

    /** Bytes of the whole message on the wire, header included. */
    public long length() { return length; }

    /** Whether the rest of the message follows as {@link PgChunk}s. */
    public boolean streamed() { return streamed; }

    @Override public PgFrame retain() {
        super.retain();
        return this;
    }

    @Override protected void deallocate() {
        frame.release();
        if (onRelease != null) onRelease.run();
    }

    @Override public ReferenceCounted touch(Object hint) {
        frame.touch(hint);
        return this;
    }

    @Override public String toString() {
        return "PgFrame[" + (type == 0 ? "startup" : Character.toString((char) type)) + ", " + length + " bytes" + (streamed ? ", streamed]" : messages > 1 ? ", " + messages + " messages]" : "]");
    }
}
