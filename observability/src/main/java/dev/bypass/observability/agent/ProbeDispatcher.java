package dev.bypass.observability.agent;

import dev.bypass.observability.ObservabilityHelpers;
import dev.bypass.observability.ObservabilityHelpers.CallValues;
import dev.bypass.observability.ProbeTypes;
import dev.bypass.observability.acl.AclAdmin;
import dev.bypass.observability.agent.bridge.ProbeBridge;
import dev.bypass.observability.agent.bridge.ProbeFrame;
import dev.bypass.programs.Hook;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.objectweb.asm.Type;

/**
 * The session's side of the probe bridge: runs a probe's programs on the application's thread with a context built
 * from what they read ({@link ContextUse}) and nothing else. Per call it does one thread-local lookup (the frame),
 * writes the context fields the programs load, runs them, and clears the references it was handed; it allocates
 * nothing. A class of its own, loaded only once {@link BootBridge} put the bridge on the boot class path: its frames
 * extend the bridge's, so loading it earlier would load the bridge through the application class loader.
 */
final class ProbeDispatcher implements ProbeBridge.Handler, MethodProbeTransformer.Sites {
    /** One instrumented method: its probe, how many arguments it takes and which are primitives. */
    private record Site(Probe probe, int nargs, int primitives, boolean isStatic) {
        boolean primitive(int i) { return (primitives & 1 << i) != 0; }
    }

    /**
     * Site ids carry their dispatcher's generation in the high bits, so that a method still running old
     * instrumented code after a detach and a new attach calls into nothing instead of into another site.
     */
    private static final AtomicInteger GENERATIONS = new AtomicInteger();
    private static final int SITE_BITS = 20;

    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    /** struct open_request of the acl program type. */
    private static final int OPEN_REQUEST_SIZE = 64, NAME_LEN = 32;

    private final AgentSession session;
    private final int generation = GENERATIONS.incrementAndGet() & 0x7ff;
    private volatile Site[] sites = new Site[0];
    private final ThreadLocal<PerThread> perThread = ThreadLocal.withInitial(PerThread::new);

    private ProbeDispatcher(AgentSession session) { this.session = session; }

    /** Installs a dispatcher for the session's probes as the bridge's handler; returns it. */
    static ProbeDispatcher installFor(AgentSession s) {
        ProbeDispatcher d = new ProbeDispatcher(s);
        ProbeBridge.install(d);
        return d;
    }

    /** Removes the dispatcher of this session from the bridge, if it is still the installed one. */
    static void uninstallFor(AgentSession s) {
        if (ProbeBridge.installed() instanceof ProbeDispatcher d && d.session == s) ProbeBridge.install(null);
    }

    @Override public synchronized int register(Probe probe, String className, String method, String descriptor, boolean isStatic) {
        Type[] args = Type.getArgumentTypes(descriptor);
        int primitives = 0;
        for (int i = 0; i < Math.min(args.length, ProbeTypes.MAX_ARGS); i++)
            if (args[i].getSort() != Type.OBJECT && args[i].getSort() != Type.ARRAY) primitives |= 1 << i;
        Site[] now = sites;
        if (now.length >= 1 << SITE_BITS) throw new IllegalStateException("too many instrumented methods");
        Site[] next = Arrays.copyOf(now, now.length + 1);
        next[now.length] = new Site(probe, args.length, primitives, isStatic);
        sites = next;
        return generation << SITE_BITS | now.length;
    }

    private Site site(int id) {
        Site[] s = sites;
        int i = id & (1 << SITE_BITS) - 1;
        return id >>> SITE_BITS == generation && i < s.length ? s[i] : null;
    }

    /** What a thread needs per call, behind one thread-local lookup: it is also the frame probe sites write into. */
    private static final class PerThread extends ProbeFrame implements CallValues {
        final byte[] context = new byte[ProbeTypes.METHOD_CTX_SIZE];
        final byte[] openRequest = new byte[OPEN_REQUEST_SIZE];
        final ObservabilityHelpers.Invocation invocation = ObservabilityHelpers.invocation();
        /** Set while this thread runs programs: calls made from inside (class loading, toString) are not probed. */
        boolean busy;
        // the call whose programs run
        Site site;
        Object receiver, result;
        long number;
        boolean exited, numeric;

        @Override public Object value(int index) {
            if (index == ObservabilityHelpers.RECEIVER) return receiver;
            if (index == ObservabilityHelpers.RETURN_VALUE) return !exited ? null : numeric ? ObservabilityHelpers.PRIMITIVE : result;
            if (index < 0 || index >= Math.min(site.nargs, ProbeTypes.MAX_ARGS)) return null;
            return site.primitive(index) ? ObservabilityHelpers.PRIMITIVE : refs[index];
        }
    }

    @Override public ProbeFrame frame() {
        PerThread t = perThread.get();
        return t.busy ? ProbeBridge.DISCARD : t;
    }

    @Override public long enter(ProbeFrame frame, int id, Object receiver) {
        PerThread t = (PerThread) frame;
        Site s = site(id);
        if (s == null) return 0;
        Probe p = s.probe;
        if (p.fileOpen()) {
            fileOpen(p, t);
            return 0;
        }
        long verdict = run(t, s, p.entry, p.entryUse(), receiver, false, 0);
        if (verdict != 0 && p.denyWith != null) throw session.deny(p);
        return p.exitUse().elapsed() ? System.nanoTime() : 0;
    }

    @Override public void exit(ProbeFrame frame, int id, Object receiver, long token) {
        exitWith((PerThread) frame, id, receiver, token, null, 0, false);
    }

    @Override public void exitObject(Object result, ProbeFrame frame, int id, Object receiver, long token) {
        exitWith((PerThread) frame, id, receiver, token, result, 0, false);
    }

    @Override public void exitNumber(long result, ProbeFrame frame, int id, Object receiver, long token) {
        exitWith((PerThread) frame, id, receiver, token, null, result, true);
    }

    private void exitWith(PerThread t, int id, Object receiver, long token, Object result, long number, boolean numeric) {
        Site s = site(id);
        if (s == null) return;
        Probe p = s.probe;
        long elapsed = p.exitUse().elapsed() ? System.nanoTime() - token : 0;
        t.result = result;
        t.number = number;
        t.numeric = numeric;
        run(t, s, p.exit, p.exitUse(), receiver, true, elapsed);
    }

    /** Runs a hook's programs with the context they read; a failing program is reported and the call goes on. */
    private long run(PerThread t, Site s, Hook<byte[]> hook, ContextUse use, Object receiver, boolean exited, long elapsed) {
        if (hook.isEmpty()) return 0;
        t.busy = true;
        t.site = s;
        t.receiver = receiver;
        t.exited = exited;
        try {
            byte[] c = t.context;
            INT.set(c, 0, s.probe.id);
            INT.set(c, 4, exited ? 1 : 0);
            LONG.set(c, 8, Thread.currentThread().threadId());
            int numbers = use.argNumbers();
            for (int i = 0; numbers != 0; i++, numbers >>>= 1) {
                if ((numbers & 1) == 0) continue;
                long v = i >= s.nargs ? 0 : s.primitive(i) ? t.nums[i] : MethodValues.asLong(t.refs[i]);
                LONG.set(c, 16 + 8 * i, v);
            }
            if (use.ret()) LONG.set(c, 80, !exited ? 0 : t.numeric ? t.number : MethodValues.asLong(t.result));
            if (use.elapsed()) LONG.set(c, 88, elapsed);
            INT.set(c, 96, s.nargs);
            INT.set(c, 100, s.isStatic ? 1 : 0);
            t.invocation.begin(t);
            return hook.fire(c, 0);
        } catch (RuntimeException e) {
            // A failing program must not break the application: the call goes on, the error is counted and reported.
            session.error(s.probe.where + ": " + e.getMessage());
            return 0;
        } finally {
            t.invocation.end();
            // drop the references so the values can be collected
            for (int refs = use.args(); refs != 0; refs &= refs - 1) t.refs[Integer.numberOfTrailingZeros(refs)] = null;
            t.receiver = t.result = null;
            t.busy = false;
        }
    }

    /** A file-open probe: builds the acl program's open_request from the path and the mode and applies its verdict. */
    private void fileOpen(Probe p, PerThread t) {
        Object pathArg = t.refs[0];
        t.refs[0] = null;
        if (pathArg == null || p.entry.isEmpty()) return;
        t.busy = true;
        try {
            checkOpen(p, t, pathArg.toString(), (int) t.nums[1]);
        } finally {
            t.busy = false;
        }
    }

    private void checkOpen(Probe p, PerThread t, String path, int mode) {
        int read = AclAdmin.READ, write = AclAdmin.WRITE;
        int wanted = switch (p.fileMethod) {
            case "java/io/FileInputStream" -> read;
            case "java/io/FileOutputStream" -> write;
            case "java/io/RandomAccessFile" -> (mode & 2) != 0 ? read | write : read; // mode bit 2: rw
            default -> switch (mode & 3) { case 0 -> read; case 1 -> write; default -> read | write; }; // O_ACCMODE
        };
        byte[] c = t.openRequest;
        Arrays.fill(c, (byte) 0);
        Path file = Path.of(path);
        boolean byName = true;
        try {
            Map<String, Object> attrs = Files.readAttributes(file, "unix:dev,ino");
            LONG.set(c, 0, ((Number) attrs.get("dev")).longValue());
            LONG.set(c, 8, ((Number) attrs.get("ino")).longValue());
            byName = false;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // no such file yet (being created) or no unix attributes: the program looks the file up by name
        }
        Path fn = file.getFileName();
        byte[] name = (fn == null ? path : fn.toString()).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(name, 0, c, 16, Math.min(name.length, NAME_LEN - 1));
        INT.set(c, 48, session.fileUser());
        INT.set(c, 52, wanted);
        INT.set(c, 56, byName ? 1 : 0);
        long verdict;
        try {
            verdict = p.entry.fire(c, 2);
        } catch (RuntimeException e) {
            session.error(p.where + " " + path + ": " + e.getMessage());
            return;
        }
        session.countOpen(verdict != 0);
        if (verdict == 0)
            throw AgentSession.Sneaky.<RuntimeException>rethrow(new AccessDeniedException(path, null, "denied by bypass program "
                    + p.entry.programs().get(0).name() + " for user " + Integer.toUnsignedString(session.fileUser())));
    }
}
