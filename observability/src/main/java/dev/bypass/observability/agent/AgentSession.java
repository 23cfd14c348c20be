package dev.bypass.observability.agent;

import dev.bypass.observability.ObservabilityHelpers;
import dev.bypass.observability.acl.AclAdmin;
import dev.bypass.observability.ObservabilityHelpers.Invocation;
import dev.bypass.observability.ProbeTypes;
import dev.bypass.observability.metrics.MapMeterBinder;
import dev.bypass.observability.metrics.RecordWriter;
import dev.bypass.observability.metrics.ScrapeEndpoint;
import dev.bypass.programs.BundledPrograms;
import dev.bypass.programs.Hook;
import dev.bypass.programs.LoadedObject;
import dev.bypass.programs.LoadedProgram;
import dev.bypass.programs.ProgramRuntime;
import dev.bypass.programs.ProgramType;
import dev.bypass.programs.RingBufferConsumer;
import dev.bypass.vm.exec.EngineKind;
import dev.bypass.vm.maps.BpfMap;
import dev.bypass.vm.maps.RingBuffer;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
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
    /** What a probe does when its method runs. */
    private static final class Probe {
        final int id;
        final String where;
        final Hook<byte[]> entry, exit;
        volatile String denyWith;
        final boolean fileOpen;
        final String fileMethod; // for file opens: the class whose open method this is

        /** A method probe, or, with {@code fileMethod} set, a file-open probe running programs of {@code entryType}. */
        Probe(int id, String where, ProgramType entryType, String fileMethod) {
            this.id = id;
            this.where = where;
            this.entry = new Hook<>(where + " entry", entryType, b -> b);
            this.exit = new Hook<>(where + " exit", ProbeTypes.METHOD, b -> b);
            this.fileOpen = fileMethod != null;
            this.fileMethod = fileMethod;
        }
    }

    // java.io and NIO entry points of file opening (JDK 25): class, method, descriptor.
    private static final String[][] FILE_OPEN_METHODS = {
            {"java/io/FileInputStream", "open", "(Ljava/lang/String;)V"},
            {"java/io/FileOutputStream", "open", "(Ljava/lang/String;Z)V"},
            {"java/io/RandomAccessFile", "open", "(Ljava/lang/String;I)V"},
            {"sun/nio/fs/UnixNativeDispatcher", "open", "(Lsun/nio/fs/UnixPath;II)I"},
    };

    private final AgentConfig config;
    private final Instrumentation inst;
    private final ProgramRuntime runtime;
    private final Map<String, LoadedObject> objects = new LinkedHashMap<>();
    private final List<Probe> probes = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<RecordWriter> writers = new ArrayList<>();
    private final MethodProbeTransformer transformer;
    private final ScrapeEndpoint endpoint;
    private final AdminEndpoint admin;
    private final int fileUser;
    private final AtomicLong denied = new AtomicLong(), allowed = new AtomicLong(), errors = new AtomicLong();
    private volatile String lastError;
    /** What a thread needs per call, behind one thread-local lookup. */
    private static final class PerThread {
        final byte[] context = new byte[ProbeTypes.METHOD_CTX_SIZE];
        final ByteBuffer view = ByteBuffer.wrap(context).order(ByteOrder.LITTLE_ENDIAN);
        final Invocation invocation = ObservabilityHelpers.invocation();
        /** Set while this thread runs programs: calls made from inside (class loading, toString) are not probed. */
        boolean busy;
    }

    private final ThreadLocal<PerThread> perThread = ThreadLocal.withInitial(PerThread::new);

    AgentSession(AgentConfig config, Instrumentation inst) throws IOException {
        this.config = config;
        this.inst = inst;
        this.runtime = ProgramRuntime.builder().types(ProbeTypes.all()).helpers(ObservabilityHelpers.registry())
                .engine(EngineKind.parse(config.engine())).build();
        try {
            for (var e : config.objects().entrySet()) objects.put(e.getKey(), load(e.getKey(), e.getValue()));
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
                            .add(new MethodProbeTransformer.Target(mp.method(), mp.descriptor(), p.id));
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
                    targets.computeIfAbsent(m[0], k -> new ArrayList<>()).add(new MethodProbeTransformer.Target(m[1], m[2], p.id));
                }
            }
            this.fileUser = uid;
            for (AgentConfig.Records r : config.records()) startRecords(r);
            if (config.metrics() != null) {
                endpoint = new ScrapeEndpoint(config.metrics().host(), config.metrics().port());
                closeables.add(endpoint);
                for (LoadedObject o : objects.values()) endpoint.bind(new MapMeterBinder(o));
            } else endpoint = null;
            if (config.admin() != null) {
                admin = new AdminEndpoint(this, config.admin().host(), config.admin().port());
                closeables.add(admin);
            } else admin = null;
            this.transformer = new MethodProbeTransformer(targets, (cls, e) -> error("cannot instrument " + cls + ": " + e));
            // only now, with the configuration loaded and verified, touch the boot class path
            BootBridge.install(inst);
            installBridge();
            if (!targets.isEmpty()) {
                inst.addTransformer(transformer, true);
                java.util.Set<String> names = new java.util.HashSet<>();
                for (String internal : targets.keySet()) names.add(internal.replace('/', '.'));
                retransform(names, "cannot retransform");
            }
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
        writers.add(w);
        closeables.add(w);
        // consumers close before writers: the list closes in reverse order
        closeables.add(RingBufferConsumer.start(ring, 256, batch -> {
            for (byte[] rec : batch) w.write(rec);
            w.flush();
        }, e -> error("records " + r.ring() + ": " + e)));
    }

    private void installBridge() { BridgeHandler.installFor(this); }

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

    private void error(String message) {
        errors.incrementAndGet();
        lastError = message;
        System.err.println("bypass agent: " + message);
    }

    // ---- called through the bridge (see BridgeHandler)

    long enter(int id, Object receiver, Object[] args) {
        Probe p = probes.get(id);
        if (!p.fileOpen && p.entry.isEmpty()) return System.nanoTime();
        PerThread t = perThread.get();
        if (t.busy) return System.nanoTime();
        t.busy = true;
        long verdict;
        try {
            if (p.fileOpen) {
                fileOpen(p, args);
                return 0;
            }
            verdict = runMethodPrograms(t, p.entry, p, 0, receiver, args, null, false, 0);
        } finally {
            t.busy = false;
        }
        if (verdict != 0 && p.denyWith != null) throw deny(p);
        return System.nanoTime();
    }

    void exit(Object result, int id, Object receiver, Object[] args, long token) {
        Probe p = probes.get(id);
        if (p.exit.isEmpty()) return;
        long elapsed = System.nanoTime() - token;
        PerThread t = perThread.get();
        if (t.busy) return;
        t.busy = true;
        try {
            runMethodPrograms(t, p.exit, p, 1, receiver, args, result, true, elapsed);
        } finally {
            t.busy = false;
        }
    }

    private long runMethodPrograms(PerThread t, Hook<byte[]> hook, Probe p, int phase, Object receiver, Object[] args, Object result,
                                   boolean exited, long elapsed) {
        byte[] c = t.context;
        ByteBuffer bb = t.view;
        bb.putInt(0, p.id).putInt(4, phase).putLong(8, Thread.currentThread().threadId());
        int n = Math.min(args.length, ProbeTypes.MAX_ARGS);
        for (int i = 0; i < ProbeTypes.MAX_ARGS; i++) bb.putLong(16 + 8 * i, i < n ? MethodValues.asLong(args[i]) : 0);
        bb.putLong(80, exited ? MethodValues.asLong(result) : 0).putLong(88, elapsed).putInt(96, args.length)
                .putInt(100, receiver == null ? 1 : 0);
        Invocation inv = t.invocation;
        inv.set(receiver, args, result, exited);
        try {
            return hook.fire(c, 0);
        } catch (RuntimeException e) {
            // A failing program must not break the application: the call goes on, the error is counted and reported.
            error(p.where + ": " + e.getMessage());
            return 0;
        } finally {
            inv.clear();
        }
    }

    private RuntimeException deny(Probe p) {
        String msg = "call to " + p.where + " denied by a bypass program";
        try {
            Class<?> c = Class.forName(p.denyWith, true, ClassLoader.getSystemClassLoader());
            Throwable t = (Throwable) c.getConstructor(String.class).newInstance(msg);
            throw Sneaky.<RuntimeException>rethrow(t);
        } catch (ReflectiveOperationException e) {
            return new SecurityException(msg);
        }
    }

    private void fileOpen(Probe p, Object[] args) {
        if (args.length == 0 || args[0] == null) return;
        String path = args[0].toString();
        int read = AclAdmin.READ, write = AclAdmin.WRITE;
        int wanted = switch (p.fileMethod) {
            case "java/io/FileInputStream" -> read;
            case "java/io/FileOutputStream" -> write;
            case "java/io/RandomAccessFile" -> (((Integer) args[1]) & 2) != 0 ? read | write : read; // mode bit 2: rw
            default -> switch (((Integer) args[1]) & 3) { case 0 -> read; case 1 -> write; default -> read | write; }; // O_ACCMODE
        };
        byte[] c = new byte[64];
        ByteBuffer bb = ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN);
        Path file = Path.of(path);
        boolean byName = true;
        try {
            Map<String, Object> attrs = Files.readAttributes(file, "unix:dev,ino");
            bb.putLong(0, ((Number) attrs.get("dev")).longValue()).putLong(8, ((Number) attrs.get("ino")).longValue());
            byName = false;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // no such file yet (being created) or no unix attributes: the program looks the file up by name
        }
        Path fn = file.getFileName();
        byte[] name = (fn == null ? path : fn.toString()).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(name, 0, c, 16, Math.min(name.length, 31));
        bb.putInt(48, fileUser).putInt(52, wanted).putInt(56, byName ? 1 : 0);
        long verdict;
        try {
            verdict = p.entry.fire(c, 2);
        } catch (RuntimeException e) {
            error(p.where + " " + path + ": " + e.getMessage());
            return;
        }
        if (verdict == 0) {
            denied.incrementAndGet();
            throw Sneaky.<RuntimeException>rethrow(new AccessDeniedException(path, null, "denied by bypass program "
                    + p.entry.programs().get(0).name() + " for user " + Integer.toUnsignedString(fileUser)));
        }
        allowed.incrementAndGet();
    }

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

    /** Records written by the {@code records} streams so far. */
    public long recordsWritten() { return writers.stream().mapToLong(RecordWriter::written).sum(); }

    @Override public void close() {
        BridgeHandler.uninstallFor(this);
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
                System.err.println("bypass agent: closing " + closeables.get(i) + ": " + e);
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
