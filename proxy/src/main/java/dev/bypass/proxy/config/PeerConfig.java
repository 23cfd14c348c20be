package dev.bypass.proxy.config;

import java.util.List;
import java.util.Map;

/** One entry of [peers]: another proxy process cancel requests carrying its peer id are forwarded to. */
public record PeerConfig(int id, String host, int port, Integer poolSize) {
    static final List<String> KEYS = List.of("host", "port", "pool_size");

    public static PeerConfig parse(String id, String connString) {
        int peer;
        try {
            peer = Integer.parseInt(id.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a peer id is a number between 1 and 16383, got " + id);
        }
        if (peer < 1 || peer > 16383) throw new IllegalArgumentException("a peer id is between 1 and 16383, is " + peer);
        Map<String, String> p = ConnString.parse(connString);
        for (String k : p.keySet())
            if (!KEYS.contains(k)) throw new IllegalArgumentException("unrecognized peer parameter " + k + " (known: " + String.join(", ", KEYS) + ")");
        if (!p.containsKey("host")) throw new IllegalArgumentException("a peer needs host=");
        return new PeerConfig(peer, p.get("host"), DatabaseConfig.intOf(p, "port", 6432, 1, 65535), DatabaseConfig.intOrNull(p, "pool_size", 1));
    }
}
