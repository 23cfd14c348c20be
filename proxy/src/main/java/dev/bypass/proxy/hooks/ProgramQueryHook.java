package dev.bypass.proxy.hooks;

import dev.bypass.programs.*;
import dev.bypass.proxy.server.ProxyConfig;
import dev.bypass.proxy.server.QueryHook;
import dev.bypass.vm.ctx.ContextField;
import dev.bypass.vm.ctx.ContextLayout;
import dev.bypass.vm.maps.BpfMap;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The proxy's hooks backed by the bundled eBPF object {@code query_guard}: for each query the proxy fills a
 * {@code struct query_ctx} (normalized text hash, role hash, statement class, length) and runs the program, which
 * counts queries in its maps and returns 1 for a (role, statement class) an operator denied. The same object holds
 * the connect, authentication, result, route and mirror programs, each with its own small context. Host code reads
 * the counts from the same maps and changes the programs' tables live.
 */
public final class ProgramQueryHook implements QueryHook, AutoCloseable {
    public static final ProgramType TYPE = new ProgramType("proxy_query", "bypass/query", ContextLayout.of("query_ctx", 24,
            ContextField.readOnly("text_hash", 0, 8), ContextField.readOnly("role_hash", 8, 8),
            ContextField.readOnly("stmt_class", 16, 4), ContextField.readOnly("length", 20, 4)));

    /** The connect hook's context: role and database hashes, client IPv4 address and port. */
    public static final ProgramType CONNECT_TYPE = new ProgramType("proxy_connect", "bypass/connect", ContextLayout.of("connect_ctx", 24,
            ContextField.readOnly("role_hash", 0, 8), ContextField.readOnly("db_hash", 8, 8),
            ContextField.readOnly("client_ip", 16, 4), ContextField.readOnly("client_port", 20, 4)));

    /** The result hook's context: role hash, statement class from the command tag, row count. */
    public static final ProgramType RESULT_TYPE = new ProgramType("proxy_result", "bypass/result", ContextLayout.of("result_ctx", 24,
            ContextField.readOnly("role_hash", 0, 8), ContextField.readOnly("stmt_class", 8, 4), ContextField.readOnly("pad", 12, 4),
            ContextField.readOnly("rows", 16, 8)));

    /** The route hook's context: role hash, class of the first statement, number of replicas. */
    public static final ProgramType ROUTE_TYPE = new ProgramType("proxy_route", "bypass/proxy_route", ContextLayout.of("route_ctx", 16,
            ContextField.readOnly("role_hash", 0, 8), ContextField.readOnly("stmt_class", 8, 4), ContextField.readOnly("replicas", 12, 4)));

    /** The mirror hook's context: role hash, statement class, SQL length. */
    public static final ProgramType MIRROR_TYPE = new ProgramType("proxy_mirror", "bypass/proxy_mirror", ContextLayout.of("mirror_ctx", 16,
            ContextField.readOnly("role_hash", 0, 8), ContextField.readOnly("stmt_class", 8, 4), ContextField.readOnly("length", 12, 4)));

    /** The authentication hook's context: role and database hashes, method ({@link ProxyConfig.ClientAuth} order: 0 trust .. 3 scram-sha-256), TLS flag. */
    public static final ProgramType AUTH_TYPE = new ProgramType("proxy_auth", "bypass/proxy_auth", ContextLayout.of("auth_ctx", 24,
            ContextField.readOnly("role_hash", 0, 8), ContextField.readOnly("db_hash", 8, 8), ContextField.readOnly("method", 16, 4),
            ContextField.readOnly("tls", 20, 4)));

    private final ProgramRuntime runtime;
    private final LoadedObject object;
    private final LoadedProgram program, connectProgram, resultProgram, routeProgram, mirrorProgram, authProgram;
    private final BpfMap blockedRoles, blockedAddresses, connects, resultRows, primaryRoles, routing;
    private final BpfMap mirrorConfig, mirrorState, strongAuthRoles, authRefused;
    private final BpfMap classCounts, queryCounts, denied;
    /** Sample text per normalized hash, for display (bounded). */
    private final Map<Long, String> texts = new ConcurrentHashMap<>();
    /**
     * Per-thread context arrays, reused call after call: the query and result contexts are both 24 bytes (a program
     * run ends before the next begins on a thread, so they share one), the route context is 16.
     */
    private final ThreadLocal<byte[]> contexts = ThreadLocal.withInitial(() -> new byte[24]);
    private final ThreadLocal<byte[]> routeContexts = ThreadLocal.withInitial(() -> new byte[16]);

    public ProgramQueryHook(ProgramVerifier verifier) throws IOException {
        ProgramTypes types = new ProgramTypes().register(TYPE).register(CONNECT_TYPE).register(RESULT_TYPE).register(ROUTE_TYPE)
                .register(MIRROR_TYPE).register(AUTH_TYPE);
        runtime = ProgramRuntime.builder().verifier(verifier).types(types).engine(dev.bypass.vm.exec.EngineKind.AUTO).build(); // interpreted first, compiled once hot
        byte[] elf;
        try (InputStream in = ProgramQueryHook.class.getResourceAsStream("/dev/bypass/proxy/bpf/query_guard.o")) {
            if (in == null) throw new IOException("bundled program query_guard.o is missing from the class path");
            elf = in.readAllBytes();
        }
        object = runtime.load("query_guard", elf);
        program = object.program("query_guard");
        classCounts = object.map("class_counts");
        queryCounts = object.map("query_counts");
        denied = object.map("denied");
        connectProgram = object.program("connect_guard");
        blockedRoles = object.map("blocked_roles");
        blockedAddresses = object.map("blocked_addresses");
        connects = object.map("connects");
        resultProgram = object.program("result_counter");
        resultRows = object.map("result_rows");
        routeProgram = object.program("route_query");
        primaryRoles = object.map("primary_roles");
        routing = object.map("routing");
        mirrorProgram = object.program("mirror_sampler");
        mirrorConfig = object.map("mirror_config");
        mirrorState = object.map("mirror_state");
        authProgram = object.program("auth_guard");
        strongAuthRoles = object.map("strong_auth_roles");
        authRefused = object.map("auth_refused");
    }

    @Override
    public boolean mirror(String user, String database, String sql) {
        byte[] ctx = routeContexts.get(); // same size as the route context; runs never overlap on a thread
        ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).putLong(0, QueryText.fnv1a(user)).putInt(8, QueryText.statementClass(sql))
                .putInt(12, sql.length());
        return mirrorProgram.run(ctx) == 1;
    }

    /**
     * Sets the mirroring sampler, live: one in {@code oneIn} statements of the given classes (e.g. "select") is
     * copied to the shadow; {@code oneIn} 0 stops mirroring.
     */
    public void mirrorSample(long oneIn, String... statementClasses) {
        long mask = 0;
        for (String c : statementClasses) mask |= 1L << QueryText.classNamed(c);
        mirrorConfig.update(le32(1), le64(mask), BpfMap.ANY);
        mirrorConfig.update(le32(0), le64(oneIn), BpfMap.ANY);
    }

    /** Statements the sampler picked for the shadow. */
    public long mirrored() {
        byte[] v = mirrorState.lookup(le32(1));
        return v == null ? 0 : ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Override
    public Verdict onAuthenticated(String user, String database, ProxyConfig.ClientAuth method, boolean tls) {
        byte[] ctx = contexts.get();
        ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).putLong(0, QueryText.fnv1a(user)).putLong(8, QueryText.fnv1a(database))
                .putInt(16, method.ordinal()).putInt(20, tls ? 1 : 0);
        if (authProgram.run(ctx) != 0)
            return Verdict.reject("28000", "role \"" + user + "\" must log in with scram-sha-256 over TLS (program " + authProgram.name() + ")");
        return Verdict.allow();
    }

    /** Requires SCRAM over TLS for a role, live (the auth program refuses other logins). */
    public void requireStrongAuth(String role) { strongAuthRoles.update(le64(QueryText.fnv1a(role)), new byte[8], BpfMap.ANY); }

    /** Logins of a role the auth program refused. */
    public long authRefusals(String role) {
        byte[] v = authRefused.lookup(le64(QueryText.fnv1a(role)));
        return v == null ? 0 : ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Override
    public int route(String user, String database, String sql, int replicas) {
        byte[] ctx = routeContexts.get();
        ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).putLong(0, QueryText.fnv1a(user)).putInt(8, QueryText.statementClass(sql))
                .putInt(12, replicas);
        long backend = routeProgram.run(ctx);
        return backend < 0 || backend > replicas ? 0 : (int) backend;
    }

    /** Keeps a role on the primary (its reads see its writes), live. */
    public void pinToPrimary(String role) { primaryRoles.update(le64(QueryText.fnv1a(role)), new byte[8], BpfMap.ANY); }

    /** Transactions the route program sent to the primary and to replicas. */
    public long[] routed() {
        long[] out = new long[2];
        for (int i = 1; i <= 2; i++) {
            byte[] v = routing.lookup(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(i).array());
            out[i - 1] = v == null ? 0 : ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }
        return out;
    }

    @Override
    public void onResult(String user, String database, String tag) {
        int cls = QueryText.statementClass(tag);
        long rows = 0;
        int last = tag.lastIndexOf(' ');
        if (last >= 0) {
            try {
                rows = Long.parseLong(tag.substring(last + 1));
            } catch (NumberFormatException notACount) {
                rows = 0;
            }
        }
        byte[] ctx = contexts.get();
        ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).putLong(0, QueryText.fnv1a(user)).putInt(8, cls).putInt(12, 0).putLong(16, rows);
        resultProgram.run(ctx);
    }

    /** Statements completed and their rows for a role and statement class, as the result program counted them. */
    public long[] resultsOf(String role, String statementClass) {
        byte[] v = resultRows.lookup(roleClass(role, QueryText.classNamed(statementClass)));
        if (v == null) return new long[2];
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
        return new long[] {b.getLong(0), b.getLong(8)};
    }

    @Override
    public Verdict onConnect(String user, String database, java.net.InetSocketAddress client) {
        byte[] ctx = new byte[24];
        int ip = client != null && client.getAddress() instanceof java.net.Inet4Address v4 ? ByteBuffer.wrap(v4.getAddress()).getInt() : 0;
        ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).putLong(0, QueryText.fnv1a(user)).putLong(8, QueryText.fnv1a(database))
                .putInt(16, ip).putInt(20, client == null ? 0 : client.getPort());
        if (connectProgram.run(ctx) != 0)
            return Verdict.reject("28000", "connection refused for role \"" + user + "\" from " + (client == null ? "?" : client.getAddress().getHostAddress())
                    + " (program " + connectProgram.name() + ")");
        return Verdict.allow();
    }

    /** Refuses a role at connect, live. */
    public void blockRole(String role) { blockedRoles.update(le64(QueryText.fnv1a(role)), new byte[8], BpfMap.ANY); }

    public void unblockRole(String role) { blockedRoles.delete(le64(QueryText.fnv1a(role))); }

    /** Refuses clients from an IPv4 address at connect, live. */
    public void blockAddress(java.net.Inet4Address address) {
        blockedAddresses.update(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(ByteBuffer.wrap(address.getAddress()).getInt()).array(),
                new byte[8], BpfMap.ANY);
    }

    /** Logins the connect program counted for a role. */
    public long connectsOf(String role) {
        byte[] v = connects.lookup(le64(QueryText.fnv1a(role)));
        return v == null ? 0 : ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static byte[] le32(int v) { return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array(); }

    private static byte[] le64(long v) { return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array(); }

    public LoadedProgram program() { return program; }

    @Override
    public Verdict onQuery(String user, String database, String sql) {
        byte[] text = sql.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long hash = SqlText.normalize(text, text.length);
        int cls = QueryText.statementClass(sql);
        if (texts.size() < 10_000 && !texts.containsKey(hash)) texts.putIfAbsent(hash, SqlText.terminated(text));
        byte[] ctx = contexts.get();
        ByteBuffer b = ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, hash).putLong(8, QueryText.fnv1a(user)).putInt(16, cls).putInt(20, sql.length());
        long verdict = program.run(ctx);
        if (verdict == 1) {
            return Verdict.reject("42501", "permission denied: " + QueryText.className(cls) + " statements are denied for role \""
                    + user + "\" (program " + program.name() + ")");
        }
        return Verdict.allow();
    }

    /** Denies a statement class to a role, live: the program reads the map on the next query. */
    public void deny(String role, String statementClass) {
        denied.update(roleClass(role, QueryText.classNamed(statementClass)), new byte[8], BpfMap.ANY);
    }

    public void allow(String role, String statementClass) { denied.delete(roleClass(role, QueryText.classNamed(statementClass))); }

    private static byte[] roleClass(String role, int cls) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(QueryText.fnv1a(role)).putInt(cls).putInt(0).array();
    }

    /** Queries per statement class, summed over the per-CPU slots, read from the program's map. */
    public Map<String, Long> classCounts() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int c = 0; c <= QueryText.UTILITY; c++) {
            byte[] v = classCounts.lookup(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(c).array());
            long n = v == null ? 0 : BpfMap.sumPerCpu(v, 8, 0);
            if (n > 0) out.put(QueryText.className(c), n);
        }
        return out;
    }

    public record QueryCount(String text, long count) {}

    /** The most frequent normalized queries, read from the program's LRU hash. */
    public List<QueryCount> topQueries(int n) {
        List<QueryCount> all = new ArrayList<>();
        for (byte[] key : queryCounts.keys()) {
            byte[] v = queryCounts.lookup(key);
            if (v == null) continue;
            long hash = ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).getLong();
            long count = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong();
            all.add(new QueryCount(texts.getOrDefault(hash, String.format("#%016x", hash)), count));
        }
        all.sort(Comparator.comparingLong(QueryCount::count).reversed());
        return all.subList(0, Math.min(n, all.size()));
    }

    @Override public void close() { object.close(); }
}
