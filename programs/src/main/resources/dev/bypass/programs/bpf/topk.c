// Top-k keys by count. Context: struct topk_ctx. "counts" holds every key's count; "top" holds the K
// keys with the highest counts, maintained under a spin lock so concurrent events keep it consistent.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define K 8

struct topk_ctx {
    __u32 key;
};

struct top_entry {
    __u32 key;
    __u32 used;
    __u64 count;
};

struct top_table {
    struct bpf_spin_lock lock;
    __u32 pad;
    struct top_entry entries[K];
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 4096);
} counts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, struct top_table);
    __uint(max_entries, 1);
} top SEC(".maps");

SEC("bypass/topk")
int observe(struct topk_ctx *ctx)
{
    __u32 key = ctx->key;
    __u64 count = 1;
    __u64 *c = bpf_map_lookup_elem(&counts, &key);
    if (c) {
        count = __sync_add_and_fetch(c, 1);
    } else if (bpf_map_update_elem(&counts, &key, &count, BPF_NOEXIST) != 0) {
        c = bpf_map_lookup_elem(&counts, &key);
        if (!c)
            return 0;
        count = __sync_add_and_fetch(c, 1);
    }
    __u32 zero = 0;
    struct top_table *t = bpf_map_lookup_elem(&top, &zero);
    if (!t)
        return 0;
    bpf_spin_lock(&t->lock);
    int min = 0;
    int found = -1;
    for (int i = 0; i < K; i++) {
        if (t->entries[i].used && t->entries[i].key == key)
            found = i;
        if (!t->entries[i].used || t->entries[i].count < t->entries[min].count)
            if (t->entries[min].used)
                min = i;
    }
    int changed = 0;
    if (found >= 0) {
        if (t->entries[found].count < count)
            t->entries[found].count = count;
    } else if (!t->entries[min].used || t->entries[min].count < count) {
        t->entries[min].key = key;
        t->entries[min].count = count;
        t->entries[min].used = 1;
        changed = 1;
    }
    bpf_spin_unlock(&t->lock);
    return changed;
}

char LICENSE[] SEC("license") = "GPL";
