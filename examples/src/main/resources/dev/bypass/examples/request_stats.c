// Request statistics for a host application's hook "request.done" (section "example/request"): the host fills
// struct request_ctx after each request it served. Counts requests per HTTP status in the hash "requests" and
// their latency in the log2 histogram "latency_hist" (bucket b counts latencies in [2^b, 2^(b+1)) microseconds).
// Returns 0; the host ignores it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct request_ctx {
    __u32 status;     // HTTP status the host answered
    __u32 reserved;
    __u64 latency_ns; // time the host took to answer
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32);   // status
    __type(value, __u64); // requests
    __uint(max_entries, 64);
} requests SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 64);
} latency_hist SEC(".maps");

static __always_inline __u32 log2_floor(__u64 v)
{
    __u32 b = 0;
    for (int i = 0; i < 63 && v > 1; i++) {
        v >>= 1;
        b++;
    }
    return b;
}

SEC("example/request")
int record_request(struct request_ctx *ctx)
{
    __u32 status = ctx->status;
    __u64 one = 1, *n = bpf_map_lookup_elem(&requests, &status);
    if (n)
        __sync_fetch_and_add(n, 1);
    else if (bpf_map_update_elem(&requests, &status, &one, BPF_NOEXIST) != 0) {
        // another thread inserted the status first: count on its entry
        n = bpf_map_lookup_elem(&requests, &status);
        if (n)
            __sync_fetch_and_add(n, 1);
    }
    __u32 bucket = log2_floor(ctx->latency_ns / 1000);
    __u64 *slot = bpf_map_lookup_elem(&latency_hist, &bucket);
    if (slot)
        __sync_fetch_and_add(slot, 1);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
