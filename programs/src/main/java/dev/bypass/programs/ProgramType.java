package dev.bypass.programs;

import dev.bypass.vm.ctx.ContextLayout;

/**
 * A kind of program: the section name prefix that selects it in an object ({@code SEC("prefix/...")}) and the
 * layout of the context its first argument points to. {@link #RAW} is the type of any section no registered type
 * claims: its context is whatever bytes the caller passes, readable and writable at any offset.
 */
public record ProgramType(String name, String sectionPrefix, ContextLayout context) {
    /** Largest raw context: what the caller passes, up to this size. */
    public static final int RAW_CONTEXT_MAX = 1 << 16;

    public static final ProgramType RAW = new ProgramType("raw", "", ContextLayout.raw(RAW_CONTEXT_MAX));

    public boolean matches(String section) {
        return !sectionPrefix.isEmpty() && (section.equals(sectionPrefix) || section.startsWith(sectionPrefix + "/"));
    }
}
