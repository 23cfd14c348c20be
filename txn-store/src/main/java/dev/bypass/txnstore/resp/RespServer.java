package dev.bypass.txnstore.resp;

import dev.bypass.txnstore.Store;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.redis.RedisArrayAggregator;
import io.netty.handler.codec.redis.RedisBulkStringAggregator;
import io.netty.handler.codec.redis.RedisDecoder;
import io.netty.handler.codec.redis.RedisEncoder;
import java.net.InetSocketAddress;

/**
 * A Redis-protocol server over a {@link Store}, on Netty's codec-redis. Listens on 127.0.0.1 only. Commands run
 * on the I/O threads; their commits do not wait there one by one: the replies of a round of reads wait together
 * for one log write (as Redis writes its append-only file once per event-loop iteration).
 */
public final class RespServer implements AutoCloseable {
    private final EventLoopGroup boss, workers;
    private final Channel channel;

    private RespServer(Store store, Procedures procedures, int port, int threads) throws InterruptedException {
        RedisCommands commands = new RedisCommands(store, procedures);
        java.util.Map<io.netty.channel.EventLoop, OwedReplies> owed = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.function.Function<io.netty.channel.EventLoop, OwedReplies> owedOf = loop -> owed.computeIfAbsent(loop, l -> new OwedReplies(l, store));
        // Linux epoll when its native library loads (fewer system calls per read than NIO's selector), NIO otherwise.
        boolean epoll = io.netty.channel.epoll.Epoll.isAvailable();
        io.netty.channel.IoHandlerFactory handlers = epoll ? io.netty.channel.epoll.EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        boss = new MultiThreadIoEventLoopGroup(1, handlers);
        workers = new MultiThreadIoEventLoopGroup(threads, handlers);
        try {
            channel = new ServerBootstrap().group(boss, workers)
                    .channel(epoll ? io.netty.channel.epoll.EpollServerSocketChannel.class : NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new RedisDecoder(true), new RedisBulkStringAggregator(), new RedisArrayAggregator(),
                                    new RedisEncoder(), new RespHandler(commands, owedOf));
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
            throw e;
        }
    }

    /**
     * I/O threads by default: half the cores. A thread no longer blocks per commit (a round of reads shares one log
     * write, see {@link OwedReplies}), so more threads than that only contend; on two cores shared with
     * redis-benchmark one thread is fastest for reads and writes alike (GET 0.85x, SET 0.71x, HSET 0.79x of
     * redis-server's throughput; two threads 0.77x, 0.46x, 0.62x).
     */
    public static int defaultThreads() { return Math.max(1, Runtime.getRuntime().availableProcessors() / 2); }

    /** Starts a server; port 0 picks a free one (see {@link #port()}). */
    public static RespServer start(Store store, Procedures procedures, int port) throws InterruptedException {
        return start(store, procedures, port, defaultThreads());
    }

    public static RespServer start(Store store, Procedures procedures, int port, int threads) throws InterruptedException {
        if (threads < 1) throw new IllegalArgumentException("threads must be positive: " + threads);
        return new RespServer(store, procedures, port, threads);
    }

    public int port() { return ((InetSocketAddress) channel.localAddress()).getPort(); }

    /** Resolves when the server channel closes. */
    public void awaitClose() throws InterruptedException { channel.closeFuture().sync(); }

    @Override public void close() {
        // Bounded waits: a shutdown must end even if an event loop died abnormally and never reports termination.
        channel.close().awaitUninterruptibly(5, java.util.concurrent.TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly(10, java.util.concurrent.TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly(10, java.util.concurrent.TimeUnit.SECONDS);
    }
}
