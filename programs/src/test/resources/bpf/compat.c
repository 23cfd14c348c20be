// Test object: tracing-style helpers (probe_read_str, get_current_comm, for_each_map_elem,
// map_lookup_percpu_elem).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct event_ctx {
    char query[32];
};

struct out {
    char query[16];
    char comm[16];
    __u64 sum;
    __u64 visited;
    __u64 cpu0;
    long bad_read;
    long cmp_equal;
    long cmp_less;
    char text[24];
    long text_len;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 16);
} values SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 1);
} per_cpu SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, struct out);
    __uint(max_entries, 1);
} result SEC(".maps");

struct sum_ctx {
    __u64 sum;
    __u64 visited;
};

static long add_value(void *map, __u32 *key, __u64 *value, struct sum_ctx *acc)
{
    acc->sum += *value;
    acc->visited++;
    return 0;
}

SEC("raw/compat")
int compat(struct event_ctx *ctx)
{
    __u32 zero = 0;
    struct out *o = bpf_map_lookup_elem(&result, &zero);
    if (!o)
        return 1;
    bpf_probe_read_kernel_str(o->query, sizeof(o->query), ctx->query);
    bpf_get_current_comm(o->comm, sizeof(o->comm));
    struct sum_ctx acc = {};
    bpf_for_each_map_elem(&values, add_value, &acc, 0);
    o->sum = acc.sum;
    o->visited = acc.visited;
    __u64 *c0 = bpf_map_lookup_percpu_elem(&per_cpu, &zero, 0);
    o->cpu0 = c0 ? *c0 : 99;
    char tmp[8];
    o->bad_read = bpf_probe_read_kernel(tmp, sizeof(tmp), (void *)16);
    o->cmp_equal = bpf_strncmp(o->query, 6, "SELECT");
    o->cmp_less = bpf_strncmp(o->query, 6, "UPDATE");
    o->text_len = BPF_SNPRINTF(o->text, sizeof(o->text), "%d+%d=%d %s", 2, 3, 5, "ok");
    bpf_printk("four args %d %d %d %d", 1, 2, 3, 4);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
