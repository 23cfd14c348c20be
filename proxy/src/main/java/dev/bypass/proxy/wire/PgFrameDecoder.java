package dev.bypass.proxy.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;

/**
 * Splits a byte stream into {@link PgFrame}s, whatever way the input is cut. Two protocol states: {@link
 * State#STARTUP} reads untyped frames (length, then body: StartupMessage, SSLRequest, GSSENCRequest, CancelRequest)
 * until the session switches it to {@link State#REGULAR}, where each frame is a type byte, a length that counts
 * itself, and a body. Within a state the decoder is reading a header, gathering a message whole, passing a large
 * message on in pieces, or skipping a refused one:
 *
 * <ul>
 *   <li>messages of the streamable types ({@link Limits#streams}) longer than {@link Limits#streamThreshold} are
 *   passed on as they arrive: a head {@link PgFrame} with the header and the first bytes of the body, then
 *   {@link PgChunk}s, so a message of any size holds only what is in flight;</li>
 *   <li>other messages are gathered whole. One that does not fit in what has arrived reserves its length in the
 *   shared {@link BufferBudget} first (small ones excepted: every connection may hold one); when the budget is full
 *   the connection stops being read until its turn comes. A message larger than the whole budget is skipped and
 *   reported as a {@link RefusedFrame};</li>
 *   <li>lengths below the minimum or above the type's limit are protocol errors (messages PostgreSQL bounds at
 *   10,000 bytes are bounded here too).</li>
 * </ul>
 */
public final class PgFrameDecoder extends ChannelInboundHandlerAdapter {
    public enum State { STARTUP, REGULAR }

    /**
     * What this side of the proxy lets through and how; consecutive whole messages of the {@code runs} types that
     * have arrived together are passed on as one frame (a run, see {@link PgFrame#messages()}).
     */
    public record Limits(long maxFrame, int streamThreshold, String streams, boolean client, BufferBudget budget, String runs) {
        /** No budget, nothing streamed: every message gathered whole, up to PostgreSQL's own limit. */
        public static final Limits UNBOUNDED = new Limits(MAX_LARGE, Integer.MAX_VALUE, "", true, null, "");

        /** Client messages: Query, Bind, FunctionCall and CopyData streamed beyond {@code threshold}. */
        public static Limits client(long maxFrame, int threshold, BufferBudget budget) { return new Limits(maxFrame, threshold, "QBFd", true, budget, ""); }

        /** Server messages: DataRow and CopyData streamed beyond {@code threshold}, and passed on in runs. */
        public static Limits server(int threshold, BufferBudget budget) { return new Limits(MAX_LARGE, threshold, SERVER_BULK, false, budget, SERVER_BULK); }

        /** DataRow and CopyData: what a large result is made of, and what no hook reads. */
        private static final String SERVER_BULK = new String(new byte[] {MessageType.Backend.DATA_ROW, MessageType.Backend.COPY_DATA}, java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** PostgreSQL's limit on any message (PQ_LARGE_MESSAGE_LIMIT). */
    public static final long MAX_LARGE = 0x3fffffff;
    /** PostgreSQL's limit on the client messages that carry no data (PQ_SMALL_MESSAGE_LIMIT). */
    static final int MAX_SMALL = 10_000;
    private static final int MAX_STARTUP_FRAME = 10_000;
    /** Bytes of a streamed message's body given with its head (enough for Bind's names and a hook's text prefix). */
    public static final int STREAM_PREFIX = 64 * 1024;
    /** Messages up to this size are gathered without a reservation: one per connection at most. */
    static final int UNRESERVED = 16 * 1024;
    /** Messages gathered into buffers of their own beyond this size come from outside the pooled allocator. */
    private static final int UNPOOLED_FROM = 1 << 20;

    private State state;
    private final Limits limits;

    /** Bytes received and not yet passed on. */
    private ByteBuf pending;
    /** Gathering a message too large for what has arrived: its buffer, filled up to its length. */
    private ByteBuf gathering;
    private byte gatheringType;
    private int gatheringHeader;
    private long reserved;
    /** Passing a message on in pieces ({@code skipping}: throwing its bytes away) with this many bytes to come. */
    private long streamRemaining;
    private boolean streaming, skipping;
    private boolean waitingForBudget;
    private long received;

    public PgFrameDecoder(State initial) { this(initial, Limits.UNBOUNDED); }

    public PgFrameDecoder(State initial, Limits limits) {
        this.state = initial;
        this.limits = limits;
    }

    /** After the start-up phase (the session decides when), frames carry a type byte. */
    public void switchToRegular() { state = State.REGULAR; }

    public State state() { return state; }

    /** Bytes received since the connection opened. */
    public long received() { return received; }

    /** Whether the decoder is waiting for room in the buffer budget (its connection is not read meanwhile). */
    public boolean waitingForBudget() { return waitingForBudget; }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        received += in.readableBytes();
        if (pending == null || !pending.isReadable()) {
            if (pending != null) pending.release();
            pending = in;
        } else {
            CompositeByteBuf c = pending instanceof CompositeByteBuf cb && cb.refCnt() == 1 ? cb : ctx.alloc().compositeBuffer(64).addComponent(true, pending);
            c.addComponent(true, in);
            pending = c;
        }
        try {
            decode(ctx);
        } catch (ProtocolException e) {
            throw new DecoderException(e);
        }
    }

    private void decode(ChannelHandlerContext ctx) {
        while (pending != null && pending.isReadable() && !waitingForBudget && ctx.channel().isActive()) {
            if (streaming || skipping) {
                int n = (int) Math.min(pending.readableBytes(), streamRemaining);
                streamRemaining -= n;
                if (skipping) {
                    pending.skipBytes(n);
                    if (streamRemaining == 0) skipping = false;
                } else {
                    boolean last = streamRemaining == 0;
                    if (last) streaming = false;
                    ctx.fireChannelRead(new PgChunk(pending.readRetainedSlice(n), last));
                }
                continue;
            }
            if (gathering != null) {
                int n = Math.min(pending.readableBytes(), gathering.writableBytes());
                gathering.writeBytes(pending, n);
                if (gathering.isWritable()) return;
                ByteBuf whole = gathering;
                gathering = null;
                long r = reserved;
                reserved = 0;
                ctx.fireChannelRead(new PgFrame(gatheringType, whole, gatheringHeader, whole.readableBytes(), false, release(r)));
                continue;
            }
            // the session may switch the state while it handles a start-up frame: the next header reads in the new one
            if (!header(ctx)) return;
        }
        if (pending != null && !pending.isReadable()) {
            pending.release();
            pending = null;
        }
    }

    /** Reads the next header and starts passing its message on; false when more bytes are needed. */
    private boolean header(ChannelHandlerContext ctx) {
        int start = pending.readerIndex();
        byte type;
        long total;
        int headerLength;
        if (state == State.STARTUP) {
            if (pending.readableBytes() < 4) return false;
            int length = pending.getInt(start);
            if (length < 8 || length > MAX_STARTUP_FRAME) throw new ProtocolException("invalid start-up packet length " + length);
            type = 0;
            total = length;
            headerLength = 4;
        } else {
            if (pending.readableBytes() < 5) return false;
            type = pending.getByte(start);
            long length = pending.getInt(start + 1) & 0xffffffffL;
            long max = maxLength(type);
            if (length < 4 || length > max)
                throw new ProtocolException("invalid length " + length + " for message type '" + printable(type) + "'" + (length > max ? " (at most " + max + ")" : ""));
            total = length + 1;
            headerLength = 5;
        }
        if (pending.readableBytes() >= total && total <= Math.max(limits.streamThreshold(), UNRESERVED)) {
            // the common case: the whole message is here, passed on as a slice of what arrived (with the messages
            // of the same type right behind it, when its type comes in runs)
            int messages = 1;
            long run = total;
            if (type != 0 && limits.runs().indexOf(type) >= 0) {
                long next;
                while ((next = wholeBehind(start + (int) run, type)) > 0) {
                    run += next;
                    messages++;
                }
            }
            ByteBuf slice = pending.readRetainedSlice((int) run);
            ctx.fireChannelRead(messages == 1 ? new PgFrame(type, slice, headerLength) : PgFrame.run(type, slice, messages));
            return true;
        }
        if (type != 0 && total > limits.streamThreshold() && limits.streams().indexOf(type) >= 0) {
            int head = (int) Math.min(total, headerLength + STREAM_PREFIX);
            if (pending.readableBytes() < head) return false;
            ctx.fireChannelRead(new PgFrame(type, pending.readRetainedSlice(head), headerLength, total, true, null));
            streamRemaining = total - head;
            streaming = streamRemaining > 0;
            if (!streaming) ctx.fireChannelRead(new PgChunk(ctx.alloc().buffer(0), true));
            return true;
        }
        BufferBudget budget = limits.budget();
        if (budget != null && total > UNRESERVED) {
            if (total > budget.limit()) {
                pending.skipBytes(headerLength);
                streamRemaining = total - headerLength;
                skipping = true;
                ctx.fireChannelRead(new RefusedFrame(type, total, "a message of " + total + " bytes is larger than the proxy's buffer_budget of "
                        + budget.limit() + " bytes"));
                return true;
            }
            if (!budget.tryReserve(total)) {
                waitingForBudget = true;
                ctx.channel().config().setAutoRead(false);
                budget.await(total, () -> ctx.channel().eventLoop().execute(() -> granted(ctx, total)));
                return false;
            }
            reserved = total;
        }
        if (pending.readableBytes() >= total) { // whole, and larger than a slice should keep alive
            ByteBuf copy = allocator(ctx, total).buffer((int) total);
            copy.writeBytes(pending, (int) total);
            long r = reserved;
            reserved = 0;
            ctx.fireChannelRead(new PgFrame(type, copy, headerLength, total, false, release(r)));
            return true;
        }
        gathering = allocator(ctx, total).buffer((int) total, (int) total);
        gatheringType = type;
        gatheringHeader = headerLength;
        gathering.writeBytes(pending);
        return false;
    }

    /**
     * The length of the message at {@code at} when it is of {@code type}, wholly arrived and small enough to go
     * whole (the next header reads an invalid length as the protocol error it is); else 0.
     */
    private long wholeBehind(int at, byte type) {
        int available = pending.writerIndex() - at;
        if (available < 5 || pending.getByte(at) != type) return 0;
        long length = pending.getInt(at + 1) & 0xffffffffL;
        long total = length + 1;
        if (length < 4 || length > maxLength(type) || total > Math.max(limits.streamThreshold(), UNRESERVED) || total > available) return 0;
        return total;
    }

    private void granted(ChannelHandlerContext ctx, long total) {
        if (!ctx.channel().isActive()) {
            limits.budget().release(total);
            return;
        }
        waitingForBudget = false;
        reserved = total;
        // the header is read again and now finds its reservation
        int start = pending.readerIndex();
        int headerLength = state == State.STARTUP ? 4 : 5;
        byte type = state == State.STARTUP ? 0 : pending.getByte(start);
        gathering = allocator(ctx, total).buffer((int) total, (int) total);
        gatheringType = type;
        gatheringHeader = headerLength;
        ctx.channel().config().setAutoRead(true);
        try {
            decode(ctx);
        } catch (ProtocolException e) {
            ctx.fireExceptionCaught(new DecoderException(e));
        }
    }

    private static ByteBufAllocator allocator(ChannelHandlerContext ctx, long size) {
        // large buffers outside the pool: freed as soon as their message is released, so memory is given back
        return size >= UNPOOLED_FROM ? UnpooledByteBufAllocator.DEFAULT : ctx.alloc();
    }

    private Runnable release(long bytes) {
        if (bytes == 0) return null;
        BufferBudget budget = limits.budget();
        return () -> budget.release(bytes);
    }

    /** The largest length a message of this type may declare. */
    private long maxLength(byte type) {
        if (!limits.client()) return limits.maxFrame();
        return switch (type) {
            case MessageType.Frontend.QUERY, MessageType.Frontend.PARSE, MessageType.Frontend.BIND, MessageType.Frontend.FUNCTION_CALL,
                 MessageType.Frontend.COPY_DATA -> Math.min(limits.maxFrame(), MAX_LARGE);
            case MessageType.Frontend.PASSWORD -> 65_535;
            default -> Math.min(limits.maxFrame(), MAX_SMALL);
        };
    }

    /** Bytes received and not yet passed on (after an SSLRequest there must be none: they were not encrypted). */
    public int pendingBytes() { return pending == null ? 0 : pending.readableBytes(); }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) { discard(); }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        discard();
        ctx.fireChannelInactive();
    }

    private void discard() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
        if (gathering != null) {
            gathering.release();
            gathering = null;
        }
        if (reserved > 0) {
            limits.budget().release(reserved);
            reserved = 0;
        }
    }

    static String printable(byte type) {
        return type >= 32 && type < 127 ? Character.toString((char) type) : String.format("0x%02x", type & 0xff);
    }
}
