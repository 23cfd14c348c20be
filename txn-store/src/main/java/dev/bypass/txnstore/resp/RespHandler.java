package dev.bypass.txnstore.resp;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.InlineCommandRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One connection: turns decoded RESP arrays (and inline commands) into argument lists, runs them, and writes
 * replies; pipelined replies are flushed once per read burst, after the log write their commits owe (see
 * {@link OwedReplies}). Malformed input gets one protocol error reply and
 * the connection is closed, as Redis does.
 */
final class RespHandler extends SimpleChannelInboundHandler<RedisMessage> {
    private final RedisCommands commands;
    private final java.util.function.Function<io.netty.channel.EventLoop, OwedReplies> owedReplies;
    private final Session session = new Session();

    RespHandler(RedisCommands commands, java.util.function.Function<io.netty.channel.EventLoop, OwedReplies> owedReplies) {
        this.commands = commands;
        this.owedReplies = owedReplies;
    }

    @Override protected void channelRead0(ChannelHandlerContext ctx, RedisMessage msg) {
        try {
            commands.settle(session); // a pipelined command sees the writes of the ones before it
        } catch (dev.bypass.txnstore.StoreException e) {
            ctx.close(); // the log cannot be written: earlier replies must not go out as if their commits were durable
            return;
        }
        List<byte[]> args = new ArrayList<>();
        if (msg instanceof ArrayRedisMessage arr) {
            if (arr.isNull() || arr.children().isEmpty()) return;
            for (RedisMessage m : arr.children()) {
                if (!(m instanceof FullBulkStringRedisMessage b) || b.isNull()) {
                    protocolError(ctx, "expected an array of bulk strings");
                    return;
                }
                args.add(ByteBufUtil.getBytes(b.content()));
            }
        } else if (msg instanceof InlineCommandRedisMessage inline) {
            for (String part : inline.content().trim().split("\\s+")) if (!part.isEmpty()) args.add(part.getBytes(StandardCharsets.UTF_8));
            if (args.isEmpty()) return;
        } else {
            protocolError(ctx, "expected a command array");
            return;
        }
        if (RedisCommands.name(args).equals("QUIT")) {
            ctx.writeAndFlush(RedisCommands.OK).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        RedisMessage reply;
        try {
            reply = commands.execute(session, args);
        } catch (RuntimeException e) {
            reply = new ErrorRedisMessage("ERR " + (e.getMessage() == null ? e.toString() : e.getMessage().replace('\r', ' ').replace('\n', ' ')));
        }
        ctx.write(reply);
    }

    @Override public void channelReadComplete(ChannelHandlerContext ctx) {
        if (session.owed != 0) owedReplies.apply(ctx.channel().eventLoop()).add(ctx, session);
        else ctx.flush();
    }

    @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException) protocolError(ctx, cause.getMessage() == null ? "malformed input" : cause.getMessage());
        else ctx.close();
    }

    private void protocolError(ChannelHandlerContext ctx, String why) {
        if (!ctx.channel().isActive()) return;
        try {
            commands.settle(session); // the replies before the error go out with it
        } catch (dev.bypass.txnstore.StoreException e) {
            ctx.close();
            return;
        }
        String clean = why.replace('\r', ' ').replace('\n', ' ');
        ctx.writeAndFlush(new ErrorRedisMessage("ERR Protocol error: " + clean)).addListener(ChannelFutureListener.CLOSE);
    }
}
