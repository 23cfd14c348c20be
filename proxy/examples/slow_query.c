// A slow-query reporter for the proxy's result hook: each statement that took longer than the threshold in
// `threshold` (nanoseconds; 0 reports nothing) becomes an event in the ring buffer `slow_queries`: its fingerprint
// (the same for every statement differing only in constants), duration, rows, command tag, role and client id.
//   [programs]  result = slow_query.o
//   console:    SET MAP threshold 0 100000000      (100 ms)      SHOW MAP slow_queries   (takes the pending events)
#include "bypass_proxy.h"
#include <bpf/bpf_helpers.h>

struct slow_query {
    __u64 fingerprint;
    __u64 duration_ns;
    __u64 rows;
    __u64 role_hash;
    __u32 client_id;
    __u32 stmt_class;
    char tag[32];
    char role[64];
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} threshold SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 64 * 1024);
} slow_queries SEC(".maps");

SEC("bypass/result")
int report_slow(struct bypass_result_ctx *ctx)
{
    __u32 zero = 0;
    __u64 *limit = bpf_map_lookup_elem(&threshold, &zero);
    if (!limit || *limit == 0 || ctx->duration_ns < *limit)
        return 0;
    struct slow_query *e = bpf_ringbuf_reserve(&slow_queries, sizeof(*e), 0);
    if (!e)
        return 0; // the buffer is full: the event is lost, the statement is not affected
    e->fingerprint = bypass_fingerprint(ctx);
    e->duration_ns = ctx->duration_ns;
    e->rows = ctx->rows;
    e->role_hash = ctx->session.role_hash;
    e->client_id = ctx->session.client_id;
    e->stmt_class = ctx->stmt_class;
    __builtin_memcpy(e->tag, ctx->tag, sizeof(e->tag));
    __builtin_memcpy(e->role, ctx->session.role, sizeof(e->role));
    bpf_ringbuf_submit(e, 0);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
