package dev.bypass.proxy.server;

import java.time.Duration;
import java.util.Map;

/**
 * Proxy settings. {@code users} maps user names to passwords: the proxy checks clients against it (unless
 * {@code clientAuth} is TRUST) and uses the same password when the server asks for one.
 */
public record ProxyConfig(String listenHost, int port, String backendHost, int backendPort, PoolMode poolMode,
                          int poolSize, int maxClients, Duration acquireTimeout, ClientAuth clientAuth,
                          Map<String, String> users) {
    public enum PoolMode { SESSION, TRANSACTION }

    public enum ClientAuth { TRUST, CLEARTEXT, MD5 }

    public ProxyConfig {
        users = Map.copyOf(users);
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port + " is out of range");
        if (poolSize < 1) throw new IllegalArgumentException("pool_size must be at least 1, is " + poolSize);
        if (maxClients < 1) throw new IllegalArgumentException("max_client_conn must be at least 1, is " + maxClients);
    }

    public static ProxyConfig defaults(int port, String backendHost, int backendPort) {
        return new ProxyConfig("127.0.0.1", port, backendHost, backendPort, PoolMode.TRANSACTION, 20, 1000,
                Duration.ofSeconds(30), ClientAuth.TRUST, Map.of());
    }

    public ProxyConfig withPoolMode(PoolMode mode) {
        return new ProxyConfig(listenHost, port, backendHost, backendPort, mode, poolSize, maxClients, acquireTimeout, clientAuth, users);
    }

    public ProxyConfig withPoolSize(int size) {
        return new ProxyConfig(listenHost, port, backendHost, backendPort, poolMode, size, maxClients, acquireTimeout, clientAuth, users);
    }

    public ProxyConfig withClientAuth(ClientAuth auth, Map<String, String> users) {
        return new ProxyConfig(listenHost, port, backendHost, backendPort, poolMode, poolSize, maxClients, acquireTimeout, auth, users);
    }
}
