package dev.bypass.programs;

import dev.bypass.vm.verification.ProgramType;
import java.util.List;

/**
 * A point in host code where programs run: declared by the host with a name, a program type, and how to turn its
 * context object into the bytes programs see (and read back what they wrote). Programs attach and detach at any
 * time, also while other threads fire the hook: firing reads an immutable snapshot of the attached list.
 *
 * <pre>{@code
 * ProgramType queryType = new ProgramType("query", "bypass/query",
 *         ContextLayout.of("query_ctx", 16, ContextField.readOnly("session", 0, 8), ContextField.readWrite("verdict", 8, 4), ...));
 * ProgramRuntime runtime = ProgramRuntime.builder().types(new ProgramTypes().register(queryType)).build();
 * Hook<Query> onQuery = runtime.declareHook("query.start", queryType, q -> q.encode());
 * LoadedObject acl = runtime.load(Path.of("acl.o"));          // verified against query_ctx
 * try (var attachment = onQuery.attach(acl.program("check"))) {
 *     long verdict = onQuery.fire(query, ALLOW);              // ALLOW when nothing is attached
 * }
 * }</pre>
 *
 * @param <C> the host's context object
 */
public final class Hook<C> {
    /** Converts between the host's context object and the context bytes of the hook's program type. */
    public interface ContextCodec<C> {
        byte[] encode(C context);

        /** Called after each program with the bytes it may have changed; default: nothing to read back. */
        default void decode(byte[] bytes, C context) {}

        /** Packet data for program types whose context points to a packet; default none. */
        default byte[] packet(C context) { return null; }
    }

    private static final long[] NO_VERDICTS = new long[0];

    private final String name;
    private final ProgramType type;
    private final ContextCodec<C> codec;
    /**
     * The attached programs as an immutable snapshot: firing costs one volatile read when it is empty, and a firing
     * thread keeps the snapshot it read even while another thread attaches or detaches (copy on write).
     */
    private volatile Attachment[] attached = newArray(0);

    public Hook(String name, ProgramType type, ContextCodec<C> codec) {
        this.name = name;
        this.type = type;
        this.codec = codec;
    }

    public String name() { return name; }

    public ProgramType type() { return type; }

    /**
     * Attaches a program of this hook's type (it was verified against this context layout); runs after those
     * attached before it.
     */
    public Attachment attach(LoadedProgram program) {
        if (!program.type().equals(type))
            throw new IllegalArgumentException(program + " cannot attach to hook " + name + " of type " + type.name());
        Attachment a = new Attachment(program);
        synchronized (this) {
            Attachment[] now = attached;
            Attachment[] next = newArray(now.length + 1);
            System.arraycopy(now, 0, next, 0, now.length);
            next[now.length] = a;
            attached = next;
        }
        program.object().attachments.add(a);
        return a;
    }

    @SuppressWarnings("unchecked")
    private Attachment[] newArray(int n) { return (Attachment[]) new Hook<?>.Attachment[n]; }

    private synchronized void detach(Attachment a) {
        Attachment[] now = attached;
        int i = java.util.Arrays.asList(now).indexOf(a);
        if (i < 0) return;
        Attachment[] next = newArray(now.length - 1);
        System.arraycopy(now, 0, next, 0, i);
        System.arraycopy(now, i + 1, next, i, now.length - i - 1);
        attached = next;
    }

    public List<LoadedProgram> programs() { return java.util.Arrays.stream(attached).map(Attachment::program).toList(); }

    /** True when no program is attached: hosts may skip building the context (one volatile read). */
    public boolean isEmpty() { return attached.length == 0; }

    /** Runs every attached program in order with the context; returns each one's r0 (empty when none is attached). */
    public long[] fire(C context) {
        Attachment[] snapshot = attached;
        if (snapshot.length == 0) return NO_VERDICTS;
        long[] out = new long[snapshot.length];
        for (int i = 0; i < out.length; i++) out[i] = runOne(snapshot[i], context);
        return out;
    }

    /**
     * Runs the attached programs in order and returns the verdict: the r0 of the first program whose r0 differs
     * from {@code neutral} (later programs still run, so they see every event), or {@code neutral} when every
     * program returned it or nothing is attached.
     */
    public long fire(C context, long neutral) {
        Attachment[] snapshot = attached;
        if (snapshot.length == 0) return neutral;
        if (snapshot.length == 1) return runOne(snapshot[0], context); // the common case, without a loop around the call
        long verdict = neutral;
        for (Attachment a : snapshot) {
            long r0 = runOne(a, context);
            if (verdict == neutral) verdict = r0;
        }
        return verdict;
    }

    private long runOne(Attachment a, C context) {
        byte[] bytes = codec.encode(context);
        long r0 = a.program.run(bytes, codec.packet(context));
        codec.decode(bytes, context);
        return r0;
    }

    /** A program attached to this hook; closing it detaches the program. */
    public final class Attachment implements AutoCloseable {
        private final LoadedProgram program;

        private Attachment(LoadedProgram program) { this.program = program; }

        public LoadedProgram program() { return program; }

        public Hook<C> hook() { return Hook.this; }

        @Override public void close() {
            detach(this);
            program.object().attachments.remove(this);
        }
    }
}
