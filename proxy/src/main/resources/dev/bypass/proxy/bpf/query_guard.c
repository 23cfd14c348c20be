// Hooks of the proxy. query_guard (query hook) counts every query by statement class and by normalized-text hash,
// and rejects statement classes an operator has denied for a role; context struct query_ctx, filled by the proxy
// for each Query, Parse or FunctionCall. connect_guard (connect hook) counts logins per role and refuses roles and
// client addresses an operator has blocked (context struct connect_ctx). As the proxy's program ABI says (bypass gen
// header proxy), connect, auth and query programs return 1 to allow and 0 to refuse; the structs below are the leading
// fields of the ABI's contexts, at the same offsets. Attach them through [programs] as @query_guard.o:PROGRAM.
// result_counter (result hook) adds up completed statements and their row counts per (role, statement class).
// route_query (route hook) picks the backend of a transaction: 0 the primary, 1..n a replica.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define CLASS_COUNT 16

// Statement classes: 0 other, 1 select, 2 insert, 3 update, 4 delete, 5 ddl, 6 transaction control, 7 utility,
// 8 routine (DO, CALL, EXECUTE of an unknown statement, state-changing built-ins, SET ROLE: effect unknowable).
struct query_ctx {
    __u64 text_hash;   // FNV-1a of the normalized query text (of its first 64 KiB)
    __u64 role_hash;   // FNV-1a of the user name
    __u32 stmt_class;  // the class that stands for the query: the most harmful one present
    __u32 length;      // query text length in bytes (saturated at 2^32 - 1)
    __u32 stmt_mask;   // every class present in any of its statements: bit 1 << class
    __u32 statements;  // number of statements in the text
};

struct role_class {
    __u64 role_hash;
    __u32 stmt_class;
    __u32 pad;
};

// Queries seen per statement class.
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, CLASS_COUNT);
} class_counts SEC(".maps");

// Queries seen per normalized text.
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __type(key, __u64);
    __type(value, __u64);
    __uint(max_entries, 4096);
} query_counts SEC(".maps");

// (role, statement class) pairs that are denied; the value counts the rejections.
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, struct role_class);
    __type(value, __u64);
    __uint(max_entries, 1024);
} denied SEC(".maps");

SEC("bypass/query")
int query_guard(struct query_ctx *ctx)
{
    __u32 mask = ctx->stmt_mask;
    __u64 role = ctx->role_hash;

    __u64 hash = ctx->text_hash;
    __u64 *q = bpf_map_lookup_elem(&query_counts, &hash);
    if (q) {
        __sync_fetch_and_add(q, 1);
    } else {
        __u64 one = 1;
        bpf_map_update_elem(&query_counts, &hash, &one, BPF_NOEXIST);
    }

    // every class of every statement is counted, and a denied one refuses the whole query
    __u32 refused = 0;
#pragma unroll
    for (__u32 cls = 0; cls < CLASS_COUNT; cls++) {
        if (!(mask & (1u << cls)))
            continue;
        __u32 key = cls;
        __u64 *n = bpf_map_lookup_elem(&class_counts, &key);
        if (n)
            *n += 1;
        if (refused)
            continue;
        struct role_class rc = { .role_hash = role, .stmt_class = cls, .pad = 0 };
        __u64 *hits = bpf_map_lookup_elem(&denied, &rc);
        if (hits) {
            __sync_fetch_and_add(hits, 1);
            refused = 1 + cls;
        }
    }
    return refused ? 0 : 1; // the proxy names the denied class from the denied map
}

struct connect_ctx {
    __u64 role_hash;   // FNV-1a of the user name
    __u64 db_hash;     // FNV-1a of the database name
    __u32 client_ip;   // IPv4 address of the client, as a number (a.b.c.d is a << 24 | ... | d); 0 for others
    __u32 client_port;
};

// Roles refused at connect; the value counts the refusals.
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u64);
    __type(value, __u64);
    __uint(max_entries, 1024);
} blocked_roles SEC(".maps");

// Client IPv4 addresses refused at connect; the value counts the refusals.
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 1024);
} blocked_addresses SEC(".maps");

// Logins per role.
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __type(key, __u64);
    __type(value, __u64);
    __uint(max_entries, 4096);
} connects SEC(".maps");

SEC("bypass/connect")
int connect_guard(struct connect_ctx *ctx)
{
    __u64 role = ctx->role_hash;
    __u32 ip = ctx->client_ip;
    __u64 *hits = bpf_map_lookup_elem(&blocked_roles, &role);
    if (hits) {
        __sync_fetch_and_add(hits, 1);
        return 0;
    }
    hits = bpf_map_lookup_elem(&blocked_addresses, &ip);
    if (hits) {
        __sync_fetch_and_add(hits, 1);
        return 0;
    }
    __u64 *n = bpf_map_lookup_elem(&connects, &role);
    if (n) {
        __sync_fetch_and_add(n, 1);
    } else {
        __u64 one = 1;
        if (bpf_map_update_elem(&connects, &role, &one, BPF_NOEXIST) != 0) {
            n = bpf_map_lookup_elem(&connects, &role);
            if (n)
                __sync_fetch_and_add(n, 1);
        }
    }
    return 1;
}

struct result_ctx {
    __u64 role_hash;   // FNV-1a of the user name
    __u32 stmt_class;  // from the command tag: 1 SELECT, 2 INSERT, 3 UPDATE, 4 DELETE, 0 other
    __u32 pad;
    __u64 rows;        // the row count of the CommandComplete tag
};

struct role_rows {
    __u64 statements;
    __u64 rows;
};

// Statements completed and rows they returned or changed, per (role, statement class).
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __type(key, struct role_class);
    __type(value, struct role_rows);
    __uint(max_entries, 4096);
} result_rows SEC(".maps");

SEC("bypass/result")
int result_counter(struct result_ctx *ctx)
{
    struct role_class rc = { .role_hash = ctx->role_hash, .stmt_class = ctx->stmt_class < CLASS_COUNT ? ctx->stmt_class : 0, .pad = 0 };
    struct role_rows *r = bpf_map_lookup_elem(&result_rows, &rc);
    if (!r) {
        struct role_rows zero = {};
        bpf_map_update_elem(&result_rows, &rc, &zero, BPF_NOEXIST);
        r = bpf_map_lookup_elem(&result_rows, &rc);
        if (!r)
            return 0;
    }
    __sync_fetch_and_add(&r->statements, 1);
    __sync_fetch_and_add(&r->rows, ctx->rows);
    return 0;
}

struct route_ctx {
    __u64 role_hash;   // FNV-1a of the user name
    __u32 stmt_class;  // class of the transaction's first statement
    __u32 replicas;    // replicas configured
};

// Roles whose reads must see their own writes: always the primary.
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u64);
    __type(value, __u64);
    __uint(max_entries, 1024);
} primary_roles SEC(".maps");

// Round-robin position over the replicas; slot 1 counts transactions sent to the primary, slot 2 to replicas.
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 3);
} routing SEC(".maps");

static __always_inline void count_route(__u32 slot)
{
    __u64 *n = bpf_map_lookup_elem(&routing, &slot);
    if (n)
        __sync_fetch_and_add(n, 1);
}

SEC("bypass/proxy_route")
int route_query(struct route_ctx *ctx)
{
    __u32 replicas = ctx->replicas;
    __u64 role = ctx->role_hash;
    // single SELECT statements (autocommit) may read from a replica; anything else runs on the primary
    if (ctx->stmt_class != 1 || replicas == 0 || replicas > 64 || bpf_map_lookup_elem(&primary_roles, &role)) {
        count_route(1);
        return 0;
    }
    __u32 zero = 0;
    __u64 *next = bpf_map_lookup_elem(&routing, &zero);
    if (!next) {
        count_route(1);
        return 0;
    }
    __u64 n = __sync_fetch_and_add(next, 1);
    count_route(2);
    return 1 + (__u32) (n % replicas);
}

struct mirror_ctx {
    __u64 role_hash;   // FNV-1a of the user name
    __u32 stmt_class;  // class of the statement
    __u32 length;      // bytes of SQL text
};

// Mirroring sampler: config[0] = 1 in N statements of the allowed classes is copied to the shadow server (0: none);
// config[1] = bit mask of statement classes to mirror (bit 1 << class). mirrored[0] counts the statements chosen.
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 2);
} mirror_config SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 2);
} mirror_state SEC(".maps");

SEC("bypass/proxy_mirror")
int mirror_sampler(struct mirror_ctx *ctx)
{
    __u32 k_rate = 0, k_mask = 1, k_seen = 0, k_chosen = 1;
    __u64 *rate = bpf_map_lookup_elem(&mirror_config, &k_rate);
    __u64 *mask = bpf_map_lookup_elem(&mirror_config, &k_mask);
    __u64 *seen = bpf_map_lookup_elem(&mirror_state, &k_seen);
    __u64 *chosen = bpf_map_lookup_elem(&mirror_state, &k_chosen);
    if (!rate || !mask || !seen || !chosen || *rate == 0 || ctx->stmt_class > 63)
        return 0;
    if (!(*mask & (1ULL << ctx->stmt_class)))
        return 0;
    __u64 n = __sync_fetch_and_add(seen, 1);
    if (n % *rate != 0)
        return 0;
    __sync_fetch_and_add(chosen, 1);
    return 1;
}

struct auth_ctx {
    __u64 role_hash;   // FNV-1a of the user name
    __u64 db_hash;     // FNV-1a of the database name
    __u32 method;      // 0 trust, 1 cleartext, 2 md5, 3 scram-sha-256
    __u32 tls;         // 1 when the client connection is encrypted
};

// Roles that must log in over TLS with SCRAM (value unused); logins refused by this rule are counted per role.
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u64);
    __type(value, __u64);
    __uint(max_entries, 1024);
} strong_auth_roles SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u64);
    __type(value, __u64);
    __uint(max_entries, 1024);
} auth_refused SEC(".maps");

SEC("bypass/proxy_auth")
int auth_guard(struct auth_ctx *ctx)
{
    __u64 role = ctx->role_hash;
    if (!bpf_map_lookup_elem(&strong_auth_roles, &role))
        return 1;
    if (ctx->tls == 1 && ctx->method == 3)
        return 1;
    __u64 one = 1, *n = bpf_map_lookup_elem(&auth_refused, &role);
    if (n)
        __sync_fetch_and_add(n, 1);
    else
        bpf_map_update_elem(&auth_refused, &role, &one, BPF_NOEXIST);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
