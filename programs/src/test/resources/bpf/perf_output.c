// Test object: events through a perf event array (the pre-ring-buffer channel), with libbpf's defaults for
// the map's sizes.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct event {
    __u64 id;
    __u32 cpu;
    __u32 pad;
};

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
} events SEC(".maps");

SEC("raw/perf")
int emit(__u64 *ctx)
{
    struct event e = { .id = *ctx, .cpu = bpf_get_smp_processor_id() };
    return bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &e, sizeof(e));
}

char LICENSE[] SEC("license") = "GPL";
