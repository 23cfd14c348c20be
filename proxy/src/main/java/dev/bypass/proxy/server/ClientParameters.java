package dev.bypass.proxy.server;

import dev.bypass.proxy.config.Settings;
import dev.bypass.proxy.wire.ParameterStatus;
import dev.bypass.proxy.wire.Query;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The server parameters one client sees. The proxy tracks some for it across the servers it gets (client_encoding,
 * DateStyle, TimeZone, ... and track_extra_parameters): what it asked for at start-up and what it SET since, set
 * again on each server whose values differ. What the client was last told is kept too, so that a server reporting
 * other values (another version, another setting) is announced to the client as ParameterStatus messages. Runs on
 * the session's event loop.
 */
final class ClientParameters {
    private final ProxyServer proxy;
    /** The tracked parameters' values for this client. */
    private final Map<String, String> tracked = new LinkedHashMap<>();
    /** The server parameters the client was last told. */
    private Map<String, String> told = Map.of();
    /**
     * A server's parameter set (the pool's shared immutable instance) last found to tell the client nothing new, and
     * one last found to need no SET: attaching another server with the same set then costs an identity test, where
     * comparing the maps and looking each tracked name up took a tenth of the event loop's user time at pgbench -S.
     * Cleared whenever what they were checked against changes.
     */
    private Map<String, String> toldAgrees, settingsAgree;

    ClientParameters(ProxyServer proxy) { this.proxy = proxy; }

    /** What the client asked for at start-up. */
    void requested(Map<String, String> startup) {
        tracked.putAll(startup);
        changed();
    }

    String get(String name, String otherwise) { return tracked.getOrDefault(name, otherwise); }

    void set(String name, String value) {
        tracked.put(name, value);
        changed();
    }

    private void changed() { toldAgrees = settingsAgree = null; }

    /** The client's encoding as far as the proxy knows (null when nobody said). */
    String clientEncoding() { return tracked.getOrDefault("client_encoding", told.get("client_encoding")); }

    boolean isTracked(String name) {
        for (String t : StartupParameters.TRACKED) if (t.equalsIgnoreCase(name)) return true;
        for (String t : proxy.config().get(Settings.TRACK_EXTRA_PARAMETERS)) if (t.equalsIgnoreCase(name)) return true;
        return false;
    }

    /** The server's parameters with the client's tracked values over them: what the client is told it has. */
    Map<String, String> withTracked(Map<String, String> serverParameters) {
        if (tracked.isEmpty()) return serverParameters;
        Map<String, String> out = new LinkedHashMap<>(serverParameters);
        for (var e : tracked.entrySet()) out.put(canonical(serverParameters, e.getKey()), e.getValue());
        return out;
    }

    /** The login's parameters, written to the client; the tracked ones among them are the client's from now on. */
    void toldAtLogin(Map<String, String> params, boolean track, Consumer<ByteBuf> out, ByteBufAllocator alloc) {
        told = params;
        changed();
        params.forEach((k, v) -> out.accept(new ParameterStatus(k, v).encode(alloc)));
        if (track) for (var e : params.entrySet()) if (isTracked(e.getKey())) tracked.put(e.getKey(), e.getValue());
    }

    /** A server with {@code serverParameters} was attached: where what the client sees differs, it is told. */
    void attached(Map<String, String> serverParameters, Consumer<ByteBuf> out, ByteBufAllocator alloc) {
        if (serverParameters == toldAgrees) return;
        if (serverParameters != told && !serverParameters.equals(told)) {
            Map<String, String> now = withTracked(serverParameters);
            Map<String, String> before = told;
            now.forEach((k, v) -> {
                if (!v.equals(before.get(k))) out.accept(new ParameterStatus(k, v).encode(alloc));
            });
            told = now;
        }
        toldAgrees = serverParameters; // the same set again would tell nothing more
    }

    /** The SET statements that give a server with {@code serverParameters} the client's tracked values, or null. */
    ByteBuf settingsFor(Map<String, String> serverParameters, ByteBufAllocator alloc) {
        if (tracked.isEmpty() || serverParameters == settingsAgree) return null;
        StringBuilder sql = null;
        for (var e : tracked.entrySet()) {
            String name = canonical(serverParameters, e.getKey());
            if (e.getValue().equals(serverParameters.get(name))) continue;
            if (sql == null) sql = new StringBuilder();
            sql.append(StartupParameters.setStatement(name, e.getValue())).append(';');
        }
        if (sql == null) settingsAgree = serverParameters;
        return sql == null ? null : new Query(sql.toString()).encode(alloc);
    }

    /**
     * The SET statements for the client's values ran on a server now holding {@code serverParameters}: the client's
     * values become the server's spelling of them ("ISO" set, "ISO, MDY" held). PostgreSQL reports a parameter only
     * when its value changes, so without this a client whose start-up value the server spells differently (pgjdbc's
     * DateStyle) would look different from every server and cost a SET on each transaction.
     */
    void settled(Map<String, String> serverParameters) {
        boolean differed = false;
        for (var e : tracked.entrySet()) {
            String held = serverParameters.get(canonical(serverParameters, e.getKey()));
            if (held != null && !held.equals(e.getValue())) {
                e.setValue(held);
                differed = true;
            }
        }
        if (differed) changed();
    }

    /** The server reported a parameter; {@code toClient}: the client sees it too (it is not a reply to the proxy's own SET). */
    void reported(ParameterStatus ps, boolean toClient) {
        if (isTracked(ps.name()) && !ps.value().equals(tracked.put(ps.name(), ps.value()))) changed();
        if (!toClient) return;
        changed();
        Map<String, String> now = new LinkedHashMap<>(told);
        now.put(ps.name(), ps.value());
        told = now;
    }

    /** The name the server reports a parameter under (DateStyle, TimeZone, ...), matched without regard to case. */
    private static String canonical(Map<String, String> parameters, String name) {
        for (String k : parameters.keySet()) if (k.equalsIgnoreCase(name)) return k;
        return name;
    }
}
