package dev.bypass.vm.maps;

/**
 * A map's declaration, as written in C ({@code SEC(".maps")} or the legacy {@code maps} section) or by a host:
 * what the verifier needs to check accesses and what the runtime needs to create it.
 * For ring buffers {@code maxEntries} is the buffer size in bytes and key/value sizes are 0.
 */
public record MapSpec(String name, MapType type, int keySize, int valueSize, int maxEntries, int flags) {
    /** Linux's {@code BPF_F_RDONLY_PROG}: programs may read but not write the values ({@code .rodata}). */
    public static final int F_RDONLY_PROG = 1 << 7;

    public boolean readOnlyForPrograms() { return (flags & F_RDONLY_PROG) != 0; }

    public MapSpec {
        if (type == null) throw new IllegalArgumentException("map " + name + ": type is required");
        if (keySize < 0 || valueSize < 0 || maxEntries <= 0)
            throw new IllegalArgumentException("map " + name + ": sizes must be non-negative and max_entries positive");
    }
}
