package dev.bypass.programs;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

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

    private final String name;
    private final ProgramType type;
    private final ContextCodec<C> codec;
    private final List<Attachment> attached = new CopyOnWriteArrayList<>();

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
        attached.add(a);
        program.object().attachments.add(a);
        return a;
    }

    public List<LoadedProgram> programs() { return attached.stream().map(Attachment::program).toList(); }

    public boolean isEmpty() { return attached.isEmpty(); }

    /** Runs every attached program in order with the context; returns each one's r0 (empty when none is attached). */
    public long[] fire(C context) {
        List<Attachment> snapshot = List.copyOf(attached);
        long[] out = new long[snapshot.size()];
        for (int i = 0; i < out.length; i++) {
            byte[] bytes = codec.encode(context);
            out[i] = snapshot.get(i).program.run(bytes, codec.packet(context));
            codec.decode(bytes, context);
        }
        return out;
    }

    /** Runs the attached programs; returns the first one's r0, or {@code ifNone} when nothing is attached. */
    public long fire(C context, long ifNone) {
        long[] all = fire(context);
        return all.length == 0 ? ifNone : all[0];
    }

    /** A program attached to this hook; closing it detaches the program. */
    public final class Attachment implements AutoCloseable {
        private final LoadedProgram program;

        private Attachment(LoadedProgram program) { this.program = program; }

        public LoadedProgram program() { return program; }

        public Hook<C> hook() { return Hook.this; }

        @Override public void close() {
            attached.remove(this);
            program.object().attachments.remove(this);
        }
    }
}
