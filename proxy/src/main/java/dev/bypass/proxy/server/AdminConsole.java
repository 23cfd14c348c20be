package dev.bypass.proxy.server;

import dev.bypass.proxy.pool.Pool;
import dev.bypass.proxy.wire.*;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The admin console: simple-protocol commands on the virtual database, answered by the proxy itself. */
final class AdminConsole {
    private final ProxyServer proxy;

    AdminConsole(ProxyServer proxy) { this.proxy = proxy; }

    void handle(Channel ch, PgFrame frame) {
        if (frame.type() != Query.TYPE) {
            ch.write(ErrorResponse.of("ERROR", "0A000", "the admin console accepts only simple queries").encode(ch.alloc()));
            if (frame.type() == 'S') ch.write(new ReadyForQuery('I').encode(ch.alloc()));
            ch.flush();
            return;
        }
        String cmd = Query.decode(frame.body()).sql().strip().replaceAll(";+$", "").replaceAll("\\s+", " ").toUpperCase(Locale.ROOT);
        switch (cmd) {
            case "SHOW POOLS" -> perPool(ch, List.of("database", "user", "cl_active", "cl_waiting", "sv_active", "sv_idle", "sv_login",
                    "maxwait", "maxwait_us", "pool_mode"), (p, s) -> List.of(str(linkedClients(p)), str(s.waiting()), str(s.active()), str(s.idle()), str(s.opening()), str(s.maxWaitMicros() / 1_000_000),
                    str(s.maxWaitMicros() % 1_000_000), proxy.config().poolMode().name().toLowerCase(Locale.ROOT)));
            case "SHOW CLIENTS" -> {
                List<List<String>> rows = new ArrayList<>();
                for (ClientSession s : proxy.sessions().values()) {
                    rows.add(List.of(String.valueOf(s.processId), String.valueOf(s.user()), String.valueOf(s.database()),
                            s.currentServer() == null ? "idle" : "active"));
                }
                ResultSetWriter.write(ch, List.of("pid", "user", "database", "state"), rows, "SHOW");
            }
            case "SHOW SERVERS" -> perPool(ch, List.of("database", "user", "servers", "opened", "lost"),
                    (p, s) -> List.of(str(s.servers()), str(s.created()), str(s.lost())));
            // PgBouncer's names; a "query" is one request answered (a simple query or a batch up to its Sync).
            case "SHOW STATS" -> perPool(ch, List.of("database", "user", "total_xact_count", "total_query_count", "total_wait_time"),
                    (p, s) -> List.of(str(s.transactions()), str(s.requests()), str(s.waitMicros())));
            case "PAUSE" -> { proxy.pause(); ResultSetWriter.commandComplete(ch, "PAUSE"); }
            case "RESUME" -> { proxy.resume(); ResultSetWriter.commandComplete(ch, "RESUME"); }
            case "RELOAD" -> {
                try {
                    java.util.List<String> restart = proxy.reload();
                    if (!restart.isEmpty())
                        ch.write(NoticeResponse.of("WARNING", "01000", "RELOAD: changed settings that take effect only after a restart: "
                                + String.join(", ", restart)).encode(ch.alloc()));
                    ResultSetWriter.commandComplete(ch, "RELOAD");
                } catch (IllegalStateException | IllegalArgumentException | java.io.IOException e) {
                    ch.write(ErrorResponse.of("ERROR", "55000", "RELOAD: " + e.getMessage()).encode(ch.alloc()));
                }
            }
            // Drivers set session options at connect (application_name, extra_float_digits): accepted, no effect.
            case String s when s.startsWith("SET ") -> ResultSetWriter.commandComplete(ch, "SET");
            default -> ch.write(ErrorResponse.of("ERROR", "42601", "unknown admin command: " + cmd
                    + " (SHOW POOLS|CLIENTS|SERVERS|STATS, PAUSE, RESUME, RELOAD)").encode(ch.alloc()));
        }
        ch.writeAndFlush(new ReadyForQuery('I').encode(ch.alloc()));
    }

    /** Clients holding a server of {@code pool} (PgBouncer's cl_active). */
    private long linkedClients(Pool pool) {
        return proxy.sessions().values().stream().filter(c -> c.currentServer() != null && c.currentServer().pool() == pool).count();
    }

    /** One row per pool: its database and user, then {@code row}'s columns. */
    private void perPool(Channel ch, List<String> columns, java.util.function.BiFunction<Pool, Pool.Stats, List<String>> row) {
        List<List<String>> rows = new ArrayList<>();
        for (Pool p : proxy.pools()) {
            Pool.Stats s = p.stats();
            List<String> r = new ArrayList<>(List.of(s.key().database(), s.key().user()));
            r.addAll(row.apply(p, s));
            rows.add(r);
        }
        ResultSetWriter.write(ch, columns, rows, "SHOW");
    }

    private static String str(long v) { return Long.toString(v); }
}
