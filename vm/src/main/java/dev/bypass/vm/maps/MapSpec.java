package dev.bypass.vm.maps;

/**
 * A map's declaration, as written in C ({@code SEC(".maps")} or the legacy {@code maps} section) or by a host:
 * what the verifier needs to check accesses and what the runtime needs to create it.
 * For ring buffers {@code maxEntries} is the buffer size in bytes and key/value sizes are 0. A map of maps
 * ({@link MapType#ofMaps()}) has 4-byte values and names the declaration every inner map matches in {@code inner}.
 */
public record MapSpec(String name, MapType type, int keySize, int valueSize, int maxEntries, int flags, MapSpec inner) {
    /** Linux's {@code BPF_F_RDONLY_PROG}: programs may read but not write the values ({@code .rodata}). */
    public static final int F_RDONLY_PROG = 1 << 7;

    public boolean readOnlyForPrograms() { return (flags & F_RDONLY_PROG) != 0; }

    /** Linux's {@code BPF_F_WRONLY_PROG}: programs may write but not read the values. */
    public static final int F_WRONLY_PROG = 1 << 8;

    public boolean writeOnlyForPrograms() { return (flags & F_WRONLY_PROG) != 0; }

    public MapSpec(String name, MapType type, int keySize, int valueSize, int maxEntries, int flags) {
        this(name, type, keySize, valueSize, maxEntries, flags, null);
    }

    public MapSpec {
        if (type == null) throw new IllegalArgumentException("map " + name + ": type is required");
        if (type.ofMaps() && inner == null) throw new IllegalArgumentException("map " + name + ": a map of maps needs its inner map's declaration");
        if (keySize < 0 || valueSize < 0 || maxEntries <= 0)
            throw new IllegalArgumentException("map " + name + ": sizes must be non-negative and max_entries positive");
    }
}
