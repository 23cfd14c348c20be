// Connection router for a database proxy. Context: struct route_ctx. Writes go to the primary
// (backend 0); reads stick to one replica per connection, chosen round-robin among the healthy
// backends listed in "backends". The entry program tail-calls the read or write program through the
// program array "handlers"; each decision is also published on the ring buffer "events".
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define MAX_BACKENDS 8

struct route_ctx {
    __u64 conn_id;
    __u32 is_write;
    __u32 backend; // filled by the program: the chosen backend
};

struct backend {
    __u32 healthy;
    __u32 weight;
};

struct route_event {
    __u64 conn_id;
    __u32 backend;
    __u32 is_write;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, struct backend);
    __uint(max_entries, MAX_BACKENDS);
} backends SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __type(key, __u64);
    __type(value, __u32);
    __uint(max_entries, 65536);
} sticky SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 1);
} next_replica SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
    __uint(max_entries, 2);
} handlers SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 64 * 1024);
} events SEC(".maps");

static __always_inline int publish(struct route_ctx *ctx, __u32 backend)
{
    struct route_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
    if (!e)
        return backend;
    e->conn_id = ctx->conn_id;
    e->backend = backend;
    e->is_write = ctx->is_write;
    bpf_ringbuf_submit(e, 0);
    ctx->backend = backend;
    return backend;
}

SEC("bypass/route")
int route(struct route_ctx *ctx)
{
    bpf_tail_call(ctx, &handlers, ctx->is_write ? 1 : 0);
    return -1; // no handler installed
}

SEC("bypass/route")
int route_write(struct route_ctx *ctx)
{
    return publish(ctx, 0);
}

SEC("bypass/route")
int route_read(struct route_ctx *ctx)
{
    __u64 conn = ctx->conn_id;
    __u32 *stuck = bpf_map_lookup_elem(&sticky, &conn);
    if (stuck) {
        __u32 k = *stuck;
        struct backend *b = bpf_map_lookup_elem(&backends, &k);
        if (b && b->healthy)
            return publish(ctx, k);
    }
    __u32 zero = 0;
    __u64 *next = bpf_map_lookup_elem(&next_replica, &zero);
    if (!next)
        return -1;
    __u64 start = __sync_fetch_and_add(next, 1);
    for (__u32 i = 0; i < MAX_BACKENDS; i++) {
        __u32 k = (start + i) % MAX_BACKENDS;
        if (k == 0)
            continue; // the primary takes no reads while replicas exist
        struct backend *b = bpf_map_lookup_elem(&backends, &k);
        if (b && b->healthy) {
            bpf_map_update_elem(&sticky, &conn, &k, BPF_ANY);
            return publish(ctx, k);
        }
    }
    return publish(ctx, 0);
}

char LICENSE[] SEC("license") = "GPL";
