package dev.bypass.cli;

import io.netty.channel.unix.Errors;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.Callable;

/**
 * Starting a server on a port the user chose: when the port is taken, one line names it and the option (or the
 * configuration key) that changes it, instead of the socket layer's "Address already in use".
 */
final class Listening {
    private Listening() {}

    /** Runs {@code start}; a failure to bind {@code host:port} becomes a {@link CliException} naming {@code option}. */
    static <T> T on(String host, int port, String option, Callable<T> start) throws Exception {
        try {
            return start.call();
        } catch (Exception e) {
            if (addressInUse(e)) throw inUse(host, port, option);
            throw e;
        }
    }

    /**
     * Fails now when {@code port} (not 0) is taken, for servers that bind only after a long start-up (PostgreSQL's);
     * the real bind may still lose a race, which {@link #on} reports the same way.
     */
    static void probe(String host, int port, String option) throws Exception {
        if (port != 0) on(host, port, option, () -> {
            new ServerSocket(port, 1, InetAddress.getByName(host)).close();
            return null;
        });
    }

    static CliException inUse(String host, int port, String option) {
        return new CliException("port " + port + " on " + host + " is already in use; choose another with " + option
                + (option.startsWith("--") ? " (0 picks a free one)" : ""), 1);
    }

    /** A bind refused with EADDRINUSE, by the JDK's sockets or Netty's native transports. */
    static boolean addressInUse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause())
            if (t instanceof BindException || t instanceof Errors.NativeIoException && String.valueOf(t.getMessage()).contains("Address already in use"))
                return true;
        return false;
    }
}
