// A policy for the proxy's query hook (bypass_proxy.h, printed by `bypass gen header proxy`): refuses every
// statement that deletes rows (DELETE, TRUNCATE, or a data-modifying WITH ... DELETE), whatever the role, and counts
// what it saw per statement class in the array "statements" (key BYPASS_CLASS_*) and what it refused in "refused".
// Attached by the configuration file:  [programs]  query = delete_guard.o
#include "bypass_proxy.h"
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 16);
    __type(key, __u32);   // BYPASS_CLASS_*
    __type(value, __u64); // statements seen
} statements SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);   // 0
    __type(value, __u64); // statements refused
} refused SEC(".maps");

SEC("bypass/query")
int delete_guard(struct bypass_query_ctx *ctx)
{
    __u32 cls = ctx->stmt_class, zero = 0;
    __u64 *seen = bpf_map_lookup_elem(&statements, &cls);
    if (seen)
        __sync_fetch_and_add(seen, 1);
    if (!(ctx->stmt_mask & (1u << BYPASS_CLASS_DELETE)))
        return BYPASS_ALLOW;
    __u64 *n = bpf_map_lookup_elem(&refused, &zero);
    if (n)
        __sync_fetch_and_add(n, 1);
    return BYPASS_DENY;
}

char LICENSE[] SEC("license") = "GPL";
