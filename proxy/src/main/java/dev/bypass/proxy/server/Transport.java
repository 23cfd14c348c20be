package dev.bypass.proxy.server;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The network transport: Linux epoll when the native library loads (Unix sockets too), NIO otherwise (TCP only). The
 * number of event loops is {@code -Dbypass.proxy.threads} (default: one per two cores: pgbench-style load leaves the
 * other half to PostgreSQL and the clients); with one loop, client and server channels share a thread and replies
 * are written without crossing threads, as in PgBouncer's single-threaded design.
 */
public record Transport(EventLoopGroup group, Class<? extends ServerSocketChannel> serverChannel,
                        Class<? extends SocketChannel> socketChannel, Class<? extends ServerChannel> domainServerChannel,
                        Class<? extends Channel> domainChannel) {

    public static Transport create() {
        int threads = Integer.getInteger("bypass.proxy.threads", Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
        if (Epoll.isAvailable() && !Boolean.getBoolean("bypass.proxy.nio")) {
            return new Transport(new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory()),
                    EpollServerSocketChannel.class, EpollSocketChannel.class, EpollServerDomainSocketChannel.class, EpollDomainSocketChannel.class);
        }
        return new Transport(new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory()),
                NioServerSocketChannel.class, NioSocketChannel.class, null, null);
    }

    /** Whether Unix sockets can be used (epoll). */
    public boolean unixSockets() { return domainChannel != null; }

    public boolean epoll() { return unixSockets(); }
}
