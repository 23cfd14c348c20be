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

/**
 * A program that went through load, verify and compile: ready to run directly or to attach to hooks.
 * Thread-safe; each thread runs with its own execution state.
 */
public final class LoadedProgram {
    private final LoadedObject owner;
    private final ElfProgram source;
    private final ProgramType type;
    private final Engine engine;
    private final ProgramFacts facts;
    private final String verifiedBy;

    LoadedProgram(LoadedObject owner, ElfProgram source, ProgramType type, Engine engine, ProgramFacts facts, String verifiedBy) {
        this.owner = owner;
        this.source = source;
        this.type = type;
        this.engine = engine;
        this.facts = facts;
        this.verifiedBy = verifiedBy;
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
        if (context.length > type.context().size() || (!type.context().unstructured() && context.length != type.context().size()))
            throw new ContextException("program " + name() + ": context of " + context.length + " bytes does not fit the "
                    + type.context().size() + "-byte " + type.context().name() + " of program type " + type.name());
        ExecutionState st = owner.runtime().state();
        // A program started from inside another one's helper on this thread gets its own address space.
        if (st.currentEngine() != null) st = owner.runtime().freshState();
        Memory mem = st.memory();
        long r1 = context.length == 0 ? 0 : mem.bind(Memory.CTX_REGION, st.contextRegion(context));
        if (packet != null) {
            long start = mem.bind(Memory.PACKET_REGION, Region.of("packet", packet, packetWritable));
            java.nio.ByteBuffer ctx = java.nio.ByteBuffer.wrap(context).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (dev.bypass.vm.ctx.ContextField f : type.context().fields()) {
                if (f.size() != 8) continue;
                switch (f.kind()) {
                    case PACKET_START, PACKET_META -> ctx.putLong(f.offset(), start);
                    case PACKET_END -> ctx.putLong(f.offset(), start + packet.length);
                    default -> {}
                }
            }
        }
        // an execution takes a CPU cell by itself at its first per-CPU access (see dev.bypass.vm.exec.Cpus)
        try {
            // raw programs also get the context length in r2 (as the conformance suite's programs expect); typed
            // contexts have a fixed size and get r1 only, as on Linux
            return engine.execute(st, r1, type.context().unstructured() ? context.length : 0, 0, 0, 0);
        } catch (ExecutionException e) {
            LineInfo line = source.lineAt(e.pc());
            throw new ProgramRunException("program " + name() + ": " + e.getMessage() + (line != null ? " (" + line + ")" : ""), e);
        } finally {
            mem.unbind(Memory.CTX_REGION);
            mem.unbind(Memory.PACKET_REGION);
            // Records a program reserved and locks it took but never released (possible only when it stopped with an
            // error or ran unverified) are discarded and released so they cannot block consumers or other programs.
            st.releaseHeld();
        }
    }

    @Override public String toString() { return "program " + name() + " (" + section() + ", " + type.name() + ")"; }
}
