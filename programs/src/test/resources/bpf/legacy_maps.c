// Test object: maps declared the pre-BTF way, in SEC("maps"), plus a string literal in .rodata.str and a
// static subprogram in .text called from two programs.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct legacy_map_def {
    unsigned int type;
    unsigned int key_size;
    unsigned int value_size;
    unsigned int max_entries;
    unsigned int map_flags;
};

struct legacy_map_def SEC("maps") hits = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u64),
    .max_entries = 4,
};

struct legacy_map_def SEC("maps") seen = {
    .type = BPF_MAP_TYPE_HASH,
    .key_size = sizeof(__u64),
    .value_size = sizeof(__u32),
    .max_entries = 16,
};

__attribute__((noinline)) static int bump(__u32 slot)
{
    __u64 *v = bpf_map_lookup_elem(&hits, &slot);
    if (!v)
        return -1;
    __sync_fetch_and_add(v, 1);
    return 0;
}

SEC("legacy/a")
int prog_a(void *ctx)
{
    __u64 key = 0xabc;
    __u32 one = 1;
    bpf_map_update_elem(&seen, &key, &one, BPF_ANY);
    bpf_printk("prog_a ran %d", 7);
    return bump(0);
}

SEC("legacy/b")
int prog_b(void *ctx)
{
    return bump(2) + bump(2);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
