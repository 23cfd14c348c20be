package dev.bypass.vm.maps;

/** Map types with the ids of Linux's {@code enum bpf_map_type}, so ELF map definitions mean the same thing. */
public enum MapType {
    HASH(1), ARRAY(2), PROG_ARRAY(3), PERF_EVENT_ARRAY(4), PERCPU_HASH(5), PERCPU_ARRAY(6), LRU_HASH(9), LRU_PERCPU_HASH(10),
    QUEUE(22), STACK(23), RINGBUF(27);

    public final int linuxId;

    MapType(int linuxId) { this.linuxId = linuxId; }

    /** True for the types that keep one value per CPU (lookups from the host return every CPU's value). */
    public boolean perCpu() { return this == PERCPU_HASH || this == PERCPU_ARRAY || this == LRU_PERCPU_HASH; }

    /** The type with this Linux id, or null when Bypass does not implement it. */
    public static MapType ofLinuxId(int id) {
        for (MapType t : values()) if (t.linuxId == id) return t;
        return null;
    }
}
