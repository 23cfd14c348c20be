package dev.bypass.observability.agent;

import dev.bypass.observability.agent.bridge.ProbeBridge;

/**
 * The session's side of the bridge. A class of its own so that the bridge interface is resolved only when it is
 * installed, after {@link BootBridge} put the bridge on the boot class path (classes that merely mention a session
 * must not load it earlier through the application class loader).
 */
final class BridgeHandler implements ProbeBridge.Handler {
    private final AgentSession session;

    private BridgeHandler(AgentSession session) { this.session = session; }

    static void installFor(AgentSession s) { ProbeBridge.install(new BridgeHandler(s)); }

    static void uninstallFor(AgentSession s) {
        if (ProbeBridge.installed() instanceof BridgeHandler h && h.session == s) ProbeBridge.install(null);
    }

    @Override public long enter(int probe, Object receiver, Object[] args) { return session.enter(probe, receiver, args); }

    @Override public void exit(Object result, int probe, Object receiver, Object[] args, long token) {
        session.exit(result, probe, receiver, args, token);
    }
}
