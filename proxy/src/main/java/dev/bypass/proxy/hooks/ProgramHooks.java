package dev.bypass.proxy.hooks;

import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.LoadedProgram;
import dev.bypass.programs.ProgramRuntime;
import dev.bypass.vm.verification.ProgramVerifier;
import dev.bypass.programs.SqlText;
import dev.bypass.proxy.config.ProgramSpec;
import dev.bypass.proxy.hooks.ProxyAbi.Hook;
import dev.bypass.proxy.config.ProxyConfig;
import dev.bypass.proxy.sql.StatementClass;
import dev.bypass.proxy.wire.ResultSetWriter.Column;
import dev.bypass.vm.elf.ElfLoader;
import dev.bypass.vm.elf.ElfObject;
import dev.bypass.vm.exec.EngineKind;
import dev.bypass.vm.helpers.ArgType;
import dev.bypass.vm.helpers.HelperRegistry;
import dev.bypass.vm.helpers.standard.MapHelpers;
import dev.bypass.vm.helpers.Prototype;
import dev.bypass.vm.helpers.ReturnType;
import dev.bypass.vm.isa.Instruction;
import dev.bypass.vm.maps.BpfMap;
import dev.bypass.vm.maps.Errno;
import dev.bypass.vm.maps.MapSpec;
import dev.bypass.vm.maps.RingBuffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The proxy's hooks running operators' programs, as the [programs] section of the configuration names them, against
 * the ABI of {@link ProxyAbi}. A hook without a program allows everything (and routes to the primary).
 *
 * <p><b>Live replacement.</b> {@link #apply} loads and verifies everything first, then publishes a new
 * {@link Generation} with one volatile write: a hook call reads the generation once and runs its program to the
 * end, so calls already running finish under the old program and the next ones run the new one. An object whose
 * bytes did not change is kept as it is (its programs, maps and counters). A new object takes over the maps of the
 * old objects that it declares with the same name, type and sizes (as pinned maps survive in Linux), others are
 * created fresh; the old objects are closed once no call still runs in their generation.
 */
public final class ProgramHooks implements QueryHook, HookPrograms, AutoCloseable {
    private final ProgramRuntime runtime;
    private volatile Generation current = new Generation(Map.of(), new EnumMap<>(Hook.class));
    private final java.util.concurrent.locks.ReentrantLock applying = new java.util.concurrent.locks.ReentrantLock();
    /** Per hook, over every program it ran (monotonic across swaps, for metrics): runs, nanoseconds, denies. */
    private final LongAdder[][] totals = new LongAdder[Hook.values().length][];

    /** The objects of one configuration and the program attached to each hook. */
    private static final class Generation {
        final Map<Path, Loaded> objects;
        final Attached[] byHook = new Attached[Hook.values().length];
        final LongAdder entered = new LongAdder(), exited = new LongAdder();
        volatile boolean retired;

        Generation(Map<Path, Loaded> objects, Map<Hook, Attached> attached) {
            this.objects = Map.copyOf(objects);
            for (var e : attached.entrySet()) byHook[e.getKey().ordinal()] = e.getValue();
        }

        /**
         * Whether a call may still run in this generation. Exits are read before entries: every exit counted was
         * preceded by its entry, which the later read sees, so equal sums leave no call inside (read the other way
         * round, a late caller's entry and retreat could hide a running call).
         */
        boolean busy() {
            long out = exited.sum();
            return entered.sum() != out;
        }
    }

    /** A loaded object and the bytes it was loaded from (to tell whether a RELOAD changed it). */
    private record Loaded(Path file, byte[] bytes, LoadedObject object) {}

    /** A program attached to a hook, with its statistics (bpftool's run_cnt and run_time_ns, and denies). */
    public static final class Attached {
        final Hook hook;
        final ProgramSpec spec;
        final LoadedProgram program;
        final LongAdder runs = new LongAdder(), nanos = new LongAdder(), denies = new LongAdder();

        /** The hook's totals (runs, nanoseconds, denies), which this program's calls add to as well. */
        final LongAdder[] hookTotals;

        Attached(Hook hook, ProgramSpec spec, LoadedProgram program, LongAdder[] hookTotals) {
            this.hookTotals = hookTotals;
            this.hook = hook;
            this.spec = spec;
            this.program = program;
        }

        long run(byte[] ctx, byte[] text) {
            long start = System.nanoTime();
            try {
                return program.run(ctx, text, false);
            } finally {
                long took = System.nanoTime() - start;
                nanos.add(took);
                runs.increment();
                hookTotals[1].add(took);
                hookTotals[0].increment();
            }
        }

        void denied() {
            denies.increment();
            hookTotals[2].increment();
        }

        public LoadedProgram program() { return program; }

        public long runs() { return runs.sum(); }

        public long denies() { return denies.sum(); }

        String describe() { return "program " + program.name() + " (" + hook.key() + " hook, " + spec.object().getFileName() + ")"; }
    }

    public ProgramHooks(ProgramVerifier verifier) {
        for (int i = 0; i < totals.length; i++) totals[i] = new LongAdder[] {new LongAdder(), new LongAdder(), new LongAdder()};
        HelperRegistry helpers = registerHelpers(MapHelpers.registry().toBuilder()).build();
        runtime = ProgramRuntime.builder().verifier(verifier).types(ProxyAbi.types()).helpers(helpers).engine(EngineKind.AUTO).build();
    }

    /**
     * Adds the proxy's own helpers ({@code bypass_fingerprint}); outside a hook call (a program run from the command
     * line) the fingerprint is 0.
     */
    public static HelperRegistry.Builder registerHelpers(HelperRegistry.Builder b) {
        return b.register(ProxyAbi.FINGERPRINT, "bypass_fingerprint", Prototype.of(ReturnType.INTEGER, ArgType.PTR_TO_CTX),
                (c, ctx, a, x, d, e) -> Current.get().fingerprint());
    }

    // ---------------------------------------------------------------- loading and swapping

    @Override public List<String> apply(Map<String, ProgramSpec> programs) throws IOException {
        applying.lock();
        try {
            return applyLocked(programs == null ? Map.of() : programs);
        } finally {
            applying.unlock();
        }
    }

    private List<String> applyLocked(Map<String, ProgramSpec> programs) {
        Generation old = current;
        List<String> log = new ArrayList<>();
        Map<Path, Loaded> objects = new LinkedHashMap<>();
        List<LoadedObject> fresh = new ArrayList<>();
        Map<Hook, Attached> attached = new EnumMap<>(Hook.class);
        try {
            for (ProgramSpec spec : programs.values()) {
                Hook hook = Hook.forKey(spec.hook());
                Path file = spec.object();
                Loaded l = objects.get(file);
                if (l == null) {
                    byte[] bytes = read(spec);
                    Loaded before = old.objects.get(file);
                    if (before != null && Arrays.equals(before.bytes(), bytes)) {
                        l = before;
                    } else {
                        l = new Loaded(file, bytes, load(spec, bytes, old, log));
                        fresh.add(l.object());
                    }
                    objects.put(file, l);
                }
                LoadedProgram p = pick(spec, hook, l.object());
                Attached was = old.byHook[hook.ordinal()];
                boolean same = was != null && was.program == p;
                attached.put(hook, same ? was : new Attached(hook, spec, p, totals[hook.ordinal()]));
                if (!same) log.add("[programs] " + hook.key() + ": program " + p.name() + " of " + file + " attached"
                        + (was == null ? "" : " (replacing " + was.program.name() + " of " + was.spec.object() + ")"));
            }
        } catch (RuntimeException e) {
            for (LoadedObject o : fresh) o.close();
            throw e;
        }
        for (Hook h : Hook.values())
            if (old.byHook[h.ordinal()] != null && !attached.containsKey(h)) log.add("[programs] " + h.key() + ": program "
                    + old.byHook[h.ordinal()].program.name() + " detached (the hook has no key now)");
        Generation next = new Generation(objects, attached);
        current = next; // the swap: calls from now on run the new programs
        retire(old, next);
        return log;
    }

    /** Where bundled objects ({@code @query_guard.o}) are on the class path. */
    private static final String BUNDLED_DIR = "/dev/bypass/proxy/bpf/";

    private static byte[] read(ProgramSpec spec) {
        Path file = spec.object();
        try {
            if (!spec.bundled()) return Files.readAllBytes(file);
            String name = file.toString().substring(ProgramSpec.BUNDLED.length());
            try (var in = name.contains("/") ? null : ProgramHooks.class.getResourceAsStream(BUNDLED_DIR + name)) {
                if (in == null) throw failure(spec, "no bundled object " + name + " (bundled: @query_guard.o)");
                return in.readAllBytes();
            }
        } catch (IOException e) {
            throw failure(spec, "cannot read " + file + " (" + e.getMessage() + ")");
        }
    }

    /** Loads and verifies an object, taking over the maps of the running objects that it declares alike. */
    private LoadedObject load(ProgramSpec spec, byte[] bytes, Generation old, List<String> log) {
        ElfObject elf;
        try {
            elf = ElfLoader.load(bytes);
        } catch (RuntimeException e) {
            throw failure(spec, "not a BPF object: " + e.getMessage());
        }
        Map<String, BpfMap> running = new LinkedHashMap<>();
        for (Loaded l : old.objects.values()) for (BpfMap m : l.object().maps()) running.putIfAbsent(m.name(), m);
        LoadedObject o;
        try {
            o = runtime.load(spec.object().getFileName().toString(), elf, want -> {
                BpfMap m = running.get(want.name());
                return m != null && m.spec().equals(want) ? m : null;
            });
        } catch (RuntimeException e) {
            throw failure(spec, e.getMessage());
        }
        for (BpfMap m : o.maps()) {
            BpfMap was = running.get(m.name());
            if (was == m) log.add("[programs] map " + m.name() + " kept (same name, type and sizes in " + spec.object().getFileName() + ")");
            else if (was != null) log.add("[programs] map " + m.name() + " created fresh: " + spec.object().getFileName() + " declares it as "
                    + describe(m.spec()) + ", the running one is " + describe(was.spec()));
        }
        return o;
    }

    private static String describe(MapSpec s) {
        return s.type().name().toLowerCase(java.util.Locale.ROOT) + " key " + s.keySize() + " value " + s.valueSize() + " entries " + s.maxEntries();
    }

    /** The program for the hook: by name, or the object's one program of the hook's section; checked against the hook. */
    private LoadedProgram pick(ProgramSpec spec, Hook hook, LoadedObject o) {
        LoadedProgram p;
        if (spec.program() != null) {
            p = o.programs().stream().filter(x -> x.name().equals(spec.program())).findFirst().orElseThrow(() -> failure(spec,
                    "no program " + spec.program() + " (programs: " + String.join(", ", o.programs().stream().map(LoadedProgram::name).toList()) + ")"));
        } else {
            List<LoadedProgram> of = o.programs().stream().filter(x -> x.type().equals(hook.type())).toList();
            if (of.size() != 1) throw failure(spec, of.isEmpty() ? "no program in section " + hook.section() + " (name one as OBJECT:PROGRAM)"
                    : "several programs in section " + hook.section() + " (" + String.join(", ", of.stream().map(LoadedProgram::name).toList())
                    + "): name one as OBJECT:PROGRAM");
            p = of.getFirst();
        }
        if (!p.type().equals(hook.type()))
            throw failure(spec, "program " + p.name() + " is in section " + p.section() + ", not " + hook.section() + " (the " + hook.key() + " hook's)");
        var allowed = hook.helpers();
        var code = p.source().program();
        int slot = 0;
        for (Instruction i : code.instructions()) {
            if (i instanceof Instruction.Call c && c.kind() == Instruction.CallKind.HELPER && !allowed.contains(c.imm()))
                throw failure(spec, "program " + p.name() + ": instruction " + slot + lineOf(p, slot) + ": calls helper " + c.imm() + " ("
                        + ProxyAbi.helperName(c.imm()) + "), which " + hook.key() + " programs may not call (allowed: "
                        + String.join(", ", allowed.stream().map(ProxyAbi::helperName).toList()) + ")");
            if (i instanceof Instruction.CallRegister)
                throw failure(spec, "program " + p.name() + ": instruction " + slot + lineOf(p, slot) + ": calls a helper by register, which the proxy's hooks do not allow");
            slot += i.slots();
        }
        return p;
    }

    private static String lineOf(LoadedProgram p, int slot) {
        var l = p.source().lineAt(slot);
        return l == null ? "" : " (" + l + ")";
    }

    private static IllegalArgumentException failure(ProgramSpec spec, String why) {
        return new IllegalArgumentException("[programs] " + spec.hook() + " = " + spec.text() + " (" + spec.where() + "): " + why);
    }

    /** Closes the old generation's objects that the new one does not hold, once no call runs in it any more. */
    private void retire(Generation old, Generation next) {
        IdentityHashMap<LoadedObject, Boolean> kept = new IdentityHashMap<>();
        for (Loaded l : next.objects.values()) kept.put(l.object(), true);
        List<LoadedObject> gone = old.objects.values().stream().map(Loaded::object).filter(o -> !kept.containsKey(o)).toList();
        old.retired = true;
        if (gone.isEmpty()) return;
        Runnable close = () -> {
            while (old.busy()) Thread.onSpinWait();
            for (LoadedObject o : gone) o.close();
        };
        if (!old.busy()) close.run();
        else Thread.ofVirtual().name("bypass-programs-retire").start(() -> {
            while (old.busy()) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            close.run();
        });
    }

    /**
     * Enters the current generation: its objects stay open until {@link #exit}. A generation retired between the
     * read and the entry is left for the new one (the retiring side checks for entries after it marks it retired).
     */
    private Generation enter() {
        while (true) {
            Generation g = current;
            g.entered.increment();
            if (!g.retired) return g;
            g.exited.increment();
        }
    }

    private static void exit(Generation g) { g.exited.increment(); }

    // ---------------------------------------------------------------- the hooks

    /** What the running program's helpers refer to on this thread. */
    private static final class Current {
        private static final ThreadLocal<Current> CURRENT = ThreadLocal.withInitial(Current::new);
        QueryRequest request;
        SessionState session;
        final byte[][] contexts = new byte[Hook.values().length][];

        static Current get() { return CURRENT.get(); }

        long fingerprint() {
            if (request != null) return ProgramHooks.fingerprint(request);
            QueryRequest last = session == null ? null : session.lastRequest;
            return last == null ? 0 : ProgramHooks.fingerprint(last);
        }

        byte[] context(Hook h) {
            byte[] c = contexts[h.ordinal()];
            if (c == null) contexts[h.ordinal()] = c = new byte[h.contextSize()];
            return c;
        }
    }

    /** The session block as the programs see it, encoded once per application_name, and the last statement sent. */
    private static final class SessionState {
        String app;
        byte[] block;
        volatile QueryRequest lastRequest;
    }

    /** The statement's fingerprint (text_hash, bypass_fingerprint), computed once per request. */
    public static long fingerprint(QueryRequest r) {
        if (r.hookCache() instanceof Long l) return l;
        byte[] copy = new byte[r.textLength()];
        int n = r.copyText(copy);
        long h = SqlText.normalize(copy, n);
        r.hookCache(h);
        return h;
    }

    private Attached attached(Generation g, Hook h) { return g.byHook[h.ordinal()]; }

    @Override public boolean wantsBinds() { return current.byHook[Hook.QUERY.ordinal()] != null; }

    @Override public Verdict onQuery(QueryRequest request) {
        Generation g = enter();
        try {
            Attached a = attached(g, Hook.QUERY);
            SessionState st = request.session() == null ? null : state(request.session());
            if (st != null) st.lastRequest = request; // what the result hook's fingerprint refers to
            if (a == null) return Verdict.allow();
            long fp = fingerprint(request);
            Current cur = Current.get();
            byte[] ctx = cur.context(Hook.QUERY);
            ByteBuffer b = ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(0, fp).putLong(8, QueryText.fnv1a(request.user())).putInt(16, request.primary().id)
                    .putInt(20, (int) Math.min(0xffffffffL, request.length())).putInt(24, request.mask()).putInt(28, request.statements())
                    .putInt(32, request.kind().ordinal()).putInt(36, request.named() ? 1 : 0);
            session(ctx, Hook.QUERY, request.session(), st);
            if (run(cur, a, ctx, request, st) == 1) return Verdict.allow();
            a.denied();
            return Verdict.reject("42501", "permission denied: statement refused by " + a.describe());
        } finally {
            exit(g);
        }
    }

    @Override public Verdict onConnect(SessionInfo session) {
        return admit(Hook.CONNECT, session, ctx -> ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).putLong(0, QueryText.fnv1a(session.user()))
                .putLong(8, QueryText.fnv1a(session.database())).putInt(16, ipv4(session)).putInt(20, port(session)), "connection refused");
    }

    @Override public Verdict onAuthenticated(SessionInfo session, ProxyConfig.ClientAuth method) {
        return admit(Hook.AUTH, session, ctx -> ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).putLong(0, QueryText.fnv1a(session.user()))
                .putLong(8, QueryText.fnv1a(session.database())).putInt(16, method.ordinal()).putInt(20, session.tls() ? 1 : 0), "login refused");
    }

    private Verdict admit(Hook hook, SessionInfo session, java.util.function.Consumer<byte[]> fill, String what) {
        Generation g = enter();
        try {
            Attached a = attached(g, hook);
            if (a == null) return Verdict.allow();
            Current cur = Current.get();
            byte[] ctx = cur.context(hook);
            fill.accept(ctx);
            SessionState st = state(session);
            session(ctx, hook, session, st);
            if (run(cur, a, ctx, null, st) == 1) return Verdict.allow();
            a.denied();
            return Verdict.reject("28000", what + " for role \"" + session.user() + "\" by " + a.describe());
        } finally {
            exit(g);
        }
    }

    @Override public void onResult(SessionInfo session, String tag, long durationNanos) {
        Generation g = enter();
        try {
            Attached a = attached(g, Hook.RESULT);
            if (a == null) return;
            Current cur = Current.get();
            byte[] ctx = cur.context(Hook.RESULT);
            ByteBuffer b = ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(0, QueryText.fnv1a(session.user())).putInt(8, QueryText.tagClass(tag).id).putInt(12, 0).putLong(16, rows(tag))
                    .putLong(24, durationNanos);
            putText(ctx, 32, ProxyAbi.TAG_BYTES, tag.getBytes(StandardCharsets.UTF_8));
            SessionState st = state(session);
            session(ctx, Hook.RESULT, session, st);
            run(cur, a, ctx, null, st);
        } finally {
            exit(g);
        }
    }

    @Override public int route(SessionInfo session, QueryRequest first, StatementClass firstClass, int replicas) {
        Generation g = enter();
        try {
            Attached a = attached(g, Hook.ROUTE);
            if (a == null) return 0;
            Current cur = Current.get();
            byte[] ctx = cur.context(Hook.ROUTE);
            ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).putLong(0, QueryText.fnv1a(session.user())).putInt(8, firstClass.id)
                    .putInt(12, replicas).putInt(16, first == null ? QueryRequest.Kind.BIND.ordinal() : first.kind().ordinal())
                    .putInt(20, first == null ? 0 : (int) Math.min(0xffffffffL, first.length()));
            SessionState st = state(session);
            session(ctx, Hook.ROUTE, session, st);
            long target = run(cur, a, ctx, first, st);
            return target < 0 || target > replicas ? 0 : (int) target;
        } finally {
            exit(g);
        }
    }

    @Override public boolean mirror(QueryRequest request) {
        Generation g = enter();
        try {
            Attached a = attached(g, Hook.MIRROR);
            if (a == null) return false;
            Current cur = Current.get();
            byte[] ctx = cur.context(Hook.MIRROR);
            ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).putLong(0, QueryText.fnv1a(request.user())).putInt(8, request.primary().id)
                    .putInt(12, (int) Math.min(0xffffffffL, request.length())).putInt(16, request.kind().ordinal()).putInt(20, 0);
            SessionState st = request.session() == null ? null : state(request.session());
            session(ctx, Hook.MIRROR, request.session(), st);
            return run(cur, a, ctx, request, st) == 1;
        } finally {
            exit(g);
        }
    }

    /** Runs a program with the thread's helper state set; the statement text (if any) is its read-only packet. */
    private static long run(Current cur, Attached a, byte[] ctx, QueryRequest request, SessionState st) {
        cur.request = request;
        cur.session = st;
        try {
            return a.run(ctx, a.hook.hasText() ? (request == null ? EMPTY : request.textBytes()) : null);
        } finally {
            cur.request = null;
            cur.session = null;
        }
    }

    private static final byte[] EMPTY = new byte[0];

    private static SessionState state(SessionInfo s) {
        if (s.hookCache() instanceof SessionState st) return st;
        SessionState st = new SessionState();
        s.hookCache(st);
        return st;
    }

    /** Writes the session block (encoded once per application_name) and what changes per call. */
    private static void session(byte[] ctx, Hook hook, SessionInfo s, SessionState st) {
        int at = hook.sessionOffset();
        if (s == null) {
            Arrays.fill(ctx, at, at + ProxyAbi.SESSION_BYTES, (byte) 0);
            return;
        }
        String app = s.applicationName();
        byte[] block = st.block;
        if (block == null || !app.equals(st.app)) {
            block = encodeSession(s, app);
            st.block = block;
            st.app = app;
        }
        System.arraycopy(block, 0, ctx, at, block.length);
        ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).putInt(at + 56, s.inTransaction() ? 1 : 0);
    }

    private static byte[] encodeSession(SessionInfo s, String app) {
        byte[] block = new byte[ProxyAbi.SESSION_BYTES];
        ByteBuffer b = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, QueryText.fnv1a(s.user())).putLong(8, QueryText.fnv1a(s.database())).putLong(16, app.isEmpty() ? 0 : QueryText.fnv1a(app));
        var inet = s.inetClient();
        if (inet != null && inet.getAddress() instanceof java.net.Inet4Address v4) {
            b.putInt(24, ByteBuffer.wrap(v4.getAddress()).getInt()).putInt(32, 2);
        } else if (inet != null && inet.getAddress() instanceof java.net.Inet6Address v6) {
            System.arraycopy(v6.getAddress(), 0, block, 40, 16);
            b.putInt(32, 10);
        } else if (s.client() != null) {
            b.putInt(32, 1);
        }
        b.putInt(28, inet == null ? 0 : inet.getPort()).putInt(36, s.tls() ? 1 : 0).putInt(60, s.id());
        putText(block, 64, ProxyAbi.NAME_BYTES, s.user().getBytes(StandardCharsets.UTF_8));
        putText(block, 64 + ProxyAbi.NAME_BYTES, ProxyAbi.NAME_BYTES, s.database().getBytes(StandardCharsets.UTF_8));
        putText(block, 64 + 2 * ProxyAbi.NAME_BYTES, ProxyAbi.NAME_BYTES, app.getBytes(StandardCharsets.UTF_8));
        return block;
    }

    /** A NUL-padded text field: at most {@code size - 1} bytes, the rest zeros. */
    private static void putText(byte[] into, int at, int size, byte[] text) {
        int n = Math.min(size - 1, text.length);
        System.arraycopy(text, 0, into, at, n);
        Arrays.fill(into, at + n, at + size, (byte) 0);
    }

    private static int ipv4(SessionInfo s) {
        var inet = s.inetClient();
        return inet != null && inet.getAddress() instanceof java.net.Inet4Address v4 ? ByteBuffer.wrap(v4.getAddress()).getInt() : 0;
    }

    private static int port(SessionInfo s) {
        var inet = s.inetClient();
        return inet == null ? 0 : inet.getPort();
    }

    /** The row count at the end of a command tag ("SELECT 5", "INSERT 0 5"), or 0. */
    private static long rows(String tag) {
        int last = tag.lastIndexOf(' ');
        if (last < 0 || last == tag.length() - 1) return 0;
        long n = 0;
        for (int i = last + 1; i < tag.length(); i++) {
            char c = tag.charAt(i);
            if (c < '0' || c > '9' || n > Long.MAX_VALUE / 10 - 10) return 0;
            n = n * 10 + (c - '0');
        }
        return n;
    }

    // ---------------------------------------------------------------- operating them

    /**
     * Registers per-hook meters, monotonic across RELOADs: {@code bypass.proxy.hook.runs} and
     * {@code bypass.proxy.hook.denies} (counters) and {@code bypass.proxy.hook.run.time} (seconds), tagged by hook.
     */
    public void bindTo(io.micrometer.core.instrument.MeterRegistry registry) {
        for (Hook h : Hook.values()) {
            LongAdder[] t = totals[h.ordinal()];
            io.micrometer.core.instrument.FunctionCounter.builder("bypass.proxy.hook.runs", t[0], LongAdder::sum).tag("hook", h.key())
                    .description("program runs at the hook").register(registry);
            io.micrometer.core.instrument.FunctionCounter.builder("bypass.proxy.hook.run.time", t[1], x -> x.sum() / 1e9).tag("hook", h.key())
                    .baseUnit("seconds").description("time programs ran at the hook").register(registry);
            io.micrometer.core.instrument.FunctionCounter.builder("bypass.proxy.hook.denies", t[2], LongAdder::sum).tag("hook", h.key())
                    .description("clients or statements the hook's program refused").register(registry);
        }
    }

    /** The program attached to a hook, or null. */
    public Attached attached(Hook hook) { return current.byHook[hook.ordinal()]; }

    /** A map of the attached objects by name. */
    public BpfMap bpfMap(String name) {
        for (Loaded l : current.objects.values())
            for (BpfMap m : l.object().maps()) if (m.name().equals(name)) return m;
        throw new IllegalArgumentException("no map named " + name + " in the attached objects (SHOW MAPS lists them)");
    }

    @Override public Table showPrograms() {
        List<List<String>> rows = new ArrayList<>();
        for (Attached a : current.byHook) {
            if (a == null) continue;
            rows.add(List.of(a.hook.key(), a.spec.object().toString(), a.program.name(), a.program.section(), Long.toString(a.runs.sum()),
                    Long.toString(a.nanos.sum()), Long.toString(a.denies.sum()), Integer.toString(a.program.instructionCount())));
        }
        return new Table(List.of(Column.text("hook"), Column.text("object"), Column.text("program"), Column.text("section"),
                Column.int8("run_cnt"), Column.int8("run_time_ns"), Column.int8("denies"), Column.int8("insns")), rows);
    }

    @Override public Table showMaps() {
        List<List<String>> rows = new ArrayList<>();
        IdentityHashMap<BpfMap, Boolean> seen = new IdentityHashMap<>();
        for (Loaded l : current.objects.values()) {
            for (BpfMap m : l.object().maps()) {
                if (seen.put(m, true) != null) continue;
                MapSpec s = m.spec();
                rows.add(List.of(m.name(), s.type().name().toLowerCase(java.util.Locale.ROOT), Integer.toString(s.keySize()),
                        Integer.toString(s.valueSize()), Integer.toString(s.maxEntries()), Integer.toString(m.size()), l.file().toString()));
            }
        }
        return new Table(List.of(Column.text("name"), Column.text("type"), Column.int4("key_size"), Column.int4("value_size"),
                Column.int4("max_entries"), Column.int4("entries"), Column.text("object")), rows);
    }

    /** Entries SHOW MAP prints at most. */
    private static final int SHOW_LIMIT = 10_000;

    @Override public Table showMap(String name) {
        BpfMap m = bpfMap(name);
        List<List<String>> rows = new ArrayList<>();
        HexFormat hex = HexFormat.of();
        if (m instanceof RingBuffer ring) {
            ring.drain(SHOW_LIMIT, r -> rows.add(List.of(Integer.toString(r.length), hex.formatHex(r))));
            return new Table(List.of(Column.int4("size"), Column.text("record")), rows);
        }
        for (byte[] key : m.keys()) {
            if (rows.size() >= SHOW_LIMIT) break;
            byte[] v = m.lookup(key);
            if (v == null) continue;
            rows.add(List.of(hex.formatHex(key), hex.formatHex(v), number(key), number(v)));
        }
        return new Table(List.of(Column.text("key"), Column.text("value"), Column.text("key_int"), Column.text("value_int")), rows);
    }

    /** A little-endian integer of 1, 2, 4 or 8 bytes as an unsigned number; empty for other sizes. */
    private static String number(byte[] b) {
        if (b.length != 1 && b.length != 2 && b.length != 4 && b.length != 8) return "";
        long v = 0;
        for (int i = b.length - 1; i >= 0; i--) v = (v << 8) | (b[i] & 0xff);
        return Long.toUnsignedString(v);
    }

    @Override public void setMap(String name, String key, String value) {
        BpfMap m = bpfMap(name);
        byte[] k = bytes("key", key, m.spec().keySize()), v = bytes("value", value, m.spec().valueSize());
        int rc = m.update(k, v, BpfMap.ANY);
        if (rc != 0) throw new IllegalArgumentException("SET MAP " + name + ": update failed: " + Errno.name(rc));
    }

    /**
     * A key or value as the console gives it: hex ({@code 0x0a00}, {@code x'0a00'}), an integer stored
     * little-endian in the size, or {@code hash:NAME} (the FNV-1a 64 of a name, as role_hash).
     */
    static byte[] bytes(String what, String text, int size) {
        String t = text.strip();
        byte[] b;
        if (t.startsWith("hash:")) {
            b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(QueryText.fnv1a(t.substring(5))).array();
        } else if (t.startsWith("0x") || t.startsWith("0X") || (t.startsWith("x'") || t.startsWith("X'")) && t.endsWith("'")) {
            String h = t.startsWith("0") ? t.substring(2) : t.substring(2, t.length() - 1);
            try {
                b = HexFormat.of().parseHex(h);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(what + " " + text + ": not hex bytes");
            }
        } else {
            long v;
            try {
                v = t.startsWith("-") ? Long.parseLong(t) : Long.parseUnsignedLong(t);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + " " + text + ": expected hex (0x.. or x'..'), an integer or hash:NAME");
            }
            if (size != 1 && size != 2 && size != 4 && size != 8)
                throw new IllegalArgumentException(what + " " + text + ": the map's " + what + " is " + size + " bytes; give it as hex");
            b = new byte[size];
            for (int i = 0; i < size; i++) b[i] = (byte) (v >>> (8 * i));
        }
        if (b.length != size) throw new IllegalArgumentException(what + " " + text + " is " + b.length + " bytes; the map's " + what + " is " + size);
        return b;
    }

    @Override public void close() {
        applying.lock();
        try {
            Generation g = current;
            current = new Generation(Map.of(), new EnumMap<>(Hook.class));
            retire(g, current);
        } finally {
            applying.unlock();
        }
    }
}
