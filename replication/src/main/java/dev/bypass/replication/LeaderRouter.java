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
    private static final byte[] READONLY = "READONLY".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OK = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);

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
        if (replica.isLeader()) {
            servedAsLeader.add(ch);
            ch.closeFuture().addListener(f -> servedAsLeader.remove(ch));
            serve.run();
            return;
        }
        ch.pipeline().addLast(new FirstCommand(serve));
    }

    /** Looks at a follower connection's first bytes: READONLY stays here, anything else is relayed. */
    private final class FirstCommand extends ChannelInboundHandlerAdapter {
        private final Runnable serve;
        private ByteBuf seen;

        FirstCommand(Runnable serve) { this.serve = serve; }

        @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            seen = seen == null ? in : Unpooled.wrappedBuffer(seen, in);
            int consumed = readonlyCommandLength(seen);
            if (consumed == 0) return; // not enough bytes to tell yet
            ByteBuf buffered = seen;
            seen = null;
            ctx.pipeline().remove(this);
            if (consumed > 0) {
                buffered.skipBytes(consumed);
                ctx.writeAndFlush(Unpooled.wrappedBuffer(OK));
                serve.run();
                if (buffered.isReadable()) ctx.pipeline().fireChannelRead(buffered);
                else buffered.release();
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

    /**
     * The length of a leading {@code READONLY} command (RESP array or inline), -1 when the bytes start otherwise,
     * 0 when more bytes are needed to tell.
     */
    static int readonlyCommandLength(ByteBuf b) {
        byte[] want = ("*1\r\n$8\r\n" + "READONLY" + "\r\n").getBytes(StandardCharsets.US_ASCII);
        int n = b.readableBytes(), base = b.readerIndex();
        boolean array = n > 0 && b.getByte(base) == '*';
        if (!array) want = ("READONLY" + "\r\n").getBytes(StandardCharsets.US_ASCII);
        int prefix = array ? 8 : 0;
        for (int i = 0; i < want.length; i++) {
            if (i >= n) return 0;
            byte got = b.getByte(base + i), w = want[i];
            boolean letter = i >= prefix && i < prefix + READONLY.length;
            if (letter ? Character.toUpperCase((char) got) != w : got != w) {
                // an inline command may end with a bare newline
                if (!array && i == READONLY.length && got == '\n') return i + 1;
                return -1;
            }
        }
        return want.length;
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
