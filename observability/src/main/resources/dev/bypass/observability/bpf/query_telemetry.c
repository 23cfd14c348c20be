// Per-query telemetry for JDBC applications (attach with the Bypass agent, see telemetry.conf):
//   on_execute   entry of org.postgresql.core.v3.QueryExecutorImpl.execute: the normalised SQL text and its
//                fingerprint (bypass_arg_sql: read and normalised once per pgjdbc Query object)
//   on_status    exit of QueryExecutorImpl.receiveCommandStatus: rows from the CommandComplete tag it returns
//   on_done      exit of execute: count the query, add its latency to its histogram, stream a feature record
// Per-query statistics live in the hash "queries" keyed by fingerprint; latencies go to a histogram of
// 4 sub-buckets per power of two (bucket = 4 * log2(ns) + the next two bits); "features" is a ring buffer of
// struct query_features records for training data.
#include "bypass_observe.h"
#include <bpf/bpf_helpers.h>

#define TEXT_LEN 256
#define HIST_BUCKETS 256
#define MAX_QUERIES 1024

struct pending {
    __u64 fingerprint;
    __u64 rows;
    __u64 started;  // 1 between on_execute and on_done
    char text[TEXT_LEN];
};

struct query_stats {
    __u64 count;
    __u64 total_ns;
    __u64 rows;
    __u64 max_ns;
    __u64 hist[HIST_BUCKETS];
    char text[TEXT_LEN];
};

struct query_features {
    __u64 fingerprint;
    __u64 latency_ns;
    __u64 rows;
    __u64 thread_id;
};

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __type(key, __u64);
    __type(value, struct pending);
    __uint(max_entries, 4096);
} pending SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u64);
    __type(value, struct query_stats);
    __uint(max_entries, MAX_QUERIES);
} queries SEC(".maps");

// The zero value new entries of "queries" start from (never written: read-only for programs).
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, struct query_stats);
    __uint(max_entries, 1);
    __uint(map_flags, BPF_F_RDONLY_PROG);
} zeroes SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 64);
} latency_hist SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 20);
} features SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 4);
} totals SEC(".maps");

enum { TOTAL_QUERIES = 0, DROPPED_FEATURES = 1, UNTRACKED = 2 };

static __always_inline void bump(__u32 which)
{
    __u64 *v = bpf_map_lookup_elem(&totals, &which);
    if (v)
        __sync_fetch_and_add(v, 1);
}

static __always_inline __u32 log2_u64(__u64 v)
{
    __u32 r = 0;
    if (v >> 32) { v >>= 32; r += 32; }
    if (v >> 16) { v >>= 16; r += 16; }
    if (v >> 8) { v >>= 8; r += 8; }
    if (v >> 4) { v >>= 4; r += 4; }
    if (v >> 2) { v >>= 2; r += 2; }
    if (v >> 1) { r += 1; }
    return r;
}

SEC("bypass/method")
int on_execute(struct method_ctx *ctx)
{
    __u64 tid = ctx->thread_id;
    struct pending *p = bpf_map_lookup_elem(&pending, &tid);
    if (!p) {
        struct pending fresh = {};
        bpf_map_update_elem(&pending, &tid, &fresh, BPF_ANY);
        p = bpf_map_lookup_elem(&pending, &tid);
        if (!p)
            return 0;
    }
#ifdef QUERY_TELEMETRY_TEXT_PER_CALL
    // The text read and normalised on every call, as this program did before bypass_arg_sql: built only for the
    // test that checks both ways give the same records.
    if (bypass_arg_bytes(0, p->text, TEXT_LEN) < 0)
        return 0;
    p->fingerprint = bypass_normalize_sql(p->text, TEXT_LEN);
#else
    __u64 fingerprint;
    if (bypass_arg_sql(0, p->text, TEXT_LEN, &fingerprint) < 0)
        return 0;
    p->fingerprint = fingerprint;
#endif
    p->rows = 0;
    p->started = 1;
    return 0;
}

SEC("bypass/method")
int on_status(struct method_ctx *ctx)
{
    __u64 tid = ctx->thread_id;
    struct pending *p = bpf_map_lookup_elem(&pending, &tid);
    if (!p)
        return 0;
    char tag[32] = {};
    long n = bypass_arg_bytes(BYPASS_ARG_RETURN, tag, sizeof(tag));
    if (n <= 0)
        return 0;
    // The row count is the last number of the tag: "SELECT 5", "INSERT 0 1", "UPDATE 3".
    __u64 rows = 0, scale = 1;
    for (int i = 31; i >= 0; i--) {
        if (i >= n)
            continue;
        char c = tag[i];
        if (c < '0' || c > '9')
            break;
        rows += (c - '0') * scale;
        scale *= 10;
    }
    p->rows += rows;
    return 0;
}

SEC("bypass/method")
int on_done(struct method_ctx *ctx)
{
    __u64 tid = ctx->thread_id;
    struct pending *p = bpf_map_lookup_elem(&pending, &tid);
    if (!p || !p->started) {
        bump(UNTRACKED);
        return 0;
    }
    p->started = 0;
    __u64 ns = ctx->elapsed_ns;
    __u64 key = p->fingerprint;
    struct query_stats *s = bpf_map_lookup_elem(&queries, &key);
    if (!s) {
        __u32 zero = 0;
        struct query_stats *z = bpf_map_lookup_elem(&zeroes, &zero);
        if (!z)
            return 0;
        bpf_map_update_elem(&queries, &key, z, BPF_NOEXIST);
        s = bpf_map_lookup_elem(&queries, &key);
        if (!s) {
            bump(UNTRACKED);
            return 0;
        }
    }
    // First execution of this query: keep its text (threads racing here write the same bytes).
    if (s->text[0] == 0)
        __builtin_memcpy(s->text, p->text, TEXT_LEN);
    __sync_fetch_and_add(&s->count, 1);
    __sync_fetch_and_add(&s->total_ns, ns);
    __sync_fetch_and_add(&s->rows, p->rows);
    if (ns > s->max_ns)
        s->max_ns = ns;
    __u32 lg = log2_u64(ns);
    __u32 bucket = lg < 2 ? (__u32) ns : lg * 4 + ((ns >> (lg - 2)) & 3) - 4;
    if (bucket >= HIST_BUCKETS)
        bucket = HIST_BUCKETS - 1;
    __sync_fetch_and_add(&s->hist[bucket], 1);
    __u32 coarse = lg;
    __u64 *slot = bpf_map_lookup_elem(&latency_hist, &coarse);
    if (slot)
        __sync_fetch_and_add(slot, 1);
    bump(TOTAL_QUERIES);

    struct query_features *f = bpf_ringbuf_reserve(&features, sizeof(*f), 0);
    if (!f) {
        bump(DROPPED_FEATURES);
        return 0;
    }
    f->fingerprint = key;
    f->latency_ns = ns;
    f->rows = p->rows;
    f->thread_id = tid;
    // No wakeup per record: the consumer polls with a bounded wait and takes records in batches, which at
    // thousands of statements a second costs far less than a wakeup each.
    bpf_ringbuf_submit(f, BPF_RB_NO_WAKEUP);
    return 0;
}

// Keeps the record type in BTF so that readers can decode ring-buffer records by name.
struct query_features query_features_type_anchor;

char LICENSE[] SEC("license") = "GPL";
