// Test object: a program array filled statically in its declaration, as libbpf allows.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("raw/tail")
int target(void *ctx) { return 42; }

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __array(values, int (void *));
} jmp SEC(".maps") = {
    .values = { [2] = (void *)&target },
};

SEC("raw/tail")
int entry(void *ctx)
{
    bpf_tail_call(ctx, &jmp, 2);
    return 7;
}

char LICENSE[] SEC("license") = "GPL";
