package dev.bypass.observability.agent.bridge;

/**
 * What instrumented methods call. Loaded by the bootstrap class loader (the agent appends it to the boot search
 * path) so that JDK classes can be instrumented too; it forwards to the agent's handler, or does nothing once the
 * agent has detached. Keep it small and free of other dependencies: everything it references must be boot-visible.
 *
 * <p>A probe site first takes this thread's frame, writes into it the arguments its programs read, then calls
 * {@link #enter} or one of the exits with the site id the agent gave it when it instrumented the method.
 */
public final class ProbeBridge {
    private ProbeBridge() {}

    /** The agent's side of a probe. Methods may throw (a denied call): the exception reaches the caller. */
    public interface Handler {
        /** This thread's frame, or {@link #DISCARD} when its probes must not run now (it is running programs). */
        ProbeFrame frame();

        long enter(ProbeFrame frame, int site, Object receiver);

        void exit(ProbeFrame frame, int site, Object receiver, long token);

        void exitObject(Object result, ProbeFrame frame, int site, Object receiver, long token);

        void exitNumber(long result, ProbeFrame frame, int site, Object receiver, long token);
    }

    /** A frame whose contents nobody reads: probe sites write into it while no handler wants their values. */
    public static final ProbeFrame DISCARD = new ProbeFrame();

    private static volatile Handler handler;

    public static void install(Handler h) { handler = h; }

    public static Handler installed() { return handler; }

    /** The frame this thread's probe site writes its arguments into. */
    public static ProbeFrame frame() {
        Handler h = handler;
        return h == null ? DISCARD : h.frame();
    }

    /** Called at method entry; returns a token (the entry time when exit programs read it) that the matching exit gets. */
    public static long enter(ProbeFrame frame, int site, Object receiver) {
        Handler h = handler;
        return h == null || frame == DISCARD ? 0 : h.enter(frame, site, receiver);
    }

    /** Called before each return of a method whose result the programs do not read. */
    public static void exit(ProbeFrame frame, int site, Object receiver, long token) {
        Handler h = handler;
        if (h != null && frame != DISCARD) h.exit(frame, site, receiver, token);
    }

    /** Called before each return of an object (null for void) and each throw statement (the throwable). */
    public static void exitObject(Object result, ProbeFrame frame, int site, Object receiver, long token) {
        Handler h = handler;
        if (h != null && frame != DISCARD) h.exitObject(result, frame, site, receiver, token);
    }

    /** Called before each return of a primitive, as its 64-bit number (see {@code MethodValues}). */
    public static void exitNumber(long result, ProbeFrame frame, int site, Object receiver, long token) {
        Handler h = handler;
        if (h != null && frame != DISCARD) h.exitNumber(result, frame, site, receiver, token);
    }
}
