package dev.bypass.vm.elf;

import java.util.List;

/** A loaded BPF object: its license, maps (in index order), programs and BTF. */
public record ElfObject(String license, List<MapDefinition> maps, List<ElfProgram> programs, Btf btf) {
    public ElfObject {
        maps = List.copyOf(maps);
        programs = List.copyOf(programs);
    }

    /** The program with this function name, or null. */
    public ElfProgram program(String name) {
        for (ElfProgram p : programs) if (p.name().equals(name)) return p;
        return null;
    }

    public int mapIndex(String name) {
        for (int i = 0; i < maps.size(); i++) if (maps.get(i).spec().name().equals(name)) return i;
        return -1;
    }
}
