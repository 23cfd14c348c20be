package dev.bypass.proxy.pool;

import dev.bypass.proxy.wire.StartupCodes;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;

/**
 * TLS towards PostgreSQL: first in a server connection's pipeline, it sends SSLRequest when the connection opens and
 * reads the one-byte answer. 'S' puts a TLS handler in its place and lets the login start once the handshake is done;
 * 'N' lets the login go on in plain text, unless TLS is required, which fails the login with the reason.
 */
final class ServerTls extends ChannelInboundHandlerAdapter {
    private static final int SSL_REQUEST_CODE = 80877103;

    private final SslContext context;
    private final boolean required;
    private final String host;
    private final int port;
    private final ServerConnection connection;

    ServerTls(SslContext context, boolean required, String host, int port, ServerConnection connection) {
        this.context = context;
        this.required = required;
        this.host = host;
        this.port = port;
        this.connection = connection;
    }

    @Override public void channelActive(ChannelHandlerContext ctx) {
        // hold back channelActive (which sends the StartupMessage) until TLS is settled
        ctx.writeAndFlush(ctx.alloc().buffer(8).writeInt(8).writeInt(SSL_REQUEST_CODE));
    }

    @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            if (!in.isReadable()) return;
            byte answer = in.readByte();
            if (in.isReadable())
                throw new IllegalStateException("server sent data after its answer to SSLRequest (possible injection)");
            switch (answer) {
                case StartupCodes.SSL_ACCEPTED -> {
                    SslHandler tls = context.newHandler(ctx.alloc(), host, port);
                    ctx.pipeline().replace(this, "tls", tls);
                    tls.handshakeFuture().addListener(f -> {
                        if (f.isSuccess()) ctx.pipeline().context("tls").fireChannelActive();
                        else connection.tlsFailed("TLS handshake with the server failed: " + f.cause().getMessage());
                    });
                }
                case StartupCodes.SSL_REFUSED -> {
                    if (required) {
                        connection.tlsFailed("server does not accept TLS and server_tls_sslmode is require");
                        return;
                    }
                    ctx.pipeline().remove(this);
                    ctx.fireChannelActive();
                }
                default -> connection.tlsFailed("unexpected answer '" + (char) answer + "' to SSLRequest");
            }
        } catch (RuntimeException e) {
            connection.tlsFailed(e.getMessage());
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }
}
