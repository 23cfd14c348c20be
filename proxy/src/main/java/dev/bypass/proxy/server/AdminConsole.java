package dev.bypass.proxy.server;

import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.hooks.HookPrograms;
import static dev.bypass.proxy.wire.ResultSetWriter.Column.int4;
import static dev.bypass.proxy.wire.ResultSetWriter.Column.int8;
import static dev.bypass.proxy.wire.ResultSetWriter.Column.numeric;
import static dev.bypass.proxy.wire.ResultSetWriter.Column.text;

import dev.bypass.proxy.config.DatabaseConfig;
import dev.bypass.proxy.config.PeerConfig;
import dev.bypass.proxy.config.Setting;
import dev.bypass.proxy.config.Settings;
import dev.bypass.proxy.config.UserConfig;
import dev.bypass.proxy.pool.Pool;
import dev.bypass.proxy.pool.PoolStats;
import dev.bypass.proxy.pool.ServerConnection;
import dev.bypass.proxy.wire.ErrorResponse;
import dev.bypass.proxy.wire.MessageType.Frontend;
import dev.bypass.proxy.wire.NoticeResponse;
import dev.bypass.proxy.wire.PgFrame;
import dev.bypass.proxy.wire.Query;
import dev.bypass.proxy.wire.ReadyForQuery;
import dev.bypass.proxy.wire.ResultSetWriter;
import dev.bypass.proxy.wire.ResultSetWriter.Column;
import io.netty.channel.Channel;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The admin console: PgBouncer's commands on the virtual database {@code pgbouncer} (also {@code bypass}), simple
 * protocol only, with PgBouncer's column names and types so its tools (pgbouncer_exporter, monitoring checks) read
 * the answers unchanged. One table of commands; each says whether it needs admin_users rights (stats_users may only
 * SHOW). Commands that wait (PAUSE, WAIT_CLOSE) answer when what they wait for is done.
 */
final class AdminConsole {
    /** What a console login is told: PgBouncer's welcome, under a server_version PostgreSQL drivers accept. */
    static final Map<String, String> PARAMETERS = Map.of("server_version", "17.0 (PgBouncer 1.24.1 compatible admin console)",
            "client_encoding", "UTF8", "server_encoding", "UTF8", "DateStyle", "ISO", "TimeZone", "GMT",
            "standard_conforming_strings", "on", "is_superuser", "on", "integer_datetimes", "on");

    /** What SHOW VERSION answers: the PgBouncer release whose console this one follows. */
    static final String VERSION = "PgBouncer 1.24.1 (Bypass)";

    private final ProxyServer proxy;

    /** One command: its name, whether it needs admin_users rights, and what it does with its argument (may be empty). */
    private record Command(String name, boolean admin, Action action) {}

    @FunctionalInterface
    private interface Action { void run(ClientSession session, Channel ch, String arg); }

    private final Map<String, Command> commands = new LinkedHashMap<>();
    private final Map<String, Action> shows = new LinkedHashMap<>();

    AdminConsole(ProxyServer proxy) {
        this.proxy = proxy;
        for (Command c : List.of(
                new Command("show", false, this::show),
                new Command("select", false, this::show),
                new Command("reload", true, (s, ch, a) -> {
                    if (a.isEmpty()) {
                        reload(ch);
                    } else {
                        error(ch, "42601", "this command takes no argument");
                        ready(ch);
                    }
                }),
                new Command("pause", true, this::pause),
                new Command("resume", true, this::resume),
                new Command("suspend", true, (s, ch, a) -> noArgument(ch, a, () -> suspend(ch))),
                new Command("disable", true, (s, ch, a) -> database(ch, a, "DISABLE", db -> proxy.disable(db, true))),
                new Command("enable", true, (s, ch, a) -> database(ch, a, "ENABLE", db -> proxy.disable(db, false))),
                new Command("reconnect", true, this::reconnect),
                new Command("kill", true, this::kill),
                new Command("kill_client", true, this::killClient),
                new Command("shutdown", true, this::shutdown),
                new Command("wait_close", true, this::waitClose)))
            commands.put(c.name(), c);
        shows.put("help", (s, ch, a) -> help(ch));
        shows.put("config", (s, ch, a) -> config(ch));
        shows.put("databases", (s, ch, a) -> databases(ch));
        shows.put("fds", (s, ch, a) -> fds(s, ch));
        shows.put("lists", (s, ch, a) -> lists(ch));
        shows.put("peers", (s, ch, a) -> peers(ch));
        shows.put("peer_pools", (s, ch, a) -> peerPools(ch));
        shows.put("pools", (s, ch, a) -> pools(ch));
        shows.put("clients", (s, ch, a) -> sockets(ch, true, false, false));
        shows.put("servers", (s, ch, a) -> sockets(ch, false, true, false));
        shows.put("sockets", (s, ch, a) -> sockets(ch, true, true, true));
        shows.put("active_sockets", (s, ch, a) -> sockets(ch, true, true, true));
        shows.put("stats", (s, ch, a) -> stats(ch, true, true));
        shows.put("stats_totals", (s, ch, a) -> stats(ch, true, false));
        shows.put("stats_averages", (s, ch, a) -> stats(ch, false, true));
        shows.put("totals", (s, ch, a) -> totals(ch));
        shows.put("users", (s, ch, a) -> users(ch));
        shows.put("version", (s, ch, a) -> single(ch, "version", VERSION));
        shows.put("mem", (s, ch, a) -> mem(ch));
        shows.put("dns_hosts", (s, ch, a) -> ResultSetWriter.writeTyped(ch, List.of(text("hostname"), int8("ttl"), text("addrs")), List.of(), "SHOW"));
        shows.put("dns_zones", (s, ch, a) -> ResultSetWriter.writeTyped(ch, List.of(text("zonename"), int8("serial"), int4("count")), List.of(), "SHOW"));
        shows.put("state", (s, ch, a) -> state(ch));
        shows.put("programs", (s, ch, a) -> table(ch, programs().showPrograms()));
        shows.put("maps", (s, ch, a) -> table(ch, programs().showMaps()));
    }

    /** Parameters the console pretends to have, for clients that look at them (PgBouncer's list). */
    private static final Map<String, String> FAKE = Map.of("client_encoding", "UTF-8", "default_transaction_isolation", "read committed",
            "standard_conforming_strings", "on", "datestyle", "ISO", "timezone", "GMT");

    private static final String WORD = "(\"(?:[^\"]|\"\")+\"|[0-9a-zA-Z_]+)";
    private static final Pattern COMMAND = Pattern.compile("^\\s*" + WORD + "(?:\\s+" + WORD + ")?\\s*(?:;\\s*)?$");
    private static final Pattern SET = Pattern.compile("^\\s*set\\s+" + WORD + "\\s*(?:=|\\s+to\\s+)\\s*('(?:[^']|'')*'|" + WORD + ")\\s*(?:;\\s*)?$",
            Pattern.CASE_INSENSITIVE);

    /** SHOW MAP name; SET MAP name key value (the key and value as one word each, or quoted). */
    private static final String ARG = "('(?:[^']|'')*'|x'[0-9a-fA-F]*'|[^\\s;']+)";
    private static final Pattern SHOW_MAP = Pattern.compile("^\\s*show\\s+map\\s+" + WORD + "\\s*(?:;\\s*)?$", Pattern.CASE_INSENSITIVE);
    private static final Pattern SET_MAP = Pattern.compile("^\\s*set\\s+map\\s+" + WORD + "\\s+" + ARG + "\\s+" + ARG + "\\s*(?:;\\s*)?$",
            Pattern.CASE_INSENSITIVE);

    private HookPrograms programs() {
        if (proxy.queryHook() instanceof HookPrograms p) return p;
        throw new IllegalStateException("this proxy runs the bundled query_guard object; programs come from a [programs] section");
    }

    private static void table(Channel ch, HookPrograms.Table t) { ResultSetWriter.writeTyped(ch, t.columns(), t.rows(), "SHOW"); }

    private static String mapArgument(String a) {
        return a.length() >= 2 && a.startsWith("'") && a.endsWith("'") ? a.substring(1, a.length() - 1).replace("''", "'") : a;
    }

    /** What a user may do on the console: everything (admin_users), look (stats_users), or nothing. */
    enum Access { ADMIN, STATS, NONE }

    /** The console access of {@code user} (with auth_type = any everyone is an admin, as in PgBouncer). */
    static Access access(ProxyConfig config, String user) {
        boolean any = config.authType() == Settings.AuthType.ANY;
        if (any || config.get(Settings.ADMIN_USERS).contains(user)) return Access.ADMIN;
        return config.get(Settings.STATS_USERS).contains(user) ? Access.STATS : Access.NONE;
    }

    /** A console session's message: a simple query runs a command; anything else ends the session. */
    void handle(ClientSession session, PgFrame frame) {
        Channel ch = session.channel();
        if (frame.type() != Query.TYPE) {
            byte type = frame.type();
            boolean extended = type == Frontend.PARSE || type == Frontend.BIND || type == Frontend.EXECUTE;
            ch.writeAndFlush(ErrorResponse.of("FATAL", "0A000", extended ? "extended query protocol not supported by admin console"
                    : "unsupported message type for admin console: '" + (char) frame.type() + "'").encode(ch.alloc()))
                    .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
            return;
        }
        String sql = Query.decode(frame.body()).sql();
        try {
            if (!dispatch(session, ch, sql)) return; // answers later
        } catch (IllegalArgumentException | IllegalStateException e) {
            error(ch, "22023", e.getMessage());
        } catch (java.io.IOException e) {
            error(ch, "58030", e.getMessage());
        }
        ch.writeAndFlush(new ReadyForQuery(ReadyForQuery.IDLE).encode(ch.alloc()));
    }

    /** Runs one command; false when it answers later (then it writes its own ReadyForQuery). */
    private boolean dispatch(ClientSession session, Channel ch, String sql) throws java.io.IOException {
        Matcher showMap = SHOW_MAP.matcher(sql);
        if (showMap.matches()) {
            table(ch, programs().showMap(unquote(showMap.group(1), '"')));
            return true;
        }
        Matcher setMap = SET_MAP.matcher(sql);
        if (setMap.matches()) {
            if (!session.adminPrivileged()) {
                error(ch, "42501", "admin access needed");
                return true;
            }
            String name = unquote(setMap.group(1), '"');
            programs().setMap(name, mapArgument(setMap.group(2)), mapArgument(setMap.group(3)));
            proxy.log().info(session.prefix() + "console: " + sql.strip());
            ResultSetWriter.commandComplete(ch, "SET MAP");
            return true;
        }
        Matcher set = SET.matcher(sql);
        if (set.matches()) {
            set(session, ch, unquote(set.group(1), '"'), set.group(2).startsWith("'") ? unquote(set.group(2), '\'') : unquote(set.group(2), '"'));
            return true;
        }
        Matcher m = COMMAND.matcher(sql);
        if (!m.matches()) {
            error(ch, "42601", "invalid command '" + sql.strip() + "', use SHOW HELP;");
            return true;
        }
        String name = unquote(m.group(1), '"').toLowerCase(Locale.ROOT), arg = m.group(2) == null ? "" : unquote(m.group(2), '"');
        Command c = commands.get(name);
        if (c == null) {
            error(ch, "42601", "invalid command '" + sql.strip() + "', use SHOW HELP;");
            return true;
        }
        if ((c.admin() || name.equals("show") && arg.equalsIgnoreCase("fds")) && !session.adminPrivileged()) {
            error(ch, "42501", "admin access needed");
            return true;
        }
        proxy.log().info(session.prefix() + "console: " + sql.strip());
        if (WAITING.contains(name)) {
            c.action().run(session, ch, arg);
            return false;
        }
        c.action().run(session, ch, arg);
        return true;
    }

    private static final java.util.Set<String> WAITING = java.util.Set.of("pause", "wait_close", "reload");

    private static String unquote(String s, char quote) {
        if (s.length() >= 2 && s.charAt(0) == quote && s.charAt(s.length() - 1) == quote)
            return s.substring(1, s.length() - 1).replace(String.valueOf(quote) + quote, String.valueOf(quote));
        return s;
    }

    private static void error(Channel ch, String sqlState, String message) {
        ch.write(ErrorResponse.of("ERROR", sqlState, message).encode(ch.alloc()));
    }

    private static void noArgument(Channel ch, String arg, Runnable r) {
        if (!arg.isEmpty()) error(ch, "42601", "this command takes no argument");
        else r.run();
    }

    // ---- SHOW ----

    private void show(ClientSession session, Channel ch, String arg) {
        String what = arg.toLowerCase(Locale.ROOT);
        for (var f : FAKE.entrySet()) {
            if (f.getKey().equalsIgnoreCase(arg)) {
                single(ch, f.getKey(), f.getValue());
                return;
            }
        }
        Action a = shows.get(what);
        if (a == null) {
            error(ch, "42601", "invalid command 'SHOW " + arg + "', use SHOW HELP;");
            return;
        }
        a.run(session, ch, "");
    }

    private static void single(Channel ch, String column, String value) {
        ResultSetWriter.writeTyped(ch, List.of(text(column)), List.of(List.of(value)), "SHOW");
    }

    private void help(Channel ch) {
        ch.write(NoticeResponse.of("NOTICE", "00000", "Console usage", "\n\tSHOW HELP|CONFIG|DATABASES|POOLS|CLIENTS|SERVERS|USERS|VERSION\n"
                + "\tSHOW PEERS|PEER_POOLS\n\tSHOW FDS|SOCKETS|ACTIVE_SOCKETS|LISTS|MEM|STATE\n\tSHOW DNS_HOSTS|DNS_ZONES\n"
                + "\tSHOW STATS|STATS_TOTALS|STATS_AVERAGES|TOTALS\n\tSHOW PROGRAMS|MAPS\n\tSHOW MAP <name>\n\tSET MAP <name> <key> <value>\n\tSET key = arg\n\tRELOAD\n\tPAUSE [<db>]\n\tRESUME [<db>]\n"
                + "\tDISABLE <db>\n\tENABLE <db>\n\tRECONNECT [<db>]\n\tKILL <db>\n\tKILL_CLIENT <client_id>\n\tSUSPEND\n\tSHUTDOWN\n"
                + "\tSHUTDOWN WAIT_FOR_SERVERS|WAIT_FOR_CLIENTS\n\tWAIT_CLOSE [<db>]").encode(ch.alloc()));
        ResultSetWriter.commandComplete(ch, "SHOW");
    }

    private void config(Channel ch) {
        ProxyConfig c = proxy.config();
        List<List<String>> rows = new ArrayList<>();
        for (Setting<?> s : Settings.all()) {
            String value = s == Settings.CONFFILE && !c.isSet(s) ? (c.file() == null ? "" : c.file().toString()) : c.text(s);
            rows.add(List.of(s.name(), value, s.defaultText() == null ? "" : s.defaultText(), s.reloadable() ? "yes" : "no"));
        }
        ResultSetWriter.writeTyped(ch, List.of(text("key"), text("value"), text("default"), text("changeable")), rows, "SHOW");
    }

    /** Databases: the configured ones, those made from "*" that have pools, and the console itself. */
    private void databases(Channel ch) {
        ProxyConfig c = proxy.config();
        Map<String, DatabaseConfig> shown = new LinkedHashMap<>();
        for (var e : c.databases().entrySet()) if (!e.getKey().equals(DatabaseConfig.AUTO)) shown.put(e.getKey(), e.getValue());
        for (Pool p : proxy.pools()) shown.computeIfAbsent(p.key().database(), c::database);
        List<List<String>> rows = new ArrayList<>();
        for (DatabaseConfig d : shown.values()) {
            if (d == null) continue;
            int poolSize = d.poolSize() != null ? d.poolSize() : c.poolSize();
            int maxDb = d.maxDbConnections() != null ? d.maxDbConnections() : c.get(Settings.MAX_DB_CONNECTIONS);
            int maxClients = d.maxDbClientConnections() != null ? d.maxDbClientConnections() : c.get(Settings.MAX_DB_CLIENT_CONNECTIONS);
            rows.add(java.util.Arrays.asList(d.name(), d.hosts().isEmpty() ? null : String.join(",", d.hosts()), str(d.port()), d.dbname(),
                    d.forcedUser(), str(poolSize), str(d.minPoolSize() != null ? d.minPoolSize() : c.get(Settings.MIN_POOL_SIZE)),
                    str(d.reservePoolSize() != null ? d.reservePoolSize() : c.get(Settings.RESERVE_POOL_SIZE)),
                    str((d.serverLifetime() != null ? d.serverLifetime() : c.get(Settings.SERVER_LIFETIME)).toSeconds()),
                    d.poolMode() == null ? null : Setting_lower(d.poolMode()), d.hosts().size() > 1 ? (d.loadBalance() ? "round-robin" : "disable") : null,
                    str(maxDb), str(proxy.caps().servers(d.name())), str(maxClients), str(proxy.clientsOf(d.name())),
                    proxy.databasePaused(d.name()) ? "1" : "0", proxy.databaseDisabled(d.name()) ? "1" : "0"));
        }
        rows.add(java.util.Arrays.asList(ProxyServer.PGBOUNCER_DATABASE, null, str(c.port()), ProxyServer.PGBOUNCER_DATABASE, ProxyServer.PGBOUNCER_DATABASE,
                "2", "0", "0", str(c.get(Settings.SERVER_LIFETIME).toSeconds()), "statement", null, "0", "0", "0",
                str(proxy.sessions().values().stream().filter(ClientSession::isAdmin).count()), "0", "0"));
        ResultSetWriter.writeTyped(ch, List.of(text("name"), text("host"), int4("port"), text("database"), text("force_user"), int4("pool_size"),
                int4("min_pool_size"), int4("reserve_pool_size"), int4("server_lifetime"), text("pool_mode"), text("load_balance_hosts"),
                int4("max_connections"), int4("current_connections"), int4("max_client_connections"), int4("current_client_connections"),
                int4("paused"), int4("disabled")), rows, "SHOW");
    }

    private static String Setting_lower(Enum<?> e) { return e.name().toLowerCase(Locale.ROOT); }

    private void lists(Channel ch) {
        ProxyConfig c = proxy.config();
        long servers = proxy.pools().stream().mapToLong(p -> p.stats().servers()).sum();
        java.util.Set<String> users = new java.util.HashSet<>(c.secrets().keySet());
        users.addAll(c.users().keySet());
        java.util.Set<String> dbs = new java.util.HashSet<>(c.databases().keySet());
        dbs.remove(DatabaseConfig.AUTO);
        for (Pool p : proxy.pools()) dbs.add(p.key().database());
        List<List<String>> rows = new ArrayList<>();
        for (Object[] r : new Object[][] {{"databases", dbs.size() + 1}, {"users", users.size()}, {"peers", c.peers().size()},
                {"pools", proxy.pools().size()}, {"peer_pools", 0}, {"free_clients", 0},
                {"used_clients", proxy.sessions().size() - proxy.loginCount()}, {"login_clients", proxy.loginCount()}, {"free_servers", 0},
                {"used_servers", servers}, {"dns_names", 0}, {"dns_zones", 0}, {"dns_queries", 0}, {"dns_pending", 0}})
            rows.add(List.of((String) r[0], String.valueOf(r[1])));
        ResultSetWriter.writeTyped(ch, List.of(text("list"), int4("items")), rows, "SHOW");
    }

    private void peers(Channel ch) {
        ProxyConfig c = proxy.config();
        List<List<String>> rows = new ArrayList<>();
        for (PeerConfig p : c.peers().values())
            rows.add(List.of(str(p.id()), p.host(), str(p.port()), str(p.poolSize() != null ? p.poolSize() : c.poolSize())));
        ResultSetWriter.writeTyped(ch, List.of(int4("peer_id"), text("host"), int4("port"), int4("pool_size")), rows, "SHOW");
    }

    private void peerPools(Channel ch) {
        List<List<String>> rows = new ArrayList<>();
        for (PeerConfig p : proxy.config().peers().values()) rows.add(List.of(str(p.id()), "0", "0", "0", "0"));
        ResultSetWriter.writeTyped(ch, List.of(int4("peer_id"), int4("cl_active_cancel_req"), int4("cl_waiting_cancel_req"),
                int4("sv_active_cancel"), int4("sv_login")), rows, "SHOW");
    }

    private void pools(Channel ch) {
        ProxyConfig c = proxy.config();
        Map<Pool, int[]> clients = new java.util.HashMap<>();
        for (ClientSession s : proxy.sessions().values()) {
            Pool p = s.poolIfAny();
            if (p == null || s.phase() != ClientSession.Phase.READY) continue;
            int[] n = clients.computeIfAbsent(p, k -> new int[2]);
            if (s.state().equals("waiting")) n[1]++;
            else n[0]++;
        }
        List<List<String>> rows = new ArrayList<>();
        for (Pool p : proxy.pools()) {
            if (p.key().backend() < 0) continue;
            Pool.Stats s = p.stats();
            int[] n = clients.getOrDefault(p, new int[2]);
            DatabaseConfig d = c.database(p.key().database());
            String mode = Setting_lower(c.poolMode(d, p.key().user()));
            rows.add(java.util.Arrays.asList(s.key().database(), s.key().user(), str(n[0]), str(Math.max(n[1], s.waiting())), "0", "0",
                    str(s.active()), "0", "0", str(s.idle()), str(s.used()), str(s.tested()), str(s.opening()), str(s.maxWaitMicros() / 1_000_000),
                    str(s.maxWaitMicros() % 1_000_000), mode, d != null && d.hosts().size() > 1 ? (d.loadBalance() ? "round-robin" : "disable") : null));
        }
        ResultSetWriter.writeTyped(ch, List.of(text("database"), text("user"), int4("cl_active"), int4("cl_waiting"), int4("cl_active_cancel_req"),
                int4("cl_waiting_cancel_req"), int4("sv_active"), int4("sv_active_cancel"), int4("sv_being_canceled"), int4("sv_idle"),
                int4("sv_used"), int4("sv_tested"), int4("sv_login"), int4("maxwait"), int4("maxwait_us"), text("pool_mode"),
                text("load_balance_hosts")), rows, "SHOW");
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z", Locale.ROOT).withZone(ZoneOffset.UTC);

    private static final List<Column> SOCKET_COLUMNS = List.of(text("type"), text("user"), text("database"), text("replication"), text("state"),
            text("addr"), int4("port"), text("local_addr"), int4("local_port"), text("connect_time"), text("request_time"), int4("wait"),
            int4("wait_us"), int4("close_needed"), text("ptr"), text("link"), int4("remote_pid"), text("tls"), text("application_name"),
            int4("prepared_statements"), int4("id"));
    private static final List<Column> SOCKET_DEBUG_COLUMNS = List.of(int4("recv_pos"), int4("pkt_pos"), int4("pkt_remain"), int4("send_pos"),
            int4("send_remain"), int4("pkt_avail"), int4("send_avail"));

    /** SHOW CLIENTS, SERVERS, SOCKETS: one row per connection, PgBouncer's columns. */
    private void sockets(Channel ch, boolean clients, boolean servers, boolean debug) {
        List<List<String>> rows = new ArrayList<>();
        if (clients) {
            for (ClientSession s : proxy.sessions().values()) {
                if (s.channel() == null) continue;
                ServerConnection server = s.currentServer();
                long wait = s.waitingMicros();
                List<String> row = new ArrayList<>(java.util.Arrays.asList("C", s.user() == null ? "(nouser)" : s.user(),
                        s.database() == null ? "(nodb)" : s.database(), "none", debug ? "cl_" + s.state() : s.state(), host(s.channel().remoteAddress()),
                        str(port(s.channel().remoteAddress())), host(s.channel().localAddress()), str(port(s.channel().localAddress())),
                        TIME.format(Instant.ofEpochMilli(s.openedMillis)), TIME.format(Instant.ofEpochMilli(s.lastRequestMillis())),
                        str(wait / 1_000_000), str(wait % 1_000_000), "0", ptr('C', s.processId), server == null ? "" : ptr('S', server.id()), "0",
                        s.tls() ? "TLS" : "", s.applicationName(), str(s.preparedStatementCount()), str(s.processId)));
                if (debug) for (int i = 0; i < SOCKET_DEBUG_COLUMNS.size(); i++) row.add("0");
                rows.add(row);
            }
        }
        if (servers) {
            for (Pool p : proxy.pools()) {
                for (ServerConnection s : p.servers()) {
                    var a = s.channel();
                    ServerConnection.ServerUser holder = s.holder();
                    List<String> row = new ArrayList<>(java.util.Arrays.asList("S", p.key().user(), p.key().database(), "none",
                            debug ? "sv_" + s.stateName() : s.stateName(), a == null ? "" : host(a.remoteAddress()), a == null ? "0" : str(port(a.remoteAddress())),
                            a == null ? "" : host(a.localAddress()), a == null ? "0" : str(port(a.localAddress())),
                            TIME.format(Instant.ofEpochMilli(s.createdMillis())), TIME.format(Instant.ofEpochMilli(s.lastUsedMillis())), "0", "0",
                            s.closeNeeded() ? "1" : "0", ptr('S', s.id()), holder instanceof ClientSession c ? ptr('C', c.processId) : "",
                            s.key() == null ? "0" : str(s.key().processId()), s.tlsDescription(),
                            holder instanceof ClientSession c ? c.applicationName() : "", str(s.preparedCount()), str(s.id())));
                    if (debug) for (int i = 0; i < SOCKET_DEBUG_COLUMNS.size(); i++) row.add("0");
                    rows.add(row);
                }
            }
        }
        List<Column> columns = new ArrayList<>(SOCKET_COLUMNS);
        if (debug) columns.addAll(SOCKET_DEBUG_COLUMNS);
        ResultSetWriter.writeTyped(ch, columns, rows, "SHOW");
    }

    private static String ptr(char kind, int id) { return "0x" + (kind == 'C' ? "c" : "5") + String.format("%07x", id); }

    private static String host(java.net.SocketAddress a) {
        return a instanceof java.net.InetSocketAddress i ? i.getAddress().getHostAddress() : "unix";
    }

    private static int port(java.net.SocketAddress a) { return a instanceof java.net.InetSocketAddress i ? i.getPort() : 0; }

    private static final String[] TOTAL_NAMES = {"server_assignment_count", "xact_count", "query_count", "received", "sent", "xact_time",
            "query_time", "wait_time", "client_parse_count", "server_parse_count", "bind_count"};
    private static final String[] TOTALS_COLUMNS = {"server_assignment_count", "xact_count", "query_count", "bytes_received", "bytes_sent",
            "xact_time", "query_time", "wait_time", "client_parse_count", "server_parse_count", "bind_count"};
    private static final String[] AVERAGES_COLUMNS = {"server_assignment_count", "xact_count", "query_count", "bytes_received", "bytes_sent",
            "xact_time", "query_time", "wait_time", "avg_client_parse_count", "avg_server_parse_count", "avg_bind_count"};
    private static final String[] AVG_NAMES = {"server_assignment_count", "xact_count", "query_count", "recv", "sent", "xact_time",
            "query_time", "wait_time", "client_parse_count", "server_parse_count", "bind_count"};

    /** SHOW STATS (totals and averages), STATS_TOTALS, STATS_AVERAGES: per database, PgBouncer's columns, numeric. */
    private void stats(Channel ch, boolean totals, boolean averages) {
        List<Column> columns = new ArrayList<>(List.of(text("database")));
        if (totals && averages) {
            for (String n : TOTAL_NAMES) columns.add(numeric("total_" + n));
            for (String n : AVG_NAMES) columns.add(numeric("avg_" + n));
        } else {
            for (String n : totals ? TOTALS_COLUMNS : AVERAGES_COLUMNS) columns.add(numeric(n));
        }
        List<List<String>> rows = new ArrayList<>();
        for (var e : proxy.totalsByDatabase().entrySet()) {
            List<String> row = new ArrayList<>(List.of(e.getKey()));
            if (totals) for (long v : e.getValue().values()) row.add(str(v));
            if (averages) for (long v : proxy.averages(e.getKey()).values()) row.add(str(v));
            rows.add(row);
        }
        ResultSetWriter.writeTyped(ch, columns, rows, "SHOW");
    }

    private void totals(Channel ch) {
        PoolStats.Totals sum = PoolStats.Totals.ZERO;
        for (PoolStats.Totals t : proxy.totalsByDatabase().values()) sum = sum.plus(t);
        long[] totals = sum.values(), avg = proxy.averages("").values();
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < TOTAL_NAMES.length; i++) rows.add(List.of("total_" + TOTAL_NAMES[i], str(totals[i])));
        for (int i = 0; i < AVG_NAMES.length; i++) rows.add(List.of("avg_" + AVG_NAMES[i], str(avg[i])));
        ResultSetWriter.writeTyped(ch, List.of(text("name"), numeric("value")), rows, "SHOW");
    }

    /** Users: those of auth_file and [users], with their overrides and connection counts. */
    private void users(Channel ch) {
        ProxyConfig c = proxy.config();
        java.util.Set<String> names = new java.util.TreeSet<>(c.secrets().keySet());
        names.addAll(c.users().keySet());
        for (Pool p : proxy.pools()) names.add(p.key().user());
        List<List<String>> rows = new ArrayList<>();
        for (String n : names) {
            UserConfig u = c.user(n);
            int maxServers = u != null && u.maxUserConnections() != null ? u.maxUserConnections() : c.get(Settings.MAX_USER_CONNECTIONS);
            int maxClients = u != null && u.maxUserClientConnections() != null ? u.maxUserClientConnections() : c.get(Settings.MAX_USER_CLIENT_CONNECTIONS);
            rows.add(java.util.Arrays.asList(n, u != null && u.poolSize() != null ? str(u.poolSize()) : "",
                    u != null && u.reservePoolSize() != null ? str(u.reservePoolSize()) : "", u != null && u.poolMode() != null ? Setting_lower(u.poolMode()) : null,
                    str(maxServers), str(proxy.caps().userServers(n)), str(maxClients), str(proxy.clientsOfUser(n))));
        }
        ResultSetWriter.writeTyped(ch, List.of(text("name"), text("pool_size"), text("reserve_pool_size"), text("pool_mode"),
                int4("max_user_connections"), int4("current_connections"), int4("max_user_client_connections"),
                int4("current_client_connections")), rows, "SHOW");
    }

    /**
     * SHOW MEM: PgBouncer lists its object caches; here the same names count the live objects, and two more rows
     * give the buffer budget and the JVM heap (size 1, amounts in bytes, capped at int4).
     */
    private void mem(Channel ch) {
        long clients = proxy.sessions().size(), servers = proxy.pools().stream().mapToLong(p -> p.stats().servers()).sum();
        Runtime rt = Runtime.getRuntime();
        long heapUsed = rt.totalMemory() - rt.freeMemory();
        var budget = proxy.budget();
        List<List<String>> rows = List.of(
                List.of("user_cache", "0", str(proxy.config().secrets().size()), "0", "0"),
                List.of("db_cache", "0", str(proxy.config().databases().size()), "0", "0"),
                List.of("pool_cache", "0", str(proxy.pools().size()), "0", "0"),
                List.of("server_cache", "0", str(servers), "0", "0"),
                List.of("client_cache", "0", str(clients), "0", "0"),
                List.of("buffer_budget", "1", int4Of(budget.held()), int4Of(budget.limit() - budget.held()), int4Of(budget.limit())),
                List.of("jvm_heap", "1", int4Of(heapUsed), int4Of(rt.maxMemory() - heapUsed), int4Of(rt.maxMemory())));
        ResultSetWriter.writeTyped(ch, List.of(text("name"), int4("size"), int4("used"), int4("free"), int4("memtotal")), rows, "SHOW");
    }

    private static String int4Of(long v) { return str(Math.min(Integer.MAX_VALUE, Math.max(0, v))); }

    private void state(Channel ch) {
        boolean paused = proxy.globallyPaused(), suspended = proxy.suspended();
        ResultSetWriter.writeTyped(ch, List.of(text("key"), text("value")), List.of(List.of("active", !paused && !suspended ? "yes" : "no"),
                List.of("paused", paused ? "yes" : "no"), List.of("suspended", suspended ? "yes" : "no")), "SHOW");
    }

    /** SHOW FDS: descriptors are passed only by PgBouncer's online restart, which this proxy does not do: no rows. */
    private void fds(ClientSession s, Channel ch) {
        ResultSetWriter.writeTyped(ch, List.of(int4("fd"), text("task"), text("user"), text("database"), text("addr"), int4("port"),
                int8("cancel"), int4("link"), text("client_encoding"), text("std_strings"), text("datestyle"), text("timezone"),
                text("password"), Column.bytea("scram_client_key"), Column.bytea("scram_server_key")), List.of(), "SHOW");
    }

    // ---- changes ----

    private void set(ClientSession session, Channel ch, String key, String value) {
        for (String f : FAKE.keySet()) {
            if (f.equalsIgnoreCase(key)) {
                ch.write(NoticeResponse.of("NOTICE", "00000", "SET ignored").encode(ch.alloc()));
                ResultSetWriter.commandComplete(ch, "SET");
                return;
            }
        }
        if (Settings.named(key.toLowerCase(Locale.ROOT)) == null) {
            // a driver setting a session parameter of its own (application_name, extra_float_digits): nothing to set here
            ch.write(NoticeResponse.of("NOTICE", "00000", "SET ignored: " + key + " is not a setting of this proxy").encode(ch.alloc()));
            ResultSetWriter.commandComplete(ch, "SET");
            return;
        }
        if (!session.adminPrivileged()) {
            error(ch, "42501", "admin access needed");
            return;
        }
        try {
            proxy.set(key, value);
        } catch (IllegalArgumentException e) {
            error(ch, "22023", "SET failed: " + e.getMessage());
            return;
        }
        proxy.log().info(session.prefix() + "console: SET " + key + " = " + value);
        ResultSetWriter.commandComplete(ch, "SET " + key + "=" + value);
    }

    /**
     * RELOAD reads files and loads and verifies programs: it runs off the event loop, whose other clients go on, and
     * answers when done.
     */
    private void reload(Channel ch) {
        ch.config().setAutoRead(false); // the console's next command waits for this answer
        Thread.ofVirtual().name("bypass-reload").start(() -> {
            List<String> restart = null;
            String failure = null;
            try {
                restart = proxy.reload();
            } catch (IllegalStateException | IllegalArgumentException | java.io.IOException e) {
                failure = e.getMessage();
            } catch (RuntimeException e) {
                failure = e.toString();
            }
            List<String> needRestart = restart;
            String why = failure;
            ch.eventLoop().execute(() -> {
                if (why != null) {
                    error(ch, "55000", "RELOAD: " + why);
                } else {
                    if (!needRestart.isEmpty())
                        ch.write(NoticeResponse.of("WARNING", "01000", "RELOAD: changed settings that take effect only after a restart: "
                                + String.join(", ", needRestart)).encode(ch.alloc()));
                    ResultSetWriter.commandComplete(ch, "RELOAD");
                }
                ready(ch);
                ch.config().setAutoRead(true);
            });
        });
    }

    /** PAUSE [db]: no server is handed out; answers once every server of it is released and closed. */
    private void pause(ClientSession s, Channel ch, String db) {
        if (proxy.globallyPaused() || proxy.suspended()) {
            error(ch, "55000", "already suspended/paused");
            ready(ch);
            return;
        }
        if (!db.isEmpty() && !known(db)) {
            error(ch, "3D000", "no such database: " + db);
            ready(ch);
            return;
        }
        if (!db.isEmpty() && proxy.isAdminDatabase(db)) {
            error(ch, "55000", "cannot pause admin db: " + db);
            ready(ch);
            return;
        }
        String target = db.isEmpty() ? null : db;
        proxy.pause(target);
        proxy.reconnect(target);
        whenDone(ch, () -> proxy.busyServers(target) == 0, "PAUSE");
    }

    private void resume(ClientSession s, Channel ch, String db) {
        if (db.isEmpty()) {
            if (proxy.shuttingDown()) {
                error(ch, "55000", "pooler is shutting down");
                return;
            }
            if (!proxy.globallyPaused() && !proxy.suspended() && !anyDatabasePaused()) {
                error(ch, "55000", "pooler is not paused/suspended");
                return;
            }
            proxy.resume(null);
        } else {
            if (!known(db)) {
                error(ch, "3D000", "no such database: " + db);
                return;
            }
            if (!proxy.databasePaused(db)) {
                error(ch, "55000", "database " + db + " is not paused");
                return;
            }
            proxy.resume(db);
        }
        ResultSetWriter.commandComplete(ch, "RESUME");
    }

    private boolean anyDatabasePaused() {
        for (Pool p : proxy.pools()) if (proxy.databasePaused(p.key().database())) return true;
        for (String db : proxy.config().databases().keySet()) if (proxy.databasePaused(db)) return true;
        return false;
    }

    private void suspend(Channel ch) {
        if (proxy.globallyPaused() || proxy.suspended()) {
            error(ch, "55000", "already suspended/paused");
            return;
        }
        proxy.suspend();
        ResultSetWriter.commandComplete(ch, "SUSPEND");
    }

    private void database(Channel ch, String db, String tag, java.util.function.Consumer<String> action) {
        if (db.isEmpty()) {
            error(ch, "42601", "a database is required");
            return;
        }
        if (proxy.isAdminDatabase(db)) {
            error(ch, "55000", "cannot " + tag.toLowerCase(Locale.ROOT) + " admin db: " + db);
            return;
        }
        if (!known(db)) {
            error(ch, "3D000", "no such database: " + db);
            return;
        }
        action.accept(db);
        ResultSetWriter.commandComplete(ch, tag);
    }

    private boolean known(String db) { return proxy.config().database(db) != null; }

    private void reconnect(ClientSession s, Channel ch, String db) {
        if (db.isEmpty()) {
            proxy.reconnect(null);
            ResultSetWriter.commandComplete(ch, "RECONNECT");
        } else {
            database(ch, db, "RECONNECT", proxy::reconnect);
        }
    }

    private void kill(ClientSession s, Channel ch, String db) {
        if (proxy.globallyPaused() || proxy.suspended()) {
            error(ch, "55000", "already suspended/paused");
            return;
        }
        database(ch, db, "KILL", proxy::kill);
    }

    private void killClient(ClientSession s, Channel ch, String id) {
        ClientSession victim;
        try {
            victim = proxy.sessions().get(Integer.parseInt(id));
        } catch (NumberFormatException e) {
            error(ch, "22023", "invalid client pointer supplied");
            return;
        }
        if (victim == null) {
            error(ch, "42704", "client not found");
            return;
        }
        victim.kill("admin forced disconnect");
        ResultSetWriter.commandComplete(ch, "KILL_CLIENT");
    }

    private void shutdown(ClientSession s, Channel ch, String mode) {
        String m = mode.toUpperCase(Locale.ROOT);
        if (!m.isEmpty() && !m.equals("WAIT_FOR_SERVERS") && !m.equals("WAIT_FOR_CLIENTS")) {
            error(ch, "42601", "invalid command 'SHUTDOWN " + mode + "', use SHOW HELP;");
            return;
        }
        proxy.log().info("SHUTDOWN" + (m.isEmpty() ? "" : " " + m) + " command issued");
        if (m.isEmpty()) {
            // the connection stays open until the process ends, as PgBouncer's does
            ch.flush();
            proxy.shutdown(null);
            return;
        }
        proxy.shutdown(m);
        ResultSetWriter.commandComplete(ch, "SHUTDOWN");
    }

    /** WAIT_CLOSE [db]: answers once the servers RECONNECT or RELOAD marked are all closed. */
    private void waitClose(ClientSession s, Channel ch, String db) {
        if (!db.isEmpty() && !known(db)) {
            error(ch, "3D000", "no such database: " + db);
            ready(ch);
            return;
        }
        String target = db.isEmpty() ? null : db;
        whenDone(ch, () -> proxy.markedServers(target) == 0, "WAIT_CLOSE");
    }

    /** Answers {@code tag} (then ReadyForQuery) once {@code done} holds, checking every 50 ms. */
    private void whenDone(Channel ch, BooleanSupplier done, String tag) {
        if (done.getAsBoolean()) {
            ResultSetWriter.commandComplete(ch, tag);
            ready(ch);
            return;
        }
        ch.eventLoop().schedule(() -> {
            if (ch.isActive()) whenDone(ch, done, tag);
        }, 50, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private static void ready(Channel ch) { ch.writeAndFlush(new ReadyForQuery(ReadyForQuery.IDLE).encode(ch.alloc())); }

    private static String str(long v) { return Long.toString(v); }
}
