package dev.bypass.vm.verification;

import dev.bypass.vm.ctx.ContextLayout;
import java.util.Set;

/**
 * A kind of program: the section name prefix that selects it in an object ({@code SEC("prefix/...")}), the
 * layout of what r1 points to, and the helpers it may call ({@code helpers}: Linux helper ids, or null for every
 * helper of the runtime's registry). {@code linux} marks a model of a Linux program type: where privileged Linux is
 * more permissive than Bypass's own types (a program may return a pointer, or read stack bytes it never wrote), Linux's rule applies. {@link #RAW} is the type of any section no registered type claims: its
 * context is whatever bytes the caller passes, readable and writable at any offset. {@link #BUFFER} is the
 * calling convention of assembly programs and {@code SEC("mem")} objects: r1 = a buffer, r2 = its length.
 */
public record ProgramType(String name, String sectionPrefix, ContextLayout context, Set<Integer> helpers, boolean linux) {
    /** Largest raw context: what the caller passes, up to this size. */
    public static final int RAW_CONTEXT_MAX = 1 << 16;

    public static final ProgramType RAW = new ProgramType("raw", "", ContextLayout.raw(RAW_CONTEXT_MAX));

    /** A buffer of any length: accesses must be proven inside it by comparisons with the length in r2. */
    public static final ProgramType BUFFER = new ProgramType("mem", "mem", ContextLayout.buffer());

    public ProgramType {
        if (helpers != null) helpers = Set.copyOf(helpers);
    }

    public ProgramType(String name, String sectionPrefix, ContextLayout context) { this(name, sectionPrefix, context, null, false); }

    /** The buffer program type for a buffer of exactly {@code length} bytes (verifying for one known input). */
    public static ProgramType buffer(int length) { return new ProgramType("mem", "mem", ContextLayout.buffer(length)); }

    /** Whether programs of this type may call the helper with this Linux id (when the runtime has it). */
    public boolean allowsHelper(int id) { return helpers == null || helpers.contains(id); }

    public boolean matches(String section) {
        if (section.startsWith("?")) section = section.substring(1); // libbpf: not loaded automatically
        return !sectionPrefix.isEmpty() && (section.equals(sectionPrefix) || section.startsWith(sectionPrefix + "/"));
    }
}
