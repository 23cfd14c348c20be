// Operating-unit collector for static probe points, after TScout: BEGIN snapshots the thread's clock, CPU time and
// allocation counter for an operating unit; END turns them into deltas; FEATURES attaches the unit's input
// features; FLUSH emits one training record (struct ou_record) to the ring buffer "training" and forgets the unit.
// "unit_counts" counts flushed records per unit id.
#include "bypass_observe.h"
#include <bpf/bpf_helpers.h>

#define MAX_UNITS 256

struct ou_key {
    __u64 thread_id;
    __u32 unit;
    __u32 pad;
};

struct ou_record {
    __u32 unit;
    __u32 nfeatures;
    __u64 thread_id;
    __u64 start_ns;
    __u64 elapsed_ns;
    __u64 cpu_ns;
    __u64 alloc_bytes;
    __u64 features[8];
};

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __type(key, struct ou_key);
    __type(value, struct ou_record);
    __uint(max_entries, 8192);
} running SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 20);
} training SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, MAX_UNITS);
} unit_counts SEC(".maps");

SEC("bypass/probe")
int collect(struct probe_ctx *ctx)
{
    struct ou_key key = { .thread_id = ctx->thread_id, .unit = ctx->unit };
    __u32 kind = ctx->kind;
    if (kind == PROBE_BEGIN) {
        struct ou_record r = {};
        r.unit = ctx->unit;
        r.thread_id = ctx->thread_id;
        r.start_ns = ctx->time_ns;
        r.cpu_ns = ctx->cpu_ns;
        r.alloc_bytes = ctx->alloc_bytes;
        bpf_map_update_elem(&running, &key, &r, BPF_ANY);
        return 0;
    }
    struct ou_record *r = bpf_map_lookup_elem(&running, &key);
    if (!r)
        return 1;  // END, FEATURES or FLUSH without BEGIN
    if (kind == PROBE_END) {
        r->elapsed_ns = ctx->time_ns - r->start_ns;
        r->cpu_ns = ctx->cpu_ns - r->cpu_ns;
        r->alloc_bytes = ctx->alloc_bytes - r->alloc_bytes;
    } else if (kind == PROBE_FEATURES) {
        __u32 n = ctx->nfeatures;
        r->nfeatures = n > 8 ? 8 : n;
        r->features[0] = ctx->features[0];
        r->features[1] = ctx->features[1];
        r->features[2] = ctx->features[2];
        r->features[3] = ctx->features[3];
        r->features[4] = ctx->features[4];
        r->features[5] = ctx->features[5];
        r->features[6] = ctx->features[6];
        r->features[7] = ctx->features[7];
    } else if (kind == PROBE_FLUSH) {
        bpf_ringbuf_output(&training, r, sizeof(*r), 0);
        __u32 unit = r->unit;
        __u64 *count = bpf_map_lookup_elem(&unit_counts, &unit);
        if (count)
            __sync_fetch_and_add(count, 1);
        bpf_map_delete_elem(&running, &key);
    }
    return 0;
}

// Keeps the record type in BTF so that readers can decode ring-buffer records by name.
struct ou_record ou_record_type_anchor;

char LICENSE[] SEC("license") = "GPL";
