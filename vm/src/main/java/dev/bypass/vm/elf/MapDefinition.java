package dev.bypass.vm.elf;

import dev.bypass.vm.maps.MapSpec;

/**
 * A map declared by an object: a BTF-defined map in {@code .maps}, a legacy {@code maps} entry, or a global data
 * section ({@code .data}, {@code .rodata}, {@code .bss}) that becomes a one-element array. Key and value BTF type
 * ids are 0 when unknown. {@code initialData} is the section contents of global data (null for {@code .bss} and
 * for other maps).
 */
public record MapDefinition(MapSpec spec, Kind kind, int keyTypeId, int valueTypeId, byte[] initialData) {
    public enum Kind { BTF, LEGACY, DATA, RODATA, BSS }

    public boolean isGlobalData() { return kind == Kind.DATA || kind == Kind.RODATA || kind == Kind.BSS; }
}
