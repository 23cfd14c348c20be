package dev.bypass.observability.agent;

import dev.bypass.observability.ObservabilityHelpers;
import dev.bypass.observability.ProbeTypes;
import dev.bypass.observability.metrics.MapMeterBinder;
import dev.bypass.observability.metrics.RecordStream;
import dev.bypass.observability.metrics.RecordWriter;
import dev.bypass.observability.metrics.ScrapeEndpoint;
import dev.bypass.observability.telemetry.StatementCache;
import dev.bypass.programs.BundledPrograms;
import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.LoadedProgram;
import dev.bypass.programs.ProgramRuntime;
import dev.bypass.vm.exec.EngineKind;
import dev.bypass.vm.maps.BpfMap;
import dev.bypass.vm.maps.RingBuffer;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One attachment of the agent to a JVM: the runtime with the configured objects loaded (verified, compiled), the
 * probes placed in the named methods, the record streams and the scrape endpoint. {@link #close()} detaches: the
 * instrumented classes are retransformed back to their original code and everything is released.
 */
public final class AgentSession implements AutoCloseable {
    // java.io and NIO entry points of file opening (JDK 25): class, method, descriptor.
    private static final String[][] FILE_OPEN_METHODS = {
            {"java/io/FileInputStream", "open", "(Ljava/lang/String;)V"},
            {"java/io/FileOutputStream", "open", "(Ljava/lang/String;Z)V"},
            {"java/io/RandomAccessFile", "open", "(Ljava/lang/String;I)V"},
            {"sun/nio/fs/UnixNativeDispatcher", "open", "(Lsun/nio/fs/UnixPath;II)I"},
    };

    /**
     * What attaching cost, apart from the steady state: the time until the probes were in place, and the CPU time
     * of loading the programs (verifying them, mostly) and of instrumenting the loaded classes.
     */
    public record Startup(long wallNanos, long loadCpuNanos, long verifyCpuNanos, int programsFromCache, long instrumentCpuNanos) {
        @Override public String toString() {
            return String.format("attached in %.0f ms; CPU: programs loaded in %.0f ms (%.0f verifying%s), classes instrumented in %.0f ms",
                    wallNanos / 1e6, loadCpuNanos / 1e6, verifyCpuNanos / 1e6,
                    programsFromCache > 0 ? ", " + programsFromCache + " programs known from an earlier attach" : "", instrumentCpuNanos / 1e6);
        }
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** This thread's CPU time, or 0 where the JVM does not measure it. */
    private static long cpu() { return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : 0; }

    private final AgentConfig config;
    private final Instrumentation inst;
    private final ProgramRuntime runtime;
    private final StatementCache statements;
    private final Map<String, LoadedObject> objects = new LinkedHashMap<>();
    private final List<Probe> probes = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<RecordStream> streams = new ArrayList<>();
    private MethodProbeTransformer transformer;
    private final ScrapeEndpoint endpoint;
    private final AdminEndpoint admin;
    private final int fileUser;
    private final AtomicLong denied = new AtomicLong(), allowed = new AtomicLong(), errors = new AtomicLong();
    private volatile String lastError;
    private Startup startup;

    AgentSession(AgentConfig config, Instrumentation inst) throws IOException {
        this.config = config;
        this.inst = inst;
        this.statements = new StatementCache(config.statementCache());
        VerificationCache verifier = VerificationCache.shared();
        this.runtime = ProgramRuntime.builder().types(ProbeTypes.all()).helpers(ObservabilityHelpers.registry(statements))
                .verifier(verifier).engine(EngineKind.parse(config.engine())).build();
        try {
            long t0 = System.nanoTime(), cpu0 = cpu(), verified0 = verifier.verifyCpuNanos(), hits0 = verifier.hits();
            for (var e : config.objects().entrySet()) objects.put(e.getKey(), load(e.getKey(), e.getValue()));
            long loaded = cpu() - cpu0;
            Map<String, List<MethodProbeTransformer.Target>> targets = new HashMap<>();
            Map<String, Probe> byMethod = new LinkedHashMap<>();
            for (AgentConfig.MethodProbe mp : config.probes()) {
                String key = mp.className() + "#" + mp.method() + (mp.descriptor() == null ? "" : mp.descriptor());
                Probe p = byMethod.get(key);
                if (p == null) {
                    p = new Probe(probes.size(), key, ProbeTypes.METHOD, null);
                    probes.add(p);
                    byMethod.put(key, p);
                    targets.computeIfAbsent(mp.className().replace('.', '/'), k -> new ArrayList<>())
                            .add(new MethodProbeTransformer.Target(mp.method(), mp.descriptor(), p));
                }
                LoadedProgram prog = program(mp.program(), ProbeTypes.METHOD.name());
                (mp.phase() == AgentConfig.Phase.ENTRY ? p.entry : p.exit).attach(prog);
                if (mp.denyWith() != null) {
                    denyClass(mp.denyWith());
                    p.denyWith = mp.denyWith();
                }
            }
            int uid = 0;
            for (AgentConfig.FileOpen fo : config.fileOpens()) {
                LoadedProgram prog = program(fo.program(), "acl");
                if (fo.user() != null) uid = fo.user();
                else uid = currentUid();
                for (String[] m : FILE_OPEN_METHODS) {
                    Probe p = new Probe(probes.size(), m[0].replace('/', '.') + "#" + m[1] + m[2], prog.type(), m[0]);
                    probes.add(p);
                    p.entry.attach(prog);
                    targets.computeIfAbsent(m[0], k -> new ArrayList<>()).add(new MethodProbeTransformer.Target(m[1], m[2], p));
                }
            }
            for (Probe p : probes) p.settle();
            this.fileUser = uid;
            for (AgentConfig.Records r : config.records()) startRecords(r);
            if (config.metrics() != null) {
                endpoint = new ScrapeEndpoint(config.metrics().host(), config.metrics().port());
                closeables.add(endpoint);
                for (LoadedObject o : objects.values()) endpoint.bind(new MapMeterBinder(o));
            } else endpoint = null;
            if (config.admin() != null) {
                admin = new AdminEndpoint(this, config.admin());
                closeables.add(admin);
            } else admin = null;
            // only now, with the configuration loaded and verified, touch the boot class path
            long cpu1 = cpu();
            BootBridge.install(inst);
            MethodProbeTransformer.Sites sites = ProbeDispatcher.installFor(this);
            this.transformer = new MethodProbeTransformer(targets, sites, (cls, e) -> error("cannot instrument " + cls + ": " + e));
            if (!targets.isEmpty()) {
                inst.addTransformer(transformer, true);
                java.util.Set<String> names = new java.util.HashSet<>();
                for (String internal : targets.keySet()) names.add(internal.replace('/', '.'));
                retransform(names, "cannot retransform");
            }
            this.startup = new Startup(System.nanoTime() - t0, loaded, verifier.verifyCpuNanos() - verified0, (int) (verifier.hits() - hits0),
                    cpu() - cpu1);
        } catch (RuntimeException | IOException e) {
            closeQuietly();
            throw e;
        }
    }

    private LoadedObject load(String name, String path) throws IOException {
        byte[] bytes;
        if (path.startsWith("bundled:")) {
            String n = path.substring("bundled:".length());
            bytes = bundled(n);
        } else {
            Path p = Path.of(path);
            if (!Files.isRegularFile(p)) throw new AgentConfig.ConfigException("object " + name + ": no file " + p);
            bytes = Files.readAllBytes(p);
        }
        return runtime.load(name, bytes);
    }

    /** A bundled object: the observability programs, then the runtime's bundled programs. */
    public static byte[] bundled(String name) throws IOException {
        try (InputStream in = AgentSession.class.getResourceAsStream("/dev/bypass/observability/bpf/" + name + ".o")) {
            if (in != null) return in.readAllBytes();
        }
        if (BundledPrograms.ALL.contains(name)) return BundledPrograms.object(name);
        throw new AgentConfig.ConfigException("no bundled object " + name + " (bundled: query_telemetry, ou_collector, "
                + String.join(", ", BundledPrograms.ALL) + ")");
    }

    private LoadedProgram program(AgentConfig.ProgramRef ref, String type) {
        LoadedObject o = objects.get(ref.object());
        LoadedProgram p;
        try {
            p = o.program(ref.program());
        } catch (RuntimeException e) {
            throw new AgentConfig.ConfigException("object " + ref.object() + " has no program " + ref.program() + " (programs: "
                    + String.join(", ", o.programs().stream().map(LoadedProgram::name).toList()) + ")");
        }
        if (!p.type().name().equals(type))
            throw new AgentConfig.ConfigException("program " + ref + " is of type " + p.type().name() + " (section " + p.section()
                    + "); this attach point needs type " + type);
        return p;
    }

    private static void denyClass(String name) {
        try {
            Class<?> c = Class.forName(name, false, ClassLoader.getSystemClassLoader());
            if (!RuntimeException.class.isAssignableFrom(c) && !Exception.class.isAssignableFrom(c))
                throw new AgentConfig.ConfigException("deny=" + name + " is not an exception class");
            c.getConstructor(String.class);
        } catch (ClassNotFoundException e) {
            throw new AgentConfig.ConfigException("deny=" + name + ": no such class");
        } catch (NoSuchMethodException e) {
            throw new AgentConfig.ConfigException("deny=" + name + " has no constructor taking a message");
        }
    }

    private void startRecords(AgentConfig.Records r) throws IOException {
        LoadedObject o = objects.get(r.ring().object());
        BpfMap m;
        try {
            m = o.map(r.ring().program());
        } catch (RuntimeException e) {
            throw new AgentConfig.ConfigException("object " + r.ring().object() + " has no map " + r.ring().program());
        }
        if (!(m instanceof RingBuffer ring)) throw new AgentConfig.ConfigException("map " + r.ring() + " is not a ring buffer");
        RecordWriter w;
        try {
            w = new RecordWriter(o.elf().btf(), r.struct(), RecordWriter.Format.of(r.format()), r.file());
        } catch (IllegalArgumentException e) {
            throw new AgentConfig.ConfigException("records " + r.ring() + ": " + e.getMessage());
        }
        RecordStream stream = RecordStream.start(ring, w, RecordStream.DEFAULT_PERIOD_MS, e -> error("records " + r.ring() + ": " + e));
        streams.add(stream);
        closeables.add(stream);
    }

    /**
     * Retransforms the loaded, modifiable classes of these names (binary names, as {@code Class.getName()}): with the
     * transformer registered they get their probes, without it their original code back.
     */
    private void retransform(java.util.Set<String> classNames, String failure) {
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (!classNames.contains(c.getName()) || !inst.isModifiableClass(c)) continue;
            try {
                inst.retransformClasses(c);
            } catch (Exception | LinkageError e) {
                error(failure + " " + c.getName() + ": " + e);
            }
        }
    }

    void error(String message) {
        errors.incrementAndGet();
        lastError = message;
        log(System.Logger.Level.WARNING, message);
    }

    /**
     * An event of the agent, through the JDK's System.Logger: inside someone else's application it goes wherever
     * that application routes JDK logging, and the agent brings no logging library onto its class path. The logger
     * is looked up at the event, so that attaching does not start the application's logging early.
     */
    static void log(System.Logger.Level level, String message) {
        System.getLogger("dev.bypass.observability.agent").log(level, message);
    }

    /** The exception a denied call throws: the configured class with a message naming the method. */
    RuntimeException deny(Probe p) {
        String msg = "call to " + p.where + " denied by a bypass program";
        try {
            Class<?> c = Class.forName(p.denyWith, true, ClassLoader.getSystemClassLoader());
            Throwable t = (Throwable) c.getConstructor(String.class).newInstance(msg);
            throw Sneaky.<RuntimeException>rethrow(t);
        } catch (ReflectiveOperationException e) {
            return new SecurityException(msg);
        }
    }

    /** The user id file-open programs see as the one opening. */
    int fileUser() { return fileUser; }

    void countOpen(boolean allowedOpen) { (allowedOpen ? allowed : denied).incrementAndGet(); }

    private static int currentUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("Uid:")) return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
        } catch (IOException | RuntimeException e) {
            // not Linux: uid 0 unless configured
        }
        return 0;
    }

    // ---- what hosts and demos read

    public ProgramRuntime runtime() { return runtime; }

    public LoadedObject object(String name) {
        LoadedObject o = objects.get(name);
        if (o == null) throw new IllegalArgumentException("no object " + name + " in the agent's configuration");
        return o;
    }

    public Map<String, LoadedObject> objects() { return Map.copyOf(objects); }

    public AgentConfig config() { return config; }

    /** Methods instrumented so far ({@code class#method descriptor}). */
    public java.util.Set<String> instrumented() { return java.util.Set.copyOf(transformer.instrumented()); }

    public long fileOpensDenied() { return denied.get(); }

    public long fileOpensAllowed() { return allowed.get(); }

    public long errors() { return errors.get(); }

    public String lastError() { return lastError; }

    public ScrapeEndpoint metrics() { return endpoint; }

    /** The port of the administration endpoint, or -1 when the configuration has none. */
    public int adminPort() { return admin == null ? -1 : admin.port(); }

    /** The file holding the administration endpoint's bearer token, or null when the configuration has no endpoint. */
    public Path adminTokenFile() { return admin == null ? null : admin.tokenFile(); }

    /**
     * What an operator needs to know once the agent is attached: where the endpoints are, where the admin token is,
     * and what attaching cost. One line each.
     */
    public List<String> summary() {
        List<String> lines = new ArrayList<>();
        lines.add(objects.size() + " object(s), " + probes.size() + " probe(s); " + startup);
        if (endpoint != null) lines.add("metrics: http://" + config.metrics().host() + ":" + endpoint.port() + "/metrics");
        if (admin != null) lines.add("admin: http://" + admin.address() + " (bearer token in " + admin.tokenFile() + ")");
        return lines;
    }

    /** Records written by the {@code records} streams so far. */
    public long recordsWritten() { return streams.stream().mapToLong(RecordStream::delivered).sum(); }

    /** What attaching cost: loading and verifying the programs, instrumenting the methods. */
    public Startup startup() { return startup; }

    /** The cache of normalised statements that {@code bypass_arg_sql} reads. */
    public StatementCache statements() { return statements; }

    @Override public void close() {
        ProbeDispatcher.uninstallFor(this);
        if (transformer != null) {
            inst.removeTransformer(transformer);
            java.util.Set<String> names = new java.util.HashSet<>();
            for (String m : transformer.instrumented()) names.add(m.substring(0, m.indexOf('#')));
            retransform(names, "cannot restore");
        }
        closeQuietly();
    }

    private void closeQuietly() {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                log(System.Logger.Level.WARNING, "closing " + closeables.get(i) + ": " + e);
            }
        }
        closeables.clear();
        runtime.close();
    }

    static final class Sneaky {
        @SuppressWarnings("unchecked")
        static <T extends Throwable> T rethrow(Throwable t) throws T { throw (T) t; }
    }
}
