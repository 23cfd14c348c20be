package dev.bypass.programs;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The program types a runtime knows, looked up by section name. Hosts register the types of the hooks they
 * declare; a section no type claims loads as {@link ProgramType#RAW}.
 */
public final class ProgramTypes {
    private final List<ProgramType> types = new CopyOnWriteArrayList<>();

    public ProgramTypes register(ProgramType type) {
        for (ProgramType t : types)
            if (t.sectionPrefix().equals(type.sectionPrefix()))
                throw new IllegalArgumentException("section prefix " + type.sectionPrefix() + " is already registered by type " + t.name());
        types.add(type);
        return this;
    }

    /** The type for a section: the registered type with the longest matching prefix, else RAW. */
    public ProgramType forSection(String section) {
        ProgramType best = ProgramType.RAW;
        for (ProgramType t : types)
            if (t.matches(section) && t.sectionPrefix().length() > best.sectionPrefix().length()) best = t;
        return best;
    }

    public List<ProgramType> all() { return List.copyOf(types); }
}
