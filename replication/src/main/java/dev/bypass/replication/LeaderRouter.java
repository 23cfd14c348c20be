package dev.bypass.replication;

import dev.bypass.txnstore.resp.RespServer;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Routes a replica's RESP connections: the leader serves them; a follower relays each connection, bytes as they
 * come, to the leader's RESP port, so a client may use any replica and keeps its session (MULTI, WATCH, SELECT,
 * RESP3) on the leader. A connection whose first command is {@code READONLY} (as with Redis Cluster replicas) is
 * served by the follower itself: snapshot reads of its committed state, possibly behind the leader; its writes are
 * refused with {@code READONLY}. When leadership moves, connections served here by the former leader are closed,
 * and so are relayed ones whose leader went away: clients reconnect and are routed afresh.
 */
public final class LeaderRouter implements RespServer.Router {

    private final ReplicatedStore replica;
    private final Set<Channel> servedAsLeader = ConcurrentHashMap.newKeySet();
    private final Set<Channel> relayed = ConcurrentHashMap.newKeySet();

    private LeaderRouter(ReplicatedStore replica) { this.replica = replica; }

    /** Makes {@code server} route its connections by this replica's role and report it in {@code INFO replication}. */
    public static LeaderRouter attach(RespServer server, ReplicatedStore replica) {
        LeaderRouter r = new LeaderRouter(replica);
        server.router(r);
        server.replicationInfo(replica::info);
        replica.onLeaderChange(leader -> r.leaderChanged());
        replica.announceRespAddress("127.0.0.1:" + server.port());
        return r;
    }

    private void leaderChanged() {
        if (!replica.isLeader()) for (Channel c : servedAsLeader) c.close();
        for (Channel c : relayed) c.close();
    }

    @Override public void route(SocketChannel ch, Runnable serve) {
        ch.pipeline().addLast(new FirstCommand(serve));
    }

    /**
     * Reads a connection's first command: READONLY has it served here, anything else by the leader (here or
     * relayed). Either way every byte read so far goes on to whoever serves it, in order.
     */
    private final class FirstCommand extends ChannelInboundHandlerAdapter {
        private final Runnable serve;
        private ByteBuf seen;

        FirstCommand(Runnable serve) { this.serve = serve; }

        @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            seen = seen == null ? in : Unpooled.wrappedBuffer(seen, in);
            Decision d = decide(seen);
            if (d == Decision.UNDECIDED) return;
            ByteBuf buffered = seen;
            seen = null;
            ctx.pipeline().remove(this);
            if (d == Decision.LOCAL || replica.isLeader()) {
                if (d != Decision.LOCAL) {
                    servedAsLeader.add(ctx.channel());
                    ctx.channel().closeFuture().addListener(f -> servedAsLeader.remove(ctx.channel()));
                }
                serve.run();
                ctx.pipeline().fireChannelActive(); // the server's handler arrived after the channel became active
                ctx.pipeline().fireChannelRead(buffered);
                return;
            }
            relay(ctx.channel(), buffered);
        }

        @Override public void channelInactive(ChannelHandlerContext ctx) {
            if (seen != null) {
                seen.release();
                seen = null;
            }
            ctx.fireChannelInactive();
        }
    }

    enum Decision { UNDECIDED, LOCAL, LEADER }

    /** Longest first command looked at; anything longer goes to the leader. */
    private static final int SCAN_LIMIT = 64 << 10;

    /** Where the connection goes, from its first command at the start of {@code b} (not consumed). */
    static Decision decide(ByteBuf b) {
        int[] next = new int[1];
        String name = commandName(b, b.readerIndex(), b.writerIndex(), next);
        if (name != null) return name.equals("READONLY") ? Decision.LOCAL : Decision.LEADER;
        return next[0] < 0 || b.readableBytes() > SCAN_LIMIT ? Decision.LEADER : Decision.UNDECIDED;
    }

    /**
     * The upper-cased name of the command at {@code at}, its end in {@code next[0]}; null when incomplete
     * ({@code next[0] = 0}) or not a well-formed command ({@code next[0] = -1}: the leader will say why).
     */
    static String commandName(ByteBuf b, int at, int end, int[] next) {
        if (at >= end) return null;
        if (b.getByte(at) != '*') {
            int nl = b.indexOf(at, end, (byte) '\n');
            if (nl < 0) return null;
            String line = b.toString(at, nl - at, StandardCharsets.ISO_8859_1).trim();
            next[0] = nl + 1;
            int sp = line.indexOf(' ');
            return (sp < 0 ? line : line.substring(0, sp)).toUpperCase(java.util.Locale.ROOT);
        }
        int[] pos = {at + 1};
        long count = number(b, pos, end);
        if (count == -2) return null;
        if (count < 1) {
            next[0] = -1;
            return null;
        }
        String name = null;
        for (long i = 0; i < count; i++) {
            if (pos[0] >= end) return null;
            if (b.getByte(pos[0]) != '$') {
                next[0] = -1;
                return null;
            }
            pos[0]++;
            long len = number(b, pos, end);
            if (len == -2) return null;
            if (len < 0 || len > SCAN_LIMIT) {
                next[0] = -1;
                return null;
            }
            if (pos[0] + len + 2 > end) return null;
            if (i == 0) name = b.toString(pos[0], (int) len, StandardCharsets.ISO_8859_1).toUpperCase(java.util.Locale.ROOT);
            pos[0] += (int) len + 2;
        }
        next[0] = pos[0];
        return name;
    }

    /** A decimal number ending in CRLF at {@code pos[0]}, moving past it; -2 when incomplete, -1 when malformed. */
    private static long number(ByteBuf b, int[] pos, int end) {
        long n = 0;
        int digits = 0;
        for (int i = pos[0]; i < end; i++) {
            byte c = b.getByte(i);
            if (c == '\r') {
                if (i + 1 >= end) return -2;
                if (b.getByte(i + 1) != '\n' || digits == 0) return -1;
                pos[0] = i + 2;
                return n;
            }
            if (c < '0' || c > '9' || ++digits > 10) return -1;
            n = n * 10 + (c - '0');
        }
        return -2;
    }

    /** Connects to the leader's RESP port and copies bytes both ways; the first bytes already read go first. */
    private void relay(Channel client, ByteBuf first) {
        String leader = replica.leader();
        String address = leader == null ? null : replica.respAddress(leader);
        if (address == null) {
            first.release();
            String why = leader == null ? "no leader is elected yet" : "the leader " + leader + " has not announced its RESP address yet";
            client.writeAndFlush(Unpooled.copiedBuffer("-TRYAGAIN " + why + "; retry shortly\r\n", StandardCharsets.US_ASCII))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        int colon = address.lastIndexOf(':');
        client.config().setAutoRead(false);
        Bootstrap b = new Bootstrap().group(client.eventLoop())
                .channel(client instanceof EpollSocketChannel ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new Pipe(client));
        b.connect(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                first.release();
                client.writeAndFlush(Unpooled.copiedBuffer("-TRYAGAIN cannot reach the leader " + leader + " at " + address + "; retry shortly\r\n",
                        StandardCharsets.US_ASCII)).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            Channel upstream = f.channel();
            relayed.add(client);
            client.closeFuture().addListener(x -> {
                relayed.remove(client);
                upstream.close();
            });
            client.pipeline().addLast(new Pipe(upstream));
            upstream.writeAndFlush(first);
            client.config().setAutoRead(true);
        });
    }

    /** Copies what one side reads to the other, pausing reads while the other side cannot take more. */
    private static final class Pipe extends ChannelInboundHandlerAdapter {
        private final Channel to;

        Pipe(Channel to) { this.to = to; }

        @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
            to.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) ctx.channel().close();
                else if (!ctx.channel().config().isAutoRead()) ctx.channel().config().setAutoRead(true);
            });
            if (!to.isWritable()) ctx.channel().config().setAutoRead(false);
        }

        @Override public void channelInactive(ChannelHandlerContext ctx) {
            to.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }

        @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) { ctx.close(); }
    }
}
