package dev.bypass.observability.metrics;

import com.sun.net.httpserver.HttpServer;

/**
 * Starts an HTTP server whose threads do not keep the JVM alive: an agent's endpoints must let the application
 * exit when it is done. The server's dispatcher thread inherits daemon status from the thread that starts it.
 */
public final class DaemonStart {
    private DaemonStart() {}

    public static void start(HttpServer server) {
        start(server, r -> {
            Thread t = new Thread(r, "bypass-http");
            t.setDaemon(true);
            t.start();
        });
    }

    /** Starts the server with requests handled by {@code executor} (whose threads should be daemons too). */
    public static void start(HttpServer server, java.util.concurrent.Executor executor) {
        server.setExecutor(executor);
        Thread starter = Thread.ofPlatform().daemon().name("bypass-http-start").unstarted(server::start);
        starter.start();
        try {
            starter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
