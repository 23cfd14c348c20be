// Test program for method probes: counts calls per probe, denies a call whose first argument is 13, keeps the
// text of argument 1 and the receiver's toString, sums return values and elapsed time per probe.
#include "bypass_observe.h"
#include <bpf/bpf_helpers.h>

struct text { char s[64]; };

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 16);
} calls SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 16);
} rets SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 16);
} elapsed SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, struct text);
    __uint(max_entries, 2);
} texts SEC(".maps");

static __always_inline void add(void *map, __u32 key, __u64 v)
{
    __u64 *slot = bpf_map_lookup_elem(map, &key);
    if (slot)
        __sync_fetch_and_add(slot, v);
}

SEC("bypass/method")
int on_enter(struct method_ctx *ctx)
{
    add(&calls, ctx->probe & 15, 1);
    __u32 zero = 0, one = 1;
    struct text *t = bpf_map_lookup_elem(&texts, &zero);
    if (t && ctx->nargs > 1)
        bypass_arg_bytes(1, t->s, sizeof(t->s));
    t = bpf_map_lookup_elem(&texts, &one);
    if (t && !(ctx->flags & 1))
        bypass_arg_bytes(BYPASS_ARG_RECEIVER, t->s, sizeof(t->s));
    return ctx->args[0] == 13;
}

SEC("bypass/method")
int on_exit(struct method_ctx *ctx)
{
    add(&rets, ctx->probe & 15, ctx->ret);
    add(&elapsed, ctx->probe & 15, ctx->elapsed_ns);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
