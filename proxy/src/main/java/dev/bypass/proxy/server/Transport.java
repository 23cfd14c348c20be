package dev.bypass.proxy.server;

import dev.bypass.proxy.config.Settings.TransportKind;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
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
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringDomainSocketChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerDomainSocketChannel;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import io.netty.channel.unix.UnixChannelOption;
import java.io.IOException;
import java.util.Locale;

/**
 * The network transport, chosen once at start: io_uring where the kernel and the native library allow it (reads and
 * writes of a whole event-loop turn go to the kernel in one {@code io_uring_enter}), then epoll, then NIO (TCP only,
 * no Linux socket options). The {@code transport} key forces one; where it is {@code auto}, so may the system property
 * {@code bypass.proxy.transport} (the test suite runs under each transport that way). A forced transport that does
 * not load is an error naming why, never a silent fallback.
 *
 * <p>The number of event loops is {@code -Dbypass.proxy.threads} (default: one per two cores: pgbench-style load
 * leaves the other half to PostgreSQL and the clients); with one loop, client and server channels share a thread and
 * replies are written without crossing threads, as in PgBouncer's single-threaded design.
 */
public record Transport(TransportKind kind, EventLoopGroup group, Class<? extends ServerSocketChannel> serverChannel,
                        Class<? extends SocketChannel> socketChannel, Class<? extends ServerChannel> domainServerChannel,
                        Class<? extends Channel> domainChannel, String why) {

    /** The system property consulted where the {@code transport} key is {@code auto}. */
    public static final String PROPERTY = "bypass.proxy.transport";

    /** The transport {@code requested} (AUTO: the system property, else the first that loads) with its event loops. */
    public static Transport create(TransportKind requested) {
        int threads = Integer.getInteger("bypass.proxy.threads", Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
        TransportKind kind = requested == TransportKind.AUTO ? fromProperty() : requested;
        String why;
        if (kind == TransportKind.AUTO) {
            kind = IoUring.isAvailable() ? TransportKind.IO_URING : Epoll.isAvailable() ? TransportKind.EPOLL : TransportKind.NIO;
            why = switch (kind) {
                case IO_URING -> "auto: io_uring loads";
                case EPOLL -> "auto: io_uring does not load (" + cause(IoUring.unavailabilityCause()) + ")";
                default -> "auto: neither io_uring (" + cause(IoUring.unavailabilityCause()) + ") nor epoll (" + cause(Epoll.unavailabilityCause()) + ") loads";
            };
        } else {
            Throwable missing = switch (kind) {
                case IO_URING -> IoUring.unavailabilityCause();
                case EPOLL -> Epoll.unavailabilityCause();
                default -> null;
            };
            if (missing != null)
                throw new IllegalArgumentException("transport = " + name(kind) + ": not available here: " + cause(missing));
            why = "forced by " + (requested == TransportKind.AUTO ? "-D" + PROPERTY : "the transport key");
        }
        return switch (kind) {
            case IO_URING -> new Transport(kind, group(threads, IoUringIoHandler.newFactory()), IoUringServerSocketChannel.class,
                    IoUringSocketChannel.class, IoUringServerDomainSocketChannel.class, IoUringDomainSocketChannel.class, why);
            case EPOLL -> new Transport(kind, group(threads, EpollIoHandler.newFactory()), EpollServerSocketChannel.class,
                    EpollSocketChannel.class, EpollServerDomainSocketChannel.class, EpollDomainSocketChannel.class, why);
            default -> new Transport(TransportKind.NIO, group(threads, NioIoHandler.newFactory()), NioServerSocketChannel.class,
                    NioSocketChannel.class, null, null, why);
        };
    }

    private static TransportKind fromProperty() {
        String p = System.getProperty(PROPERTY, "auto").trim();
        for (TransportKind k : TransportKind.values()) if (name(k).equalsIgnoreCase(p)) return k;
        throw new IllegalArgumentException("-D" + PROPERTY + "=" + p + ": expected auto, io_uring, epoll or nio");
    }

    private static EventLoopGroup group(int threads, IoHandlerFactory factory) { return new MultiThreadIoEventLoopGroup(threads, factory); }

    private static String cause(Throwable t) {
        if (t == null) return "no reason given";
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root == t ? String.valueOf(t.getMessage()) : t.getMessage() + ": " + root.getMessage();
    }

    /** The spelling of the configuration key. */
    public static String name(TransportKind k) { return k.name().toLowerCase(Locale.ROOT); }

    /** One line for the log: which transport, why, and how many event loops. */
    public String describe() {
        int loops = 0;
        for (var ignored : group) loops++;
        return "transport " + name(kind) + " (" + why + "), " + loops + " event loop" + (loops == 1 ? "" : "s");
    }

    /** Whether Unix sockets can be used (io_uring or epoll). */
    public boolean unixSockets() { return domainChannel != null; }

    /** Whether the Linux socket options (SO_REUSEPORT, TCP_DEFER_ACCEPT, TCP_KEEP*, TCP_USER_TIMEOUT) can be set. */
    public boolean linuxOptions() { return kind != TransportKind.NIO; }

    public ChannelOption<Boolean> reusePort() { return UnixChannelOption.SO_REUSEPORT; }

    public ChannelOption<Integer> deferAccept() { return kind == TransportKind.IO_URING ? IoUringChannelOption.TCP_DEFER_ACCEPT : EpollChannelOption.TCP_DEFER_ACCEPT; }

    public ChannelOption<Integer> keepIdle() { return kind == TransportKind.IO_URING ? IoUringChannelOption.TCP_KEEPIDLE : EpollChannelOption.TCP_KEEPIDLE; }

    public ChannelOption<Integer> keepInterval() { return kind == TransportKind.IO_URING ? IoUringChannelOption.TCP_KEEPINTVL : EpollChannelOption.TCP_KEEPINTVL; }

    public ChannelOption<Integer> keepCount() { return kind == TransportKind.IO_URING ? IoUringChannelOption.TCP_KEEPCNT : EpollChannelOption.TCP_KEEPCNT; }

    public ChannelOption<Integer> userTimeout() { return kind == TransportKind.IO_URING ? IoUringChannelOption.TCP_USER_TIMEOUT : EpollChannelOption.TCP_USER_TIMEOUT; }

    /** The credentials of a Unix socket's peer, or null (not a Unix socket, or the kernel would not say). */
    public static PeerCredentials peerCredentials(Channel ch) {
        try {
            if (ch instanceof IoUringDomainSocketChannel d) return d.peerCredentials();
            if (ch instanceof EpollDomainSocketChannel d) return d.peerCredentials();
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
