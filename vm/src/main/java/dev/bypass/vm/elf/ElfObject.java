package dev.bypass.vm.elf;

import java.util.List;

/**
 * A loaded BPF object: its license, maps (in index order), programs, BTF, and the program array slots it fills
 * statically ({@code .values = { [i] = &prog }} in a {@code PROG_ARRAY} declaration).
 */
public record ElfObject(String license, List<MapDefinition> maps, List<ElfProgram> programs, Btf btf,
                        List<TailCallSlot> tailCallSlots, List<ProgramFailure> failures) {
    /** Slot {@code slot} of the program array at map index {@code mapIndex} holds program {@code program}. */
    public record TailCallSlot(int mapIndex, int slot, String program) {}

    /** A program of the object that could not be built ({@link ElfLoader#loadEachProgram}), and why. */
    public record ProgramFailure(String name, String section, ElfException error) {}

    public ElfObject {
        maps = List.copyOf(maps);
        programs = List.copyOf(programs);
        tailCallSlots = List.copyOf(tailCallSlots);
        failures = List.copyOf(failures);
    }

    public ElfObject(String license, List<MapDefinition> maps, List<ElfProgram> programs, Btf btf, List<TailCallSlot> tailCallSlots) {
        this(license, maps, programs, btf, tailCallSlots, List.of());
    }

    /** The program with this function name, or null. */
    public ElfProgram program(String name) {
        for (ElfProgram p : programs) if (p.name().equals(name)) return p;
        return null;
    }

    /**
     * A copy whose global data section {@code section} starts with {@code data} instead: how a host sets
     * {@code const volatile} configuration in {@code .rodata} before loading (the loaded {@code .rodata} is frozen,
     * so the verifier may rely on its values).
     */
    public ElfObject withInitialData(String section, byte[] data) {
        int i = mapIndex(section);
        if (i < 0 || !maps.get(i).isGlobalData())
            throw new ElfException(section, 0, "no global data section " + section + " in this object");
        MapDefinition d = maps.get(i);
        if (data.length != d.spec().valueSize())
            throw new ElfException(section, 0, "new contents are " + data.length + " bytes, the section is " + d.spec().valueSize());
        java.util.List<MapDefinition> copy = new java.util.ArrayList<>(maps);
        copy.set(i, new MapDefinition(d.spec(), d.kind(), d.keyTypeId(), d.valueTypeId(), data.clone(), d.variables()));
        return new ElfObject(license, copy, programs, btf, tailCallSlots, failures);
    }

    public int mapIndex(String name) {
        for (int i = 0; i < maps.size(); i++) if (maps.get(i).spec().name().equals(name)) return i;
        return -1;
    }
}
