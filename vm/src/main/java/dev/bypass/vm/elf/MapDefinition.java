package dev.bypass.vm.elf;

import dev.bypass.vm.maps.MapSpec;

/**
 * A map declared by an object: a BTF-defined map in {@code .maps}, a legacy {@code maps} entry, or a global data
 * section ({@code .data}, {@code .rodata}, {@code .bss}) that becomes a one-element array. Key and value BTF type
 * ids are 0 when unknown. {@code initialData} is the section contents of global data (null for {@code .bss} and
 * for other maps). {@code variables} lists a global data section's variables (clang leaves their offsets out of
 * BTF; the loader takes them from the symbol table, as libbpf does).
 */
public record MapDefinition(MapSpec spec, Kind kind, int keyTypeId, int valueTypeId, byte[] initialData,
                            java.util.List<GlobalVariable> variables) {
    public enum Kind { BTF, LEGACY, DATA, RODATA, BSS }

    /** A global variable of a data section: its BTF type and where it sits in the section (from the symbol table). */
    public record GlobalVariable(String name, int typeId, long offset, long size) {}

    public MapDefinition {
        variables = variables == null ? java.util.List.of() : java.util.List.copyOf(variables);
    }

    public boolean isGlobalData() { return kind == Kind.DATA || kind == Kind.RODATA || kind == Kind.BSS; }
}
