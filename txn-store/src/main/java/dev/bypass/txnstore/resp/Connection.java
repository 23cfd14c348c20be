package dev.bypass.txnstore.resp;

import dev.bypass.txnstore.StoreException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One client connection: decodes commands from its input, runs them, and sends the replies of each read burst
 * together, after the log write their commits owe ({@link OwedReplies}).
 *
 * <p>Reply order: a burst whose replies owe a log write ends with a {@link Gate} in the reply queue, and nothing
 * queued goes out while the first gate is closed. Where the log is waited for without holding the I/O thread (a
 * replicated store), the connection goes on reading and running commands meanwhile; their replies queue behind.
 *
 * <p>Back-pressure: once a connection's pending replies (queued here or in Netty's outbound buffer) pass
 * {@link #PAUSE_BYTES}, its remaining input is held, it is no longer read from, and decoding resumes when the
 * socket has taken the replies. A client that pipelines without reading thus costs a bounded amount of memory; the
 * output limits of {@link RespConfig} disconnect it as Redis's {@code client-output-buffer-limit} does. Large
 * values are written as slices of the stored array while the socket is writable, never copied whole.
 */
final class Connection extends ChannelInboundHandlerAdapter implements RespDecoder.Sink {
    static final int PAUSE_BYTES = 1 << 20;
    private static final int SLICE = 64 << 10;

    private final Server server;
    private final Function<EventLoop, OwedReplies> owedReplies;
    private final RespDecoder decoder;
    private ChannelHandlerContext ctx;
    Session session;
    private RespWriter out;
    private Call call;
    private ByteBuf held;
    private boolean paused, closing;
    private long softSince;

    Connection(Server server, Function<EventLoop, OwedReplies> owedReplies) {
        this.server = server;
        this.owedReplies = owedReplies;
        this.decoder = new RespDecoder(server::config, server.inputBytes);
    }

    @Override public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        session = new Session(server.nextClientId.incrementAndGet(), String.valueOf(ctx.channel().remoteAddress()).replaceFirst("^/", ""));
        out = new RespWriter(ctx.alloc());
        call = new Call(server, session, out);
        session.account = server.acl.initialAccount();
        server.connectionsReceived.incrementAndGet();
        server.clients.put(session.id, this);
        if (server.protectedMode && server.acl.defaultUserOpen() && !fromLoopback(ctx.channel().remoteAddress())) {
            server.rejectedConnections.incrementAndGet();
            closing = true;
            ctx.writeAndFlush(Unpooled.copiedBuffer(DENIED, StandardCharsets.US_ASCII)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (server.clients.size() > server.config().maxclients()) {
            server.rejectedConnections.incrementAndGet();
            closing = true;
            ctx.writeAndFlush(Unpooled.copiedBuffer("-ERR max number of clients reached\r\n", StandardCharsets.US_ASCII)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static boolean fromLoopback(java.net.SocketAddress remote) {
        return remote instanceof java.net.InetSocketAddress a && a.getAddress() != null && a.getAddress().isLoopbackAddress();
    }

    /** Redis's reply to a client from outside while protected mode is on and the default user has no password. */
    static final String DENIED = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user."
            + " In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may"
            + " adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback"
            + " interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet"
            + " if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the"
            + " Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server"
            + " manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user."
            + " NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

    @Override public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        server.clients.remove(session.id);
        decoder.release();
        out.release();
        if (held != null) {
            held.release();
            held = null;
        }
    }

    @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (closing) {
            in.release();
            return;
        }
        session.lastInteraction = System.currentTimeMillis();
        if (held != null) { // input that arrived while paused waits behind what was held
            held = ctx.alloc().compositeBuffer(Integer.MAX_VALUE).addComponents(true, held, in);
            return;
        }
        process(in);
    }

    /** Decodes and runs commands from {@code in} until it is used up or the connection pauses (then it is held). */
    private void process(ByteBuf in) {
        try {
            decoder.decode(in, this);
        } catch (RespDecoder.ProtocolError e) {
            in.release();
            protocolError(e.getMessage());
            return;
        }
        if (paused && in.isReadable() && !closing) held = in;
        else in.release();
    }

    @Override public boolean command(byte[][] args, int argc) {
        if (closing) return false;
        server.commandsProcessed.incrementAndGet();
        if (Commands.isQuit(args[0])) {
            try {
                settle();
            } catch (StoreException e) {
                abortConnection();
                return false;
            }
            out.simple("OK");
            closing = true;
            sendReplies();
            return false;
        }
        Commands.execute(call, args, argc);
        if (closing) return false;
        long pending = pendingBytes();
        if (!checkOutputLimits(pending)) return false;
        if (pending > PAUSE_BYTES || !ctx.channel().isWritable()) {
            pause();
            return false;
        }
        return true;
    }

    void settle() {
        Commands.settle(server, session);
        for (Gate g : gates) g.open = true;
    }

    /**
     * Stands in the reply queue after the replies of a burst that owe log write {@code ticket}: they (and all after
     * them) wait until it opens. Used on the connection's event loop only.
     */
    static final class Gate {
        final long ticket;
        boolean open;

        Gate(long ticket) { this.ticket = ticket; }
    }

    /** Gates in the reply queue, oldest first. */
    private final java.util.ArrayDeque<Gate> gates = new java.util.ArrayDeque<>();

    /** Called on the event loop by {@link OwedReplies} once the log write of {@code g} is done. */
    void opened(Gate g) {
        g.open = true;
        if (g.ticket >= session.gated) session.gated = 0;
        flushOut();
    }

    private long pendingBytes() {
        ChannelOutboundBuffer ob = ctx.channel().unsafe().outboundBuffer();
        return out.pendingBytes() + (ob == null ? 0 : ob.totalPendingWriteBytes());
    }

    /** Applies the output-buffer limits; false when the connection is being closed. */
    private boolean checkOutputLimits(long pending) {
        RespConfig cfg = server.config();
        if (cfg.outputHardLimit() > 0 && pending > cfg.outputHardLimit()) {
            overLimit("hard limit of " + cfg.outputHardLimit() + " bytes");
            return false;
        }
        if (cfg.outputSoftLimit() > 0 && pending > cfg.outputSoftLimit()) {
            long now = System.nanoTime();
            if (softSince == 0) {
                softSince = now;
                long since = softSince;
                ctx.executor().schedule(() -> {
                    if (softSince == since && !closing && pendingBytes() > server.config().outputSoftLimit())
                        overLimit("soft limit of " + server.config().outputSoftLimit() + " bytes for " + server.config().outputSoftSeconds() + " s");
                }, Math.max(1, cfg.outputSoftSeconds()) * 1000L + 10, TimeUnit.MILLISECONDS);
            } else if (now - softSince >= TimeUnit.SECONDS.toNanos(cfg.outputSoftSeconds())) {
                overLimit("soft limit of " + cfg.outputSoftLimit() + " bytes for " + cfg.outputSoftSeconds() + " s");
                return false;
            }
        } else softSince = 0;
        return true;
    }

    private void overLimit(String which) {
        server.outputLimitDisconnections.incrementAndGet();
        abortConnection();
        System.err.println("closing client id=" + session.id + " addr=" + session.address + ": replies waiting to be read passed the output buffer "
                + which + " (client-output-buffer-limit)");
    }

    private void pause() {
        if (paused) return;
        paused = true;
        ctx.channel().config().setAutoRead(false);
        sendReplies();
    }

    @Override public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!paused) sendReplies();
    }

    /** Sends the replies written so far; those owing a log write go behind a gate the loop's owed replies open. */
    void sendReplies() {
        out.finishBuffer();
        if (session.owed != 0) {
            Gate g = new Gate(session.owed);
            out.parts.add(g);
            gates.add(g);
            owedReplies.apply(ctx.channel().eventLoop()).add(this, g, session.owedReads);
            session.gated = session.owed;
            session.owed = 0;
            session.owedReads = false;
        }
        flushOut();
    }

    /** Writes queued replies while the socket takes them (all of them once durable), then resumes reading if paused. */
    void flushOut() {
        if (!ctx.channel().isActive()) return;
        boolean wrote = false;
        for (Object p; (p = out.parts.peek()) != null; ) {
            Gate first = gates.peek();
            if (first != null && !first.open) break; // what is queued owes a log write not yet done
            out.parts.poll();
            if (p == first) {
                gates.poll();
                continue;
            }
            if (p instanceof ByteBuf b) {
                out.queuedBytes -= b.readableBytes();
                ctx.write(b, ctx.voidPromise());
                wrote = true;
                continue;
            }
            RespWriter.Slice s = (RespWriter.Slice) p;
            int n = Math.min(SLICE, s.length());
            out.queuedBytes -= n;
            if (n < s.length()) out.parts.addFirst(new RespWriter.Slice(s.array(), s.offset() + n, s.length() - n));
            ctx.write(Unpooled.wrappedBuffer(s.array(), s.offset(), n), ctx.voidPromise());
            ctx.flush();
            wrote = false;
            if (!ctx.channel().isWritable()) break; // the rest of the value follows when the socket has taken this
        }
        if (wrote) ctx.flush();
        if (paused && out.parts.isEmpty() && ctx.channel().isWritable()) resume();
    }

    @Override public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) flushOut();
    }

    private void resume() {
        paused = false;
        softSince = 0;
        ByteBuf h = held;
        held = null;
        if (h != null) {
            process(h);
            if (closing) return;
            if (paused) return;
            sendReplies();
        }
        if (!paused) ctx.channel().config().setAutoRead(true);
    }

    /** Called by {@link OwedReplies} when the log write failed: the commits are not durable, the replies must not go out. */
    void abortConnection() {
        closing = true;
        out.release();
        ctx.close();
    }

    private void protocolError(String why) {
        if (!ctx.channel().isActive()) return;
        closing = true;
        try {
            settle(); // the replies before the error go out with it
        } catch (StoreException e) {
            abortConnection();
            return;
        }
        out.error("ERR Protocol error: " + why);
        out.finishBuffer();
        flushOut();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        closing = true;
        ctx.close();
    }

    /** Closes the connection (CLIENT KILL, idle timeout); may be called from any thread. */
    void close() { ctx.channel().close(); }

    long idleMillis(long now) { return now - session.lastInteraction; }

    /** The CLIENT LIST / CLIENT INFO line. */
    String info() {
        long now = System.currentTimeMillis();
        return "id=" + session.id + " addr=" + session.address + " laddr=" + String.valueOf(ctx.channel().localAddress()).replaceFirst("^/", "") + " fd=0 name=" + session.name + " age="
                + (now - session.created) / 1000 + " idle=" + (now - session.lastInteraction) / 1000 + " flags=" + (session.inMulti() ? "x" : "N")
                + " db=" + session.db + " sub=0 psub=0 ssub=0 multi=" + (session.inMulti() ? session.queued.size() : -1) + " qbuf=" + decoder.partialBytes()
                + " qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=" + out.parts.size() + " omem=" + out.pendingBytes()
                + " tot-mem=0 events=r cmd=" + session.lastCommand + " user=" + (session.account == null ? "default" : session.account.name) + " redir=-1 resp=" + out.protocol + " lib-name=" + session.libName
                + " lib-ver=" + session.libVersion;
    }
}
