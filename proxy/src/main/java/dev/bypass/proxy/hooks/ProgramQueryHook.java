package dev.bypass.proxy.hooks;

import dev.bypass.programs.*;
import dev.bypass.vm.verification.*;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.sql.StatementClass;
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
 * The proxy's hooks backed by the bundled eBPF object {@code query_guard}: for each query the proxy fills the leading
 * fields of the query context of {@link ProxyAbi} (normalized text hash, role hash, the class standing for the query,
 * length, the mask of every statement class in it and the number of statements, as
 * {@link dev.bypass.proxy.sql.StatementClassifier} found them) and runs the program, which counts queries in its maps
 * and returns 0 for a (role, statement class) an operator denied, 1 otherwise. The same object holds the connect, authentication, result, route and mirror programs,
 * each with its own small context. Host code reads the counts from the same maps and changes the programs' tables
 * live.
 */
public final class ProgramQueryHook implements QueryHook, AutoCloseable {
    /** The hooks' program types: the proxy's ABI ({@link ProxyAbi}), whose contexts begin with the fields below. */
    public static final ProgramType TYPE = ProxyAbi.Hook.QUERY.type();

    /** The connect hook's context: role and database hashes, client IPv4 address and port. */
    public static final ProgramType CONNECT_TYPE = ProxyAbi.Hook.CONNECT.type();

    /** The result hook's context: role hash, statement class from the command tag, row count. */
    public static final ProgramType RESULT_TYPE = ProxyAbi.Hook.RESULT.type();

    /** The route hook's context: role hash, class of the first statement, number of replicas. */
    public static final ProgramType ROUTE_TYPE = ProxyAbi.Hook.ROUTE.type();

    /** The mirror hook's context: role hash, statement class, SQL length. */
    public static final ProgramType MIRROR_TYPE = ProxyAbi.Hook.MIRROR.type();

    /** The authentication hook's context: role and database hashes, method ({@link ProxyConfig.ClientAuth} order: 0 trust .. 3 scram-sha-256), TLS flag. */
    public static final ProgramType AUTH_TYPE = ProxyAbi.Hook.AUTH.type();

    private final ProgramRuntime runtime;
    private final LoadedObject object;
    private final LoadedProgram program, connectProgram, resultProgram, routeProgram, mirrorProgram, authProgram;
    private final BpfMap blockedRoles, blockedAddresses, connects, resultRows, primaryRoles, routing;
    private final BpfMap mirrorConfig, mirrorState, strongAuthRoles, authRefused;
    private final BpfMap classCounts, queryCounts, denied;
    /** Sample text per normalized hash, for display (bounded). */
    private final Map<Long, String> texts = new ConcurrentHashMap<>();
    /**
     * Per-thread context arrays, one per hook, reused call after call (a program run ends before the next begins on
     * a thread; only the leading fields the bundled programs read are filled, the session block stays zero), and the
     * buffer the query text is normalised in.
     */
    private final ThreadLocal<byte[][]> contexts = ThreadLocal.withInitial(() -> {
        byte[][] c = new byte[ProxyAbi.Hook.values().length][];
        for (ProxyAbi.Hook h : ProxyAbi.Hook.values()) c[h.ordinal()] = new byte[h.contextSize()];
        return c;
    });
    private final ThreadLocal<byte[]> textBuffers = ThreadLocal.withInitial(() -> new byte[1024]);

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
    public boolean mirror(QueryRequest request) {
        byte[] ctx = context(ProxyAbi.Hook.MIRROR);
        ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).putLong(0, QueryText.fnv1a(request.user())).putInt(8, request.primary().id)
                .putInt(12, (int) Math.min(0xffffffffL, request.length()));
        return mirrorProgram.run(ctx) == 1;
    }

    /**
     * Sets the mirroring sampler, live: one in {@code oneIn} statements of the given classes (e.g. "select") is
     * copied to the shadow; {@code oneIn} 0 stops mirroring.
     */
    public void mirrorSample(long oneIn, String... statementClasses) {
        long mask = 0;
        for (String c : statementClasses) mask |= StatementClass.named(c).bit();
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
        byte[] ctx = context(ProxyAbi.Hook.AUTH);
        ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).putLong(0, QueryText.fnv1a(user)).putLong(8, QueryText.fnv1a(database))
                .putInt(16, method.ordinal()).putInt(20, tls ? 1 : 0);
        if (authProgram.run(ctx) != 1)
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
    public int route(String user, String database, StatementClass first, int replicas) {
        byte[] ctx = context(ProxyAbi.Hook.ROUTE);
        ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).putLong(0, QueryText.fnv1a(user)).putInt(8, first.id)
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
        int cls = QueryText.tagClass(tag).id;
        long rows = 0;
        int last = tag.lastIndexOf(' ');
        if (last >= 0) {
            try {
                rows = Long.parseLong(tag.substring(last + 1));
            } catch (NumberFormatException notACount) {
                rows = 0;
            }
        }
        byte[] ctx = context(ProxyAbi.Hook.RESULT);
        ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).putLong(0, QueryText.fnv1a(user)).putInt(8, cls).putInt(12, 0).putLong(16, rows);
        resultProgram.run(ctx);
    }

    /** Statements completed and their rows for a role and statement class, as the result program counted them. */
    public long[] resultsOf(String role, String statementClass) {
        byte[] v = resultRows.lookup(roleClass(role, StatementClass.named(statementClass).id));
        if (v == null) return new long[2];
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
        return new long[] {b.getLong(0), b.getLong(8)};
    }

    @Override
    public Verdict onConnect(String user, String database, java.net.InetSocketAddress client) {
        byte[] ctx = context(ProxyAbi.Hook.CONNECT);
        int ip = client != null && client.getAddress() instanceof java.net.Inet4Address v4 ? ByteBuffer.wrap(v4.getAddress()).getInt() : 0;
        ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).putLong(0, QueryText.fnv1a(user)).putLong(8, QueryText.fnv1a(database))
                .putInt(16, ip).putInt(20, client == null ? 0 : client.getPort());
        if (connectProgram.run(ctx) != 1)
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
    public Verdict onQuery(QueryRequest request) {
        byte[] text = textBuffers.get();
        if (text.length < request.textLength() + 1) {
            text = new byte[Math.min(QueryRequest.TEXT_LIMIT + 1, Math.max(request.textLength() + 1, 2 * text.length))];
            textBuffers.set(text);
        }
        int n = request.copyText(text);
        long hash = SqlText.normalize(text, n); // in place, on the copy
        if (texts.size() < 10_000 && !texts.containsKey(hash)) texts.putIfAbsent(hash, SqlText.terminated(java.util.Arrays.copyOf(text, n)));
        byte[] ctx = context(ProxyAbi.Hook.QUERY);
        ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).putLong(0, hash).putLong(8, QueryText.fnv1a(request.user()))
                .putInt(16, request.primary().id).putInt(20, (int) Math.min(0xffffffffL, request.length()))
                .putInt(24, request.mask()).putInt(28, request.statements());
        if (program.run(ctx) == 1) return Verdict.allow();
        StatementClass refused = deniedClass(request.user(), request.mask());
        String what = refused != null ? refused.label() + " statements are" : "this statement is";
        return Verdict.reject("42501", "permission denied: " + what + " denied for role \"" + request.user() + "\" (program "
                + program.name() + ")");
    }

    private byte[] context(ProxyAbi.Hook h) { return contexts.get()[h.ordinal()]; }

    /** The class the program refused: the lowest class of the request denied to the role, as the program looks them up. */
    private StatementClass deniedClass(String role, int mask) {
        for (int cls = 0; cls < 32; cls++)
            if ((mask & (1 << cls)) != 0 && cls < StatementClass.values().length && denied.lookup(roleClass(role, cls)) != null)
                return StatementClass.ofId(cls);
        return null;
    }

    /** Denies a statement class to a role, live: the program reads the map on the next query. */
    public void deny(String role, String statementClass) {
        denied.update(roleClass(role, StatementClass.named(statementClass).id), new byte[8], BpfMap.ANY);
    }

    public void allow(String role, String statementClass) { denied.delete(roleClass(role, StatementClass.named(statementClass).id)); }

    /**
     * A read-only role, live: denies every class that changes data, schema or settings beyond the session, or whose
     * effect cannot be known (insert, update, delete, ddl, routine, other).
     */
    public void readOnly(String role) {
        for (StatementClass c : READ_ONLY_DENIES) deny(role, c.label());
    }

    private static final List<StatementClass> READ_ONLY_DENIES = List.of(StatementClass.INSERT, StatementClass.UPDATE, StatementClass.DELETE,
            StatementClass.DDL, StatementClass.ROUTINE, StatementClass.OTHER);

    private static byte[] roleClass(String role, int cls) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(QueryText.fnv1a(role)).putInt(cls).putInt(0).array();
    }

    /** Queries per statement class, summed over the per-CPU slots, read from the program's map. */
    public Map<String, Long> classCounts() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (StatementClass c : StatementClass.values()) {
            long n = classCount(c);
            if (n > 0) out.put(c.label(), n);
        }
        return out;
    }

    /** Queries the program counted for one class. */
    public long classCount(StatementClass c) {
        byte[] v = classCounts.lookup(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(c.id).array());
        return v == null ? 0 : BpfMap.sumPerCpu(v, 8, 0);
    }

    /**
     * Registers the program's counts as Micrometer counters: {@code bypass.proxy.program.queries} tagged by class
     * (monotonic, read from the program's map at each scrape).
     */
    public void bindTo(io.micrometer.core.instrument.MeterRegistry registry) {
        for (StatementClass c : StatementClass.values()) {
            io.micrometer.core.instrument.FunctionCounter.builder("bypass.proxy.program.queries", this, h -> h.classCount(c))
                    .description("queries the query_guard program counted, by statement class (a query counts once per class it holds)")
                    .tag("class", c.label()).register(registry);
        }
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
