package dev.bypass.observability.agent.bridge;

/**
 * What an instrumented method hands its probe without boxing or allocating: the arguments the attached programs
 * read, written straight into a per-thread frame ({@link ProbeBridge#frame()}) by the added code, references in
 * {@link #refs} and primitives as their 64-bit numbers in {@link #nums}, at the argument's index. Only the arguments
 * the programs ask for are written; the others keep stale values that nobody reads.
 */
public class ProbeFrame {
    public static final int MAX_ARGS = 8;

    public final Object[] refs = new Object[MAX_ARGS];
    public final long[] nums = new long[MAX_ARGS];
}
