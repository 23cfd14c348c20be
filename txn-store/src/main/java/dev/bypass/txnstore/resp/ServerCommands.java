package dev.bypass.txnstore.resp;

import static dev.bypass.txnstore.resp.CommandSpec.*;

import dev.bypass.txnstore.CheckpointResult;
import dev.bypass.txnstore.Store;
import dev.bypass.txnstore.SyncPolicy;
import dev.bypass.txnstore.resp.RedisData.RedisError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Connection and server commands: PING, HELLO, CLIENT, COMMAND, CONFIG, INFO, SELECT, SAVE and the like. */
final class ServerCommands {
    private ServerCommands() {}

    static final String VERSION = "7.2.0";

    static void register(CommandTable t) {
        int conn = NO_TXN | FAST | LOADING | STALE | NOSCRIPT;
        t.add("PING", -1, conn, 0, 0, 0, "connection", "Returns the server's liveliness response.", c -> {
            if (c.argc > 2) throw c.wrongArgs();
            if (c.argc == 2) c.out.bulk(c.arg(1));
            else c.out.simple("PONG");
        });
        t.add("ECHO", 2, conn, 0, 0, 0, "connection", "Returns the given string.", c -> c.out.bulk(c.arg(1)));
        // As on Redis Cluster replicas: a replicated store's follower serves a connection that starts with READONLY
        // itself (snapshot reads); the leader, and a single node, read their newest state whatever the mode.
        t.add("READONLY", 1, conn, 0, 0, 0, "cluster", "Serves reads from the replica the connection is on.", c -> c.out.simple("OK"));
        t.add("READWRITE", 1, conn, 0, 0, 0, "cluster", "Ends READONLY mode.", c -> c.out.simple("OK"));
        t.add("QUIT", -1, conn | ALLOW_BUSY, 0, 0, 0, "connection", "Closes the connection.", c -> c.out.simple("OK"));
        t.add("HELLO", -1, conn | NO_AUTH | NO_MULTI | ALLOW_BUSY, 0, 0, 0, "connection", "Handshakes with the server.", ServerCommands::hello);
        t.add("SELECT", 2, conn, 0, 0, 0, "connection", "Changes the selected database.", c -> {
            int db;
            try {
                db = Numbers.parseInt(c.arg(1));
            } catch (RedisError e) {
                throw new RedisError("ERR value is not an integer or out of range");
            }
            if (db < 0 || db >= RedisData.DATABASES) throw new RedisError("ERR DB index is out of range");
            c.session.db = db;
            c.out.simple("OK");
        });
        t.add("CLIENT", -2, NO_TXN | NOSCRIPT | LOADING | STALE, 0, 0, 0, "connection", "A container for client connection commands.", ServerCommands::client);
        t.subcommands("CLIENT", NO_TXN | NOSCRIPT | LOADING | STALE, "connection", "ID", "SETNAME", "GETNAME", "SETINFO", "INFO", "NO-TOUCH", "HELP");
        t.subcommands("CLIENT", NO_TXN | ADMIN | NOSCRIPT | LOADING | STALE, "connection", "LIST", "KILL", "NO-EVICT");
        t.add("COMMAND", -1, NO_TXN | LOADING | STALE, 0, 0, 0, "connection", "Returns detailed information about all commands.", ServerCommands::command);
        t.subcommands("COMMAND", NO_TXN | LOADING | STALE, "connection", "COUNT", "LIST", "INFO", "DOCS", "GETKEYS", "HELP");
        t.add("CONFIG", -2, NO_TXN | ADMIN | NOSCRIPT | LOADING | STALE, 0, 0, 0, "server", "A container for server configuration commands.", ServerCommands::config);
        t.subcommands("CONFIG", NO_TXN | ADMIN | NOSCRIPT | LOADING | STALE, "server", "GET", "SET", "RESETSTAT", "REWRITE");
        t.add("INFO", -1, NO_TXN | DANGEROUS | LOADING | STALE, 0, 0, 0, "server", "Returns information and statistics about the server.",
                c -> c.out.verbatim(info(c)));
        t.add("TIME", 1, conn, 0, 0, 0, "server", "Returns the server time.", c -> {
            long micros = java.time.Instant.now().toEpochMilli() * 1000 + (System.nanoTime() / 1000) % 1000;
            c.out.array(2);
            c.out.bulk(Long.toString(micros / 1_000_000));
            c.out.bulk(Long.toString(micros % 1_000_000));
        });
        t.add("DBSIZE", 1, READONLY | FAST | KEYSPACE, 0, 0, 0, "server", "Returns the number of keys in the database.",
                c -> c.out.integer(c.data().allKeys(c.tx, c.db()).size()));
        t.add("FLUSHDB", -1, WRITE | DANGEROUS | KEYSPACE, 0, 0, 0, "server", "Removes all keys from the current database.", c -> {
            flushOptions(c);
            for (byte[] k : c.data().allKeys(c.tx, c.db())) c.data().delete(c.tx, c.db(), k);
            c.out.simple("OK");
        });
        t.add("FLUSHALL", -1, WRITE | DANGEROUS | KEYSPACE, 0, 0, 0, "server", "Removes all keys from all databases.", c -> {
            flushOptions(c);
            for (int d = 0; d < RedisData.DATABASES; d++) for (byte[] k : c.data().allKeys(c.tx, d)) c.data().delete(c.tx, d, k);
            c.out.simple("OK");
        });
        t.add("SAVE", 1, NO_TXN | OWN_TXN | ADMIN | NOSCRIPT, 0, 0, 0, "server", "Synchronously saves the database(s) to disk.", c -> {
            if (c.server.store.options().inMemoryMode()) throw new RedisError("ERR the server runs without a data directory");
            c.server.store.checkpoint();
            c.server.lastSave = System.currentTimeMillis() / 1000;
            c.out.simple("OK");
        });
        t.add("BGSAVE", -1, NO_TXN | OWN_TXN | ADMIN | NOSCRIPT, 0, 0, 0, "server", "Asynchronously saves the database(s) to disk.", c -> {
            Store store = c.server.store;
            if (store.options().inMemoryMode()) throw new RedisError("ERR the server runs without a data directory");
            if (store.checkpointRunning()) throw new RedisError("ERR Background save already in progress");
            Server server = c.server;
            store.checkpointAsync().thenRun(() -> server.lastSave = System.currentTimeMillis() / 1000);
            c.out.simple("Background saving started");
        });
        t.add("LASTSAVE", 1, conn | DANGEROUS, 0, 0, 0, "server", "Returns the Unix timestamp of the last successful save to disk.", c -> c.out.integer(c.server.lastSave));
    }

    private static void flushOptions(Call c) {
        if (c.argc > 2) throw SYNTAX_ERROR;
        if (c.argc == 2 && !c.is(1, "SYNC") && !c.is(1, "ASYNC")) throw SYNTAX_ERROR;
    }

    private static final RedisError SYNTAX_ERROR = RedisData.SYNTAX;

    private static void hello(Call c) {
        int proto = c.out.protocol;
        int i = 1;
        if (c.argc > 1) {
            long v;
            try {
                v = Numbers.parseLong(c.arg(1));
            } catch (RedisError e) {
                throw new RedisError("ERR Protocol version is not an integer or out of range");
            }
            if (v < 2 || v > 3) throw new RedisError("NOPROTO unsupported protocol version");
            proto = (int) v;
            i = 2;
        }
        String name = null;
        boolean authenticated = false;
        for (; i < c.argc; i++) {
            if (c.is(i, "AUTH") && i + 2 < c.argc) {
                AclCommands.authenticate(c, c.str(i + 1), c.arg(i + 2));
                authenticated = true;
                i += 2;
            } else if (c.is(i, "SETNAME") && i + 1 < c.argc) {
                name = checkName(c.str(++i));
            } else throw new RedisError("ERR Syntax error in HELLO option '" + c.str(i) + "'");
        }
        if (!authenticated && c.session.account == null)
            throw new RedisError("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass>"
                    + " option can be used to authenticate the client and select the RESP protocol version at the same time");
        if (name != null) c.session.name = name;
        c.out.protocol = proto;
        c.out.map(7);
        c.out.bulk("server");
        c.out.bulk("redis");
        c.out.bulk("version");
        c.out.bulk(VERSION);
        c.out.bulk("proto");
        c.out.integer(proto);
        c.out.bulk("id");
        c.out.integer(c.session.id);
        c.out.bulk("mode");
        c.out.bulk("standalone");
        c.out.bulk("role");
        c.out.bulk("master");
        c.out.bulk("modules");
        c.out.array(0);
    }

    private static String checkName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (ch < '!' || ch > '~') throw new RedisError("ERR Client names cannot contain spaces, newlines or special characters.");
        }
        return name;
    }

    private static void client(Call c) {
        String sub = c.upper(1);
        switch (sub) {
            case "ID" -> c.out.integer(c.session.id);
            case "SETNAME" -> {
                if (c.argc != 3) throw c.wrongArgs();
                c.session.name = checkName(c.str(2));
                c.out.simple("OK");
            }
            case "GETNAME" -> {
                if (c.session.name.isEmpty()) c.out.nullBulk();
                else c.out.bulk(c.session.name);
            }
            case "SETINFO" -> {
                if (c.argc != 4) throw new RedisError("ERR wrong number of arguments for 'client|setinfo' command");
                String value = c.str(3);
                if (c.is(2, "LIB-NAME")) c.session.libName = checkInfo(value, "lib-name");
                else if (c.is(2, "LIB-VER")) c.session.libVersion = checkInfo(value, "lib-ver");
                else throw new RedisError("ERR Unrecognized option '" + c.str(2) + "'");
                c.out.simple("OK");
            }
            case "INFO" -> c.out.verbatim(c.server.clients.get(c.session.id).info() + "\n");
            case "LIST" -> {
                StringBuilder sb = new StringBuilder();
                for (Connection conn : c.server.clients.values()) sb.append(conn.info()).append('\n');
                c.out.verbatim(sb.toString());
            }
            case "KILL" -> {
                if (c.argc == 3) {
                    Connection victim = null;
                    for (Connection conn : c.server.clients.values()) if (conn.session.address.equals(c.str(2))) victim = conn;
                    if (victim == null) throw new RedisError("ERR No such client");
                    victim.close();
                    c.out.simple("OK");
                    return;
                }
                int killed = 0;
                if (c.argc % 2 != 0) throw RedisData.SYNTAX;
                for (int i = 2; i < c.argc; i += 2) {
                    if (!c.is(i, "ID") && !c.is(i, "ADDR")) throw RedisData.SYNTAX;
                }
                for (Connection conn : c.server.clients.values()) {
                    boolean match = true;
                    for (int i = 2; i < c.argc; i += 2) {
                        if (c.is(i, "ID") && !c.str(i + 1).equals(Long.toString(conn.session.id))) match = false;
                        if (c.is(i, "ADDR") && !c.str(i + 1).equals(conn.session.address)) match = false;
                    }
                    if (match) {
                        conn.close();
                        killed++;
                    }
                }
                c.out.integer(killed);
            }
            case "NO-EVICT", "NO-TOUCH" -> {
                if (c.argc != 3 || !(c.is(2, "ON") || c.is(2, "OFF"))) throw RedisData.SYNTAX;
                c.out.simple("OK");
            }
            case "HELP" -> {
                String[] lines = {"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "ID", "GETNAME", "SETNAME <name>",
                        "SETINFO <LIB-NAME|LIB-VER> <value>", "INFO", "LIST", "KILL <ip:port> | KILL ID <id> | KILL ADDR <ip:port>", "NO-EVICT <ON|OFF>", "NO-TOUCH <ON|OFF>"};
                c.out.array(lines.length);
                for (String l : lines) c.out.simple(l);
            }
            default -> throw new RedisError("ERR unknown subcommand '" + c.str(1) + "'. Try CLIENT HELP.");
        }
    }

    private static String checkInfo(String value, String what) {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch < '!' || ch > '~') throw new RedisError("ERR " + what + " cannot contain spaces, newlines or special characters.");
        }
        return value;
    }

    private static void command(Call c) {
        CommandTable table = c.server.commands;
        if (c.argc == 1) {
            c.out.array(table.all().size());
            for (CommandSpec s : table.all()) commandInfo(c.out, s);
            return;
        }
        switch (c.upper(1)) {
            case "COUNT" -> c.out.integer(table.all().size());
            case "LIST" -> {
                List<String> names = table.names();
                c.out.array(names.size());
                for (String n : names) c.out.bulk(n);
            }
            case "INFO" -> {
                if (c.argc == 2) {
                    c.out.array(table.all().size());
                    for (CommandSpec s : table.all()) commandInfo(c.out, s);
                    return;
                }
                c.out.array(c.argc - 2);
                for (int i = 2; i < c.argc; i++) {
                    CommandSpec s = table.lookup(c.str(i));
                    if (s == null) c.out.nullArray();
                    else commandInfo(c.out, s);
                }
            }
            case "DOCS" -> {
                List<CommandSpec> specs = new ArrayList<>();
                if (c.argc == 2) specs.addAll(table.all());
                else for (int i = 2; i < c.argc; i++) {
                    CommandSpec s = table.lookup(c.str(i));
                    if (s != null) specs.add(s);
                }
                c.out.map(specs.size());
                for (CommandSpec s : specs) {
                    c.out.bulk(s.lowerName());
                    c.out.map(3);
                    c.out.bulk("summary");
                    c.out.bulk(s.summary());
                    c.out.bulk("since");
                    c.out.bulk(s.since());
                    c.out.bulk("group");
                    c.out.bulk(s.group());
                }
            }
            case "GETKEYS" -> {
                if (c.argc < 3) throw c.wrongArgs();
                CommandSpec s = table.lookup(c.str(2));
                if (s == null) throw new RedisError("ERR Invalid command specified");
                int argc = c.argc - 2;
                if (!s.arityOk(argc)) throw new RedisError("ERR Invalid number of arguments specified for command");
                if (s.firstKey() == 0) throw new RedisError("ERR The command has no key arguments");
                int last = s.lastKey() < 0 ? argc + s.lastKey() : s.lastKey();
                List<byte[]> keys = new ArrayList<>();
                for (int i = s.firstKey(); i <= last && i < argc; i += Math.max(1, s.step())) keys.add(c.arg(i + 2));
                c.out.array(keys.size());
                for (byte[] k : keys) c.out.bulk(k);
            }
            case "HELP" -> {
                String[] lines = {"COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "(no subcommand)", "COUNT", "INFO [<command-name> ...]",
                        "DOCS [<command-name> ...]", "LIST", "GETKEYS <full-command>"};
                c.out.array(lines.length);
                for (String l : lines) c.out.simple(l);
            }
            default -> throw new RedisError("ERR unknown subcommand '" + c.str(1) + "'. Try COMMAND HELP.");
        }
    }

    /** One COMMAND entry in Redis 7's ten-field layout. */
    private static void commandInfo(RespWriter out, CommandSpec s) {
        out.array(10);
        out.bulk(s.lowerName());
        out.integer(s.arity());
        List<String> flags = s.flagNames();
        out.set(flags.size());
        for (String f : flags) out.simple(f);
        out.integer(s.firstKey());
        out.integer(s.lastKey());
        out.integer(s.step());
        List<String> cats = s.aclCategories();
        out.set(cats.size());
        for (String cat : cats) out.simple(cat);
        out.array(0); // tips
        out.array(0); // key specifications
        out.array(0); // subcommands
    }

    private static void config(Call c) {
        Server server = c.server;
        switch (c.upper(1)) {
            case "GET" -> {
                if (c.argc < 3) throw new RedisError("ERR wrong number of arguments for 'config|get' command");
                Map<String, String> all = configValues(server), found = new LinkedHashMap<>();
                for (int i = 2; i < c.argc; i++) {
                    String pattern = c.str(i).toLowerCase(Locale.ROOT);
                    for (var e : all.entrySet()) if (Glob.matches(pattern, e.getKey())) found.put(e.getKey(), e.getValue());
                }
                c.out.map(found.size());
                for (var e : found.entrySet()) {
                    c.out.bulk(e.getKey());
                    c.out.bulk(e.getValue());
                }
            }
            case "SET" -> {
                if (c.argc < 4 || c.argc % 2 != 0) throw new RedisError("ERR wrong number of arguments for 'config|set' command");
                RespConfig cfg = server.config();
                Boolean protectedMode = null;
                String requirepass = null;
                for (int i = 2; i < c.argc; i += 2) {
                    String name = c.str(i).toLowerCase(Locale.ROOT);
                    if (name.equals("protected-mode")) protectedMode = yesNo(name, c.str(i + 1));
                    else if (name.equals("requirepass")) requirepass = c.str(i + 1);
                    else cfg = set(cfg, name, c.str(i + 1));
                }
                server.config(cfg);
                if (protectedMode != null) server.protectedMode = protectedMode;
                // As in Redis: the default user's password becomes this one; an empty one means none (nopass).
                if (requirepass != null) server.acl.setUser(Acl.DEFAULT, requirepass.isEmpty() ? List.of("nopass") : List.of("resetpass", ">" + requirepass));
                c.out.simple("OK");
            }
            case "RESETSTAT" -> c.out.simple("OK");
            case "REWRITE" -> throw new RedisError("ERR The server is running without a config file");
            default -> throw new RedisError("ERR unknown subcommand '" + c.str(1) + "'. Try CONFIG HELP.");
        }
    }

    private static boolean yesNo(String name, String value) {
        if (value.equalsIgnoreCase("yes")) return true;
        if (value.equalsIgnoreCase("no")) return false;
        throw new RedisError("ERR CONFIG SET failed (possibly related to argument '" + name + "') - argument must be 'yes' or 'no'");
    }

    private static RespConfig set(RespConfig cfg, String name, String value) {
        try {
            return switch (name) {
                case "maxmemory" -> cfg.withMaxmemory(RespConfig.parseBytes(value));
                case "proto-max-bulk-len" -> cfg.withProtoMaxBulkLen(RespConfig.parseBytes(value));
                case "client-query-buffer-limit" -> cfg.withClientQueryBufferLimit(RespConfig.parseBytes(value));
                case "maxclients" -> cfg.withMaxclients(Integer.parseInt(value));
                case "timeout" -> cfg.withTimeout(Integer.parseInt(value));
                case "client-output-buffer-limit" -> {
                    String[] f = value.trim().split("\\s+");
                    if (f.length % 4 != 0) throw new IllegalArgumentException("wrong number of arguments");
                    RespConfig r = cfg;
                    for (int i = 0; i < f.length; i += 4) {
                        if (!f[i].equalsIgnoreCase("normal")) continue; // no replicas or pub/sub clients here
                        r = r.withOutputLimits(RespConfig.parseBytes(f[i + 1]), RespConfig.parseBytes(f[i + 2]), Integer.parseInt(f[i + 3]));
                    }
                    yield r;
                }
                case "maxmemory-policy" -> {
                    if (!value.equalsIgnoreCase("noeviction")) throw new IllegalArgumentException("only noeviction is supported");
                    yield cfg;
                }
                case "save", "appendonly", "appendfsync" -> cfg; // persistence is the store's log and checkpoints
                default -> throw new RedisError("ERR Unknown option or number of arguments for CONFIG SET - '" + name + "'");
            };
        } catch (IllegalArgumentException e) {
            throw new RedisError("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + e.getMessage());
        }
    }

    private static Map<String, String> configValues(Server server) {
        RespConfig cfg = server.config();
        SyncPolicy sync = server.store.options().syncPolicy();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("maxmemory", Long.toString(cfg.maxmemory()));
        m.put("maxmemory-policy", "noeviction");
        m.put("proto-max-bulk-len", Long.toString(cfg.protoMaxBulkLen()));
        m.put("client-query-buffer-limit", Long.toString(cfg.clientQueryBufferLimit()));
        m.put("client-output-buffer-limit", cfg.outputLimitText());
        m.put("maxclients", Integer.toString(cfg.maxclients()));
        m.put("timeout", Integer.toString(cfg.timeoutSeconds()));
        m.put("databases", Integer.toString(RedisData.DATABASES));
        m.put("save", "");
        m.put("appendonly", server.store.options().inMemoryMode() ? "no" : "yes");
        m.put("appendfsync", switch (sync) { case ALWAYS -> "always"; case INTERVAL -> "everysec"; case NEVER -> "no"; });
        m.put("port", Integer.toString(server.port));
        m.put("bind", server.access.bind());
        m.put("protected-mode", server.protectedMode ? "yes" : "no");
        m.put("aclfile", server.access.aclFile() == null ? "" : server.access.aclFile().toString());
        return m;
    }

    static String info(Call c) {
        Server server = c.server;
        String section = c.argc > 1 ? c.str(1).toLowerCase(Locale.ROOT) : "default";
        Store store = server.store;
        Store.Stats st = store.stats();
        RespConfig cfg = server.config();
        StringBuilder sb = new StringBuilder();
        boolean all = section.equals("default") || section.equals("all") || section.equals("everything");
        if (all || section.equals("server")) {
            sb.append("# Server\r\nredis_version:").append(VERSION).append("\r\nredis_mode:standalone\r\nbypass_store:1\r\nos:")
                    .append(System.getProperty("os.name")).append("\r\narch_bits:64\r\nprocess_id:").append(ProcessHandle.current().pid())
                    .append("\r\ntcp_port:").append(server.port).append("\r\nuptime_in_seconds:").append((System.currentTimeMillis() - server.started) / 1000)
                    .append("\r\n\r\n");
        }
        if (all || section.equals("clients")) {
            sb.append("# Clients\r\nconnected_clients:").append(server.clients.size()).append("\r\nmaxclients:").append(cfg.maxclients())
                    .append("\r\nblocked_clients:0\r\n\r\n");
        }
        if (all || section.equals("memory")) {
            Runtime rt = Runtime.getRuntime();
            sb.append("# Memory\r\nused_memory:").append(server.usedMemory()).append("\r\nused_memory_dataset:").append(store.memoryUsage())
                    .append("\r\nused_memory_input_buffers:").append(server.inputBytes.get()).append("\r\njvm_heap_used:")
                    .append(rt.totalMemory() - rt.freeMemory()).append("\r\njvm_heap_max:").append(rt.maxMemory()).append("\r\nmaxmemory:")
                    .append(cfg.maxmemory()).append("\r\nmaxmemory_policy:noeviction\r\n\r\n");
        }
        if (all || section.equals("persistence")) {
            sb.append("# Persistence\r\nloading:0\r\nrdb_bgsave_in_progress:").append(store.checkpointRunning() ? 1 : 0).append("\r\nrdb_last_save_time:")
                    .append(server.lastSave).append("\r\n");
            CheckpointResult last = store.lastCheckpoint();
            if (last != null) sb.append("rdb_last_bgsave_snapshot_usec:").append(last.snapshotNanos() / 1000).append("\r\nrdb_last_bgsave_time_usec:")
                    .append(last.totalNanos() / 1000).append("\r\n");
            sb.append("aof_enabled:").append(store.options().inMemoryMode() ? 0 : 1).append("\r\n\r\n");
        }
        if (all || section.equals("stats")) {
            sb.append("# Stats\r\ntotal_connections_received:").append(server.connectionsReceived.get()).append("\r\ntotal_commands_processed:")
                    .append(server.commandsProcessed.get()).append("\r\nrejected_connections:").append(server.rejectedConnections.get())
                    .append("\r\nexpired_keys:").append(server.expiredKeys.get()).append("\r\nacl_access_denied_auth:").append(server.authFailures.get())
                    .append("\r\nacl_access_denied_cmd:").append(server.aclDenials.get()).append("\r\noom_rejections:").append(server.oomRejections.get())
                    .append("\r\nclient_output_buffer_limit_disconnections:").append(server.outputLimitDisconnections.get()).append("\r\ntotal_commits:")
                    .append(st.commits()).append("\r\nserialization_failures:").append(st.conflicts()).append("\r\nlast_commit_timestamp:")
                    .append(st.lastCommitTimestamp()).append("\r\nlog_writes:").append(st.logWrites()).append("\r\n\r\n");
        }
        if (all || section.equals("replication")) {
            var replication = c.server.replicationInfo;
            sb.append("# Replication\r\n").append(replication == null ? "role:master\r\nconnected_slaves:0\r\n" : replication.get()).append("\r\n");
        }
        if (all || section.equals("keyspace")) {
            sb.append("# Keyspace\r\n");
            for (int d = 0; d < RedisData.DATABASES; d++) {
                int n = server.data.keys(d).approximateSize();
                if (n > 0) sb.append("db").append(d).append(":keys=").append(n).append(",expires=").append(server.data.expires(d).approximateSize())
                        .append(",avg_ttl=0\r\n");
            }
        }
        return sb.toString();
    }
}
