package dev.bypass.cli;

import dev.bypass.programs.BtfJson;
import dev.bypass.programs.MapJson;
import dev.bypass.vm.maps.*;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.*;

@Command(name = "map", description = {"List, dump, update and delete entries of the maps of loaded objects.",
        "The objects are those kept in the state directory, or with --agent HOST:PORT those of an agent in a running JVM "
                + "(OBJECT/MAP as in its configuration; the agent's bearer token is sent), or with --proxy HOST:PORT those attached "
                + "to a running proxy's hooks (through its admin console: SHOW MAPS, SHOW MAP, SET MAP)."},
        subcommands = {MapCommand.List.class, MapCommand.Dump.class, MapCommand.Update.class, MapCommand.Delete.class})
final class MapCommand extends CommandGroup {
    static byte[] hexArg(String what, String hex) throws java.io.IOException {
        try {
            return ProgramSource.memoryArgument(hex);
        } catch (CliException e) {
            throw new CliException(what + ": not hex bytes: " + hex, 2);
        }
    }

    /** The path of a map of an agent's objects, {@code OBJECT/MAP}, on its admin endpoint. */
    static String agentPath(String map, String key) {
        int slash = map.indexOf('/');
        if (slash <= 0 || slash == map.length() - 1) throw new CliException("with --agent, name the map as OBJECT/MAP, got " + map, 2);
        String p = "/maps/" + enc(map.substring(0, slash)) + "/" + enc(map.substring(slash + 1));
        return key == null ? p : p + "/" + enc(key);
    }

    private static String enc(String s) { return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"); }

    /** Runs a request on the agent's endpoint and prints its answer; refusals exit with status 1 and the reason. */
    static Integer viaAgent(Model.CommandSpec spec, AgentOptions agent, AgentCall call) {
        try {
            spec.commandLine().getOut().println(call.run(agent.client()));
        } catch (java.io.IOException e) {
            throw new CliException(e.getMessage(), 1);
        }
        return 0;
    }

    /** A SET MAP argument: quoted unless it is one plain word. */
    static String quoted(String arg) { return arg.matches("[A-Za-z0-9_:.x-]+") ? arg : "'" + arg.replace("'", "''") + "'"; }

    interface AgentCall { String run(dev.bypass.observability.agent.AdminClient c) throws java.io.IOException; }

    static void check(BpfMap m, String op, int rc) {
        if (rc != 0) throw new CliException(op + " on map " + m.name() + " failed: " + Errno.name(rc), 1);
    }

    @Command(name = "list", description = "List the maps of loaded objects.")
    static final class List implements Callable<Integer> {
        @Mixin StateOptions opts;
        @Mixin ProxyConsoleOptions console;
        @Spec Model.CommandSpec spec;

        @Override public Integer call() throws Exception {
            if (console.proxy != null) return console.run(spec.commandLine().getOut(), "SHOW MAPS");
            try (StateStore s = opts.open()) {
                PrintWriter out = spec.commandLine().getOut();
                StringBuilder sb = new StringBuilder("[");
                for (StateStore.Entry e : s.entries())
                    for (BpfMap m : e.object().maps()) {
                        if (opts.json) sb.append(sb.length() > 1 ? "," : "").append("{\"object\":").append(MapJson.quote(e.name())).append(',')
                                .append(MapJson.header(m)).append(",\"entries\":").append(m.size()).append('}');
                        else out.printf("%-32s %-16s key %3d  value %5d  max %8d  entries %d%n", e.name() + "/" + m.name(),
                                m.type().name().toLowerCase(Locale.ROOT), m.spec().keySize(), m.spec().valueSize(), m.spec().maxEntries(), m.size());
                    }
                if (opts.json) out.println(sb.append(']'));
            }
            return 0;
        }
    }

    @Command(name = "dump", description = "Print a map's entries (ring buffers: consumes the records).")
    static final class Dump implements Callable<Integer> {
        @Parameters(paramLabel = "MAP", description = "map name, or object/map") String map;
        @Mixin StateOptions opts;
        @Mixin AgentOptions agent;
        @Mixin ProxyConsoleOptions console;
        @Spec Model.CommandSpec spec;

        @Override public Integer call() throws Exception {
            if (console.proxy != null) return console.run(spec.commandLine().getOut(), "SHOW MAP \"" + map.replace("\"", "\"\"") + "\"");
            if (agent.agent != null) return viaAgent(spec, agent, c -> c.get(agentPath(map, null)));
            try (StateStore s = opts.open()) {
                BpfMap m = s.map(map);
                PrintWriter out = spec.commandLine().getOut();
                if (opts.json) {
                    out.println(MapJson.toJson(m, ElfRun.types(s.owner(m), m)));
                } else if (m instanceof QueueMap q) {
                    for (byte[] v : q.values()) out.println("value " + MapJson.hex(v));
                } else if (m instanceof PerfEventArray pa) {
                    for (PerfEventArray.Sample x : pa.drain()) out.println("sample cpu " + x.cpu() + "  " + MapJson.hex(x.data()));
                } else if (m instanceof RingBuffer rb) {
                    for (byte[] r : rb.drain()) out.println("record " + MapJson.hex(r));
                } else {
                    BtfJson types = ElfRun.types(s.owner(m), m);
                    for (byte[] k : m.keys()) {
                        byte[] v = m.lookup(k);
                        if (v == null && !(m instanceof ProgramArray)) continue;
                        String kd = types == null ? null : types.key(k), vd = v == null || types == null || m.spec().valueSize() != v.length ? null : types.value(v);
                        if (v != null) out.println("key " + MapJson.hex(k) + "  value " + MapJson.hex(v)
                                + (kd != null || vd != null ? "    " + (kd != null ? kd : "") + (vd != null ? " => " + vd : "") : ""));
                        else if (m instanceof ProgramArray) out.println("key " + MapJson.hex(k) + "  program");
                    }
                }
                s.save();
            }
            return 0;
        }
    }

    @Command(name = "update", description = "Set the value of a key (queues and stacks: push; give an empty KEY).")
    static final class Update implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "MAP") String map;
        @Parameters(index = "1", paramLabel = "KEY", description = "key as hex bytes (little-endian as stored); with --proxy as SET MAP takes it:"
                + " 0x-prefixed hex, an integer, or hash:NAME") String key;
        @Parameters(index = "2", paramLabel = "VALUE", description = "value as hex bytes (with --proxy: as KEY)") String value;
        @Option(names = "--flags", defaultValue = "any", description = "any, noexist or exist (default: ${DEFAULT-VALUE})") String flags;
        @Mixin StateOptions opts;
        @Mixin AgentOptions agent;
        @Mixin ProxyConsoleOptions console;
        @Spec Model.CommandSpec spec;

        @Override public Integer call() throws Exception {
            if (console.proxy != null) {
                if (!flags.equalsIgnoreCase("any")) throw new CliException("--flags is not available with --proxy (updates insert or replace)", 2);
                return console.run(spec.commandLine().getOut(), "SET MAP \"" + map.replace("\"", "\"\"") + "\" " + quoted(key) + " " + quoted(value));
            }
            if (agent.agent != null) {
                if (!flags.equalsIgnoreCase("any")) throw new CliException("--flags is not available with --agent (updates insert or replace)", 2);
                return viaAgent(spec, agent, c -> c.put(agentPath(map, key), value));
            }
            long f = switch (flags.toLowerCase(Locale.ROOT)) {
                case "any" -> BpfMap.ANY;
                case "noexist" -> BpfMap.NOEXIST;
                case "exist" -> BpfMap.EXIST;
                default -> throw new CliException("--flags must be any, noexist or exist", 2);
            };
            try (StateStore s = opts.open()) {
                BpfMap m = s.map(map);
                byte[] k = key.isEmpty() ? new byte[0] : hexArg("KEY", key), v = hexArg("VALUE", value);
                if (k.length != m.spec().keySize()) throw new CliException("map " + m.name() + " has " + m.spec().keySize() + "-byte keys, got " + k.length, 2);
                check(m, "update", m.update(k, v, f));
                s.save();
                spec.commandLine().getOut().println(opts.json ? "{\"updated\":true}" : "updated");
            }
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete a key.")
    static final class Delete implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "MAP") String map;
        @Parameters(index = "1", paramLabel = "KEY") String key;
        @Mixin StateOptions opts;
        @Mixin AgentOptions agent;
        @Spec Model.CommandSpec spec;

        @Override public Integer call() throws Exception {
            if (agent.agent != null) return viaAgent(spec, agent, c -> c.delete(agentPath(map, key)));
            try (StateStore s = opts.open()) {
                BpfMap m = s.map(map);
                byte[] k = hexArg("KEY", key);
                if (k.length != m.spec().keySize()) throw new CliException("map " + m.name() + " has " + m.spec().keySize() + "-byte keys, got " + k.length, 2);
                check(m, "delete", m.delete(k));
                s.save();
                spec.commandLine().getOut().println(opts.json ? "{\"deleted\":true}" : "deleted");
            }
            return 0;
        }
    }
}
