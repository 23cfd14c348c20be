// A per-role rate limiter for the proxy's query hook: a token bucket per role in a map. An operator sets a role's
// limit (statements per second and burst) in `limits`; a role without a limit is not limited. Each execution (a
// simple Query, an unnamed Parse, a Bind of a named statement, a FunctionCall) takes one token; with none left it is refused (SQLSTATE 42501, naming the program) and counted in `limited`.
//   [programs]  query = rate_limiter.o
//   console:    SET MAP limits hash:reporting 0x0a000000000000001400000000000000   (10/s, burst 20)
#include "bypass_proxy.h"
#include <bpf/bpf_helpers.h>

#define NS_PER_TOKEN 1000000000ULL

struct limit {
    __u64 per_second; // tokens added per second
    __u64 burst;      // most tokens a bucket holds
};

struct bucket {
    struct bpf_spin_lock lock;
    __u32 reserved;
    __u64 nanotokens; // tokens * 1e9
    __u64 last_ns;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4096);
    __type(key, __u64); // role_hash
    __type(value, struct limit);
} limits SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4096);
    __type(key, __u64); // role_hash
    __type(value, struct bucket);
} buckets SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4096);
    __type(key, __u64);   // role_hash
    __type(value, __u64); // statements refused
} limited SEC(".maps");

SEC("bypass/query")
int rate_limit(struct bypass_query_ctx *ctx)
{
    // executions are charged: a Parse of a named statement only prepares it (each execution comes as a Bind)
    if (ctx->protocol == BYPASS_PROTO_PARSE && ctx->named)
        return BYPASS_ALLOW;
    __u64 role = ctx->session.role_hash;
    struct limit *l = bpf_map_lookup_elem(&limits, &role);
    if (!l || l->per_second == 0)
        return BYPASS_ALLOW;
    __u64 rate = l->per_second, cap = l->burst * NS_PER_TOKEN, now = bpf_ktime_get_ns();
    struct bucket *b = bpf_map_lookup_elem(&buckets, &role);
    if (!b) {
        struct bucket fresh = {.nanotokens = cap > NS_PER_TOKEN ? cap - NS_PER_TOKEN : 0, .last_ns = now};
        bpf_map_update_elem(&buckets, &role, &fresh, BPF_NOEXIST);
        return cap >= NS_PER_TOKEN ? BYPASS_ALLOW : BYPASS_DENY;
    }
    int ok;
    bpf_spin_lock(&b->lock);
    __u64 elapsed = now > b->last_ns ? now - b->last_ns : 0;
    b->last_ns = now;
    __u64 add = elapsed >= cap / rate ? cap : elapsed * rate; // no overflow: elapsed * rate < cap here
    __u64 t = b->nanotokens + add;
    if (t > cap)
        t = cap;
    ok = t >= NS_PER_TOKEN;
    if (ok)
        t -= NS_PER_TOKEN;
    b->nanotokens = t;
    bpf_spin_unlock(&b->lock);
    if (ok)
        return BYPASS_ALLOW;
    __u64 one = 1, *n = bpf_map_lookup_elem(&limited, &role);
    if (n)
        __sync_fetch_and_add(n, 1);
    else
        bpf_map_update_elem(&limited, &role, &one, BPF_NOEXIST);
    return BYPASS_DENY;
}

char LICENSE[] SEC("license") = "GPL";
