// Counts events per key. Context: struct counter_ctx. Host reads map "counts" (key u64 -> u64 count)
// and pops newly seen keys from the queue "new_keys".
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct counter_ctx {
    __u64 key;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u64);
    __type(value, __u64);
    __uint(max_entries, 1024);
} counts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_QUEUE);
    __type(value, __u64);
    __uint(max_entries, 256);
} new_keys SEC(".maps");

SEC("bypass/counter")
int count_event(struct counter_ctx *ctx)
{
    __u64 key = ctx->key;
    __u64 *value = bpf_map_lookup_elem(&counts, &key);
    if (value) {
        __sync_fetch_and_add(value, 1);
        return 0;
    }
    __u64 one = 1;
    // Another thread may insert the key first: then add to its counter instead.
    if (bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST) == 0) {
        bpf_map_push_elem(&new_keys, &key, BPF_EXIST);
        return 1;
    }
    value = bpf_map_lookup_elem(&counts, &key);
    if (value)
        __sync_fetch_and_add(value, 1);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
