// Token-bucket rate limiter per client. Context: struct rate_ctx (the caller supplies the clock, so
// decisions are reproducible). Each client's bucket refills at rate_per_sec tokens per second up to
// burst tokens; a request takes one token or is refused. Returns 1 to admit, 0 to refuse.
// Configuration lives in .rodata (set before load), totals in .bss (global data maps).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct rate_ctx {
    __u32 client;
    __u32 pad;
    __u64 now_ns;
};

struct bucket {
    __u64 milli_tokens;
    __u64 last_ns;
};

const volatile __u64 rate_per_sec = 10;
const volatile __u64 burst = 5;

__u64 admitted = 0;
__u64 refused = 0;

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __type(key, __u32);
    __type(value, struct bucket);
    __uint(max_entries, 10000);
} buckets SEC(".maps");

SEC("bypass/ratelimit")
int admit(struct rate_ctx *ctx)
{
    __u32 client = ctx->client;
    __u64 now = ctx->now_ns;
    __u64 cap = burst * 1000;
    struct bucket *b = bpf_map_lookup_elem(&buckets, &client);
    if (!b) {
        struct bucket fresh = { .milli_tokens = cap - 1000, .last_ns = now };
        bpf_map_update_elem(&buckets, &client, &fresh, BPF_ANY);
        __sync_fetch_and_add(&admitted, 1);
        return 1;
    }
    if (now > b->last_ns) {
        __u64 add = (now - b->last_ns) * rate_per_sec / 1000000;
        __u64 tokens = b->milli_tokens + add;
        b->milli_tokens = tokens > cap ? cap : tokens;
        b->last_ns = now;
    }
    if (b->milli_tokens >= 1000) {
        b->milli_tokens -= 1000;
        __sync_fetch_and_add(&admitted, 1);
        return 1;
    }
    __sync_fetch_and_add(&refused, 1);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
