package dev.bypass.programs;

import dev.bypass.vm.verification.ProgramType;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The program types a runtime knows, looked up by section name. Every runtime knows the Linux types Bypass models
 * ({@link LinuxProgramTypes#SOCKET}) and the buffer type ({@link ProgramType#BUFFER}, {@code SEC("mem")}); hosts
 * register the types of the hooks they declare. A section naming another Linux program type is refused; any other
 * section no type claims loads as {@link ProgramType#RAW}.
 */
public final class ProgramTypes {
    private final List<ProgramType> types = new CopyOnWriteArrayList<>();

    public ProgramTypes() {
        register(LinuxProgramTypes.SOCKET);
        register(ProgramType.BUFFER);
    }

    public ProgramTypes register(ProgramType type) {
        for (ProgramType t : types)
            if (t.sectionPrefix().equals(type.sectionPrefix()))
                throw new IllegalArgumentException("section prefix " + type.sectionPrefix() + " is already registered by type " + t.name());
        types.add(type);
        return this;
    }

    /**
     * The type for a section: the registered type with the longest matching prefix; else, when the section names a
     * Linux program type that is not modelled, an {@link UnsupportedProgramTypeException}; else RAW.
     */
    public ProgramType forSection(String section) {
        ProgramType best = null;
        for (ProgramType t : types)
            if (t.matches(section) && (best == null || t.sectionPrefix().length() > best.sectionPrefix().length())) best = t;
        if (best != null) return best;
        String linux = LinuxProgramTypes.linuxTypeOf(section);
        if (linux != null)
            throw new UnsupportedProgramTypeException("section \"" + section + "\" names the Linux program type " + linux
                    + ", which this runtime does not model (modelled: " + String.join(", ", names()) + ")");
        return ProgramType.RAW;
    }

    private List<String> names() { return types.stream().map(t -> t.sectionPrefix() + " (" + t.name() + ")").toList(); }

    public List<ProgramType> all() { return List.copyOf(types); }
}
