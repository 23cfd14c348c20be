package dev.bypass.programs;

import dev.bypass.vm.verification.ProgramType;
import dev.bypass.vm.elf.ElfProgram;
import dev.bypass.vm.elf.LineInfo;
import dev.bypass.vm.exec.Engine;
import dev.bypass.vm.exec.ExecutionException;
import dev.bypass.vm.exec.ExecutionState;
import dev.bypass.vm.memory.Memory;
import dev.bypass.vm.memory.Region;
import dev.bypass.vm.facts.ProgramFacts;
import dev.bypass.vm.ctx.ContextField;

/**
 * A program that went through load, verify and compile: ready to run directly or to attach to hooks.
 * Thread-safe; each thread runs with its own execution state.
 */
public final class LoadedProgram {
    private final LoadedObject owner;
    private final ProgramRuntime runtime;
    private final ElfProgram source;
    private final ProgramType type;
    private final Engine engine;
    private final ProgramFacts facts;
    private final String verifiedBy;
    /** What every run checks and binds, taken from the type once: the context's size, whether it is raw (r2 gets its
     * length), and the offsets of the context's 8-byte packet start and end fields. */
    private final int contextSize;
    private final boolean rawContext;
    private final int[] packetStartFields, packetEndFields;

    LoadedProgram(LoadedObject owner, ElfProgram source, ProgramType type, Engine engine, ProgramFacts facts, String verifiedBy) {
        this.owner = owner;
        this.runtime = owner.runtime();
        this.source = source;
        this.type = type;
        this.engine = engine;
        this.facts = facts;
        this.verifiedBy = verifiedBy;
        this.contextSize = type.context().size();
        this.rawContext = type.context().unstructured();
        this.packetStartFields = packetFields(type, true);
        this.packetEndFields = packetFields(type, false);
    }

    private static int[] packetFields(ProgramType type, boolean start) {
        return type.context().fields().stream().filter(f -> f.size() == 8)
                .filter(f -> start ? f.kind() == ContextField.Kind.PACKET_START || f.kind() == ContextField.Kind.PACKET_META
                        : f.kind() == ContextField.Kind.PACKET_END)
                .mapToInt(ContextField::offset).toArray();
    }

    public String name() { return source.name(); }

    public String section() { return source.section(); }

    public ProgramType type() { return type; }

    public LoadedObject object() { return owner; }

    /** The engine running the program (what program arrays hold for tail calls). */
    public Engine engine() { return engine; }

    /** True when a real verifier accepted the program; false only on the explicitly unverified test path. */
    public boolean verified() { return facts.verified(); }

    public String verifiedBy() { return verifiedBy; }

    /** What the verifier proved about the program ({@link ProgramFacts#NONE} when it ran unverified). */
    public ProgramFacts facts() { return facts; }

    public int instructionCount() { return source.program().instructions().size(); }

    public ElfProgram source() { return source; }

    /**
     * Runs the program once with {@code context} as the bytes r1 points to (writable: output fields the program
     * sets are visible in the array afterwards); returns r0. Raw programs get the context length in r2.
     */
    public long run(byte[] context) { return run(context, null); }

    /**
     * Runs the program with a context and packet data: the packet is mapped for the program, and the context's
     * 8-byte fields of kind packet start/end (see {@link dev.bypass.vm.ctx.ContextField.Kind}) are filled with
     * pointers to its first byte and one past its last before the run, so C code reads
     * {@code (void *)(long)ctx->data} and {@code ctx->data_end} as on Linux.
     */
    public long run(byte[] context, byte[] packet) { return run(context, packet, true); }

    /**
     * As {@link #run(byte[], byte[])}, with the packet read-only when {@code packetWritable} is false: a store into
     * it stops the program with an error (host-enforced, whatever the verifier proved).
     */
    public long run(byte[] context, byte[] packet, boolean packetWritable) {
        if (context.length != contextSize && (!rawContext || context.length > contextSize)) throw contextMismatch(context.length);
        ExecutionState st = runtime.state();
        // A program started from inside another one's helper on this thread gets its own address space.
        if (st.currentEngine() != null) st = runtime.freshState();
        Memory mem = st.memory();
        long r1 = st.bindContext(context);
        if (packet != null) bindPacket(mem, context, packet, packetWritable);
        // an execution takes a CPU cell by itself at its first per-CPU access (see dev.bypass.vm.exec.Cpus)
        try {
            // raw programs also get the context length in r2 (as the conformance suite's programs expect); typed
            // contexts have a fixed size and get r1 only, as on Linux
            return engine.execute(st, r1, rawContext ? context.length : 0, 0, 0, 0);
        } catch (ExecutionException e) {
            throw failed(e);
        } finally {
            if (packet != null) mem.unbind(Memory.PACKET_REGION);
            // Records a program reserved and locks it took but never released (possible only when it stopped with an
            // error or ran unverified) are discarded and released so they cannot block consumers or other programs.
            st.releaseHeld();
        }
    }

    // the error paths, out of line so that the run itself stays small enough for JIT compilers to inline into hooks

    private ContextException contextMismatch(int length) {
        return new ContextException("program " + name() + ": context of " + length + " bytes does not fit the "
                + contextSize + "-byte " + type.context().name() + " of program type " + type.name());
    }

    private ProgramRunException failed(ExecutionException e) {
        LineInfo line = source.lineAt(e.pc());
        return new ProgramRunException("program " + name() + ": " + e.getMessage() + (line != null ? " (" + line + ")" : ""), e);
    }

    /** Maps the packet and points the context's packet start and end fields at its first byte and one past its last. */
    private void bindPacket(Memory mem, byte[] context, byte[] packet, boolean writable) {
        long start = mem.bind(Memory.PACKET_REGION, Region.of("packet", packet, writable));
        for (int at : packetStartFields) Memory.arrayStore64(context, at, start);
        for (int at : packetEndFields) Memory.arrayStore64(context, at, start + packet.length);
    }

    @Override public String toString() { return "program " + name() + " (" + section() + ", " + type.name() + ")"; }
}
