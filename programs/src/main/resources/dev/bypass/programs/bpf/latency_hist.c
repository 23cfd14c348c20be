// Log2 latency histogram. Context: struct latency_ctx. Bucket b of array "hist" counts latencies in
// [2^b, 2^(b+1)) nanoseconds (bucket 0 also counts 0). "stats" holds the count and sum of all samples.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define BUCKETS 64

struct latency_ctx {
    __u64 latency_ns;
};

struct stats {
    __u64 count;
    __u64 sum_ns;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, BUCKETS);
} hist SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, struct stats);
    __uint(max_entries, 1);
} totals SEC(".maps");

struct log2_state {
    __u64 value;
    __u32 bits;
};

static int shift_step(__u32 index, struct log2_state *st)
{
    if (st->value <= 1)
        return 1;
    st->value >>= 1;
    st->bits++;
    return 0;
}

// A separate function: a bpf-to-bpf call relocated into .text, using bpf_loop with a callback.
__attribute__((noinline)) __u32 log2_u64(__u64 v)
{
    struct log2_state st = { .value = v, .bits = 0 };
    bpf_loop(64, shift_step, &st, 0);
    return st.bits;
}

SEC("bypass/latency")
int record_latency(struct latency_ctx *ctx)
{
    __u64 ns = ctx->latency_ns;
    __u32 bucket = log2_u64(ns);
    if (bucket >= BUCKETS)
        bucket = BUCKETS - 1;
    __u64 *slot = bpf_map_lookup_elem(&hist, &bucket);
    if (slot)
        __sync_fetch_and_add(slot, 1);
    __u32 zero = 0;
    struct stats *s = bpf_map_lookup_elem(&totals, &zero);
    if (s) {
        __sync_fetch_and_add(&s->count, 1);
        __sync_fetch_and_add(&s->sum_ns, ns);
    }
    return bucket;
}

char LICENSE[] SEC("license") = "GPL";
