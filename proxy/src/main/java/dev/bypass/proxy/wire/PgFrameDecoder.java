package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits a byte stream into {@link PgFrame}s, whatever way the input is cut. Two explicit states: {@link
 * State#STARTUP} reads untyped frames (length, then body: StartupMessage, SSLRequest, GSSENCRequest,
 * CancelRequest) until the session switches it to {@link State#REGULAR}, where each frame is a type byte, a length
 * that counts itself, and a body. Lengths below the minimum or above {@code maxFrame} are protocol errors.
 */
public final class PgFrameDecoder extends ByteToMessageDecoder {
    public enum State { STARTUP, REGULAR }

    public static final int DEFAULT_MAX_FRAME = 64 << 20;
    private static final int MAX_STARTUP_FRAME = 10_000;

    private State state;
    private final int maxFrame;

    public PgFrameDecoder(State initial) { this(initial, DEFAULT_MAX_FRAME); }

    public PgFrameDecoder(State initial, int maxFrame) {
        this.state = initial;
        this.maxFrame = maxFrame;
    }

    /** After the start-up phase (the session decides when), frames carry a type byte. */
    public void switchToRegular() { state = State.REGULAR; }

    public State state() { return state; }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (true) {
            int start = in.readerIndex();
            if (state == State.STARTUP) {
                if (in.readableBytes() < 4) return;
                int length = in.getInt(start);
                if (length < 8 || length > MAX_STARTUP_FRAME)
                    throw new ProtocolException("invalid start-up packet length " + length);
                if (in.readableBytes() < length) return;
                out.add(new PgFrame((byte) 0, in.retainedSlice(start, length), 4));
                in.skipBytes(length);
                // Only SSLRequest/GSSENCRequest keep the connection in the start-up phase; the session decides.
                return;
            }
            if (in.readableBytes() < 5) return;
            byte type = in.getByte(start);
            int length = in.getInt(start + 1);
            if (length < 4 || length > maxFrame)
                throw new ProtocolException("invalid length " + length + " for message type '" + printable(type) + "'");
            if (in.readableBytes() < length + 1) return;
            out.add(new PgFrame(type, in.retainedSlice(start, length + 1), 5));
            in.skipBytes(length + 1);
        }
    }

    static String printable(byte type) {
        return type >= 32 && type < 127 ? Character.toString((char) type) : String.format("0x%02x", type & 0xff);
    }
}
