package dev.bypass.observability.agent;

/** Loaded only after the agent attached: instrumented at class load, not by retransformation. */
public class LateGreeter {
    public static int twice(int x) { return 2 * x; }
}
