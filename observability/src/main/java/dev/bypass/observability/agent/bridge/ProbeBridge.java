package dev.bypass.observability.agent.bridge;

/**
 * What instrumented methods call. Loaded by the bootstrap class loader (the agent appends it to the boot search
 * path) so that JDK classes can be instrumented too; it forwards to the agent's handler, or does nothing once the
 * agent has detached. Keep it small and free of other dependencies: everything it references must be boot-visible.
 */
public final class ProbeBridge {
    private ProbeBridge() {}

    /** The agent's side of a probe. Methods may throw (a denied call): the exception reaches the caller. */
    public interface Handler {
        long enter(int probe, Object receiver, Object[] args);

        void exit(Object result, int probe, Object receiver, Object[] args, long token);
    }

    private static volatile Handler handler;

    public static void install(Handler h) { handler = h; }

    public static Handler installed() { return handler; }

    /** Called at method entry; returns a token (the entry time) that the matching exit gets. */
    public static long enter(int probe, Object receiver, Object[] args) {
        Handler h = handler;
        return h == null ? 0 : h.enter(probe, receiver, args);
    }

    /** Called before each return (result boxed, null for void) and each throw statement (result is the throwable). */
    public static void exit(Object result, int probe, Object receiver, Object[] args, long token) {
        Handler h = handler;
        if (h != null) h.exit(result, probe, receiver, args, token);
    }
}
