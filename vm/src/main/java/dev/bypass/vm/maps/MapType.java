package dev.bypass.vm.maps;

/**
 * Map types with the ids of Linux's {@code enum bpf_map_type}, so ELF map definitions mean the same thing. Every
 * Linux type is named, so that the verifier can check programs using any of them as Linux would; the runtime
 * creates only the {@link #implemented()} ones.
 */
public enum MapType {
    HASH(1, true), ARRAY(2, true), PROG_ARRAY(3, true), PERF_EVENT_ARRAY(4, true), PERCPU_HASH(5, true), PERCPU_ARRAY(6, true),
    STACK_TRACE(7, false), CGROUP_ARRAY(8, false), LRU_HASH(9, true), LRU_PERCPU_HASH(10, true), LPM_TRIE(11, false),
    ARRAY_OF_MAPS(12, false), HASH_OF_MAPS(13, false), DEVMAP(14, false), SOCKMAP(15, false), CPUMAP(16, false),
    XSKMAP(17, false), SOCKHASH(18, false), CGROUP_STORAGE(19, false), REUSEPORT_SOCKARRAY(20, false),
    PERCPU_CGROUP_STORAGE(21, false), QUEUE(22, true), STACK(23, true), SK_STORAGE(24, false), DEVMAP_HASH(25, false),
    STRUCT_OPS(26, false), RINGBUF(27, true), INODE_STORAGE(28, false), TASK_STORAGE(29, false), BLOOM_FILTER(30, false),
    USER_RINGBUF(31, false), CGRP_STORAGE(32, false), ARENA(33, false);

    public final int linuxId;
    private final boolean implemented;

    MapType(int linuxId, boolean implemented) {
        this.linuxId = linuxId;
        this.implemented = implemented;
    }

    /** Whether this runtime can create maps of this type (the others are known to the verifier only). */
    public boolean implemented() { return implemented; }

    /** Maps whose values are other maps. */
    public boolean ofMaps() { return this == ARRAY_OF_MAPS || this == HASH_OF_MAPS; }

    /** True for the types that keep one value per CPU (lookups from the host return every CPU's value). */
    public boolean perCpu() { return this == PERCPU_HASH || this == PERCPU_ARRAY || this == LRU_PERCPU_HASH; }

    /** The type with this Linux id, or null when Linux defines none. */
    public static MapType ofLinuxId(int id) {
        for (MapType t : values()) if (t.linuxId == id) return t;
        return null;
    }
}
