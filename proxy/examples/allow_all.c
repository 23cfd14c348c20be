// The simplest query program: lets everything through and counts statements per protocol (simple, Parse, Bind,
// FunctionCall). allow_all_v2.c is the same with other code and the same map: swapped for each other on RELOAD, they
// share by_protocol, whose counts go on.
#include "bypass_proxy.h"
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} by_protocol SEC(".maps");

SEC("bypass/query")
int allow_all(struct bypass_query_ctx *ctx)
{
#ifdef ALLOW_ALL_V2
    __u32 p = ctx->protocol & 3; // the same slots, written differently
#else
    __u32 p = ctx->protocol;
#endif
    __u64 *n = bpf_map_lookup_elem(&by_protocol, &p);
    if (n)
        __sync_fetch_and_add(n, 1);
    return BYPASS_ALLOW;
}

char LICENSE[] SEC("license") = "GPL";
