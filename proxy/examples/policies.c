// Statement policies for the proxy's query hook (bypass_proxy.h, SEC("bypass/query")).
//   deny_ddl:  refuses statements holding DDL unless the role is in ddl_roles; counts the refusals per role.
//   deny_text: refuses statements whose text contains a word an operator put in banned_word (first 512 bytes),
//              reading the text through data/data_end as Linux's direct packet access does.
// Attach one:  [programs]  query = policies.o:deny_ddl
#include "bypass_proxy.h"
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, __u64);   // role_hash
    __type(value, __u64); // any value: the role may run DDL
} ddl_roles SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, __u64);   // role_hash
    __type(value, __u64); // statements refused
} refused SEC(".maps");

// The banned word, up to 8 bytes, lower case, packed as the program reads text: each byte shifted in from the
// right ("drop" is 0x64726f70), with a mask of its bytes (0xffffffff for 4 bytes). mask 0 disables the check.
struct word {
    __u64 packed;
    __u64 mask;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct word);
} banned_word SEC(".maps");

static __always_inline void count_refusal(__u64 role)
{
    __u64 one = 1, *n = bpf_map_lookup_elem(&refused, &role);
    if (n)
        __sync_fetch_and_add(n, 1);
    else
        bpf_map_update_elem(&refused, &role, &one, BPF_NOEXIST);
}

SEC("bypass/query")
int deny_ddl(struct bypass_query_ctx *ctx)
{
    __u64 role = ctx->session.role_hash;
    if (!(ctx->stmt_mask & (1u << BYPASS_CLASS_DDL)))
        return BYPASS_ALLOW;
    if (bpf_map_lookup_elem(&ddl_roles, &role))
        return BYPASS_ALLOW;
    count_refusal(role);
    return BYPASS_DENY;
}

SEC("bypass/query")
int deny_text(struct bypass_query_ctx *ctx)
{
    __u32 zero = 0;
    struct word *w = bpf_map_lookup_elem(&banned_word, &zero);
    if (!w || w->mask == 0)
        return BYPASS_ALLOW;
    __u64 want = w->packed, mask = w->mask;
    const unsigned char *p = (const unsigned char *)(long)ctx->data;
    const unsigned char *end = (const unsigned char *)(long)ctx->data_end;
    __u64 window = 0; // the last 8 bytes read, ASCII letters folded to lower case (bit 5 set)
    for (int i = 0; i < 512; i++) {
        if (p + 1 > end)
            break;
        window = (window << 8) | (*p++ | 0x20);
        if ((window & mask) == want) {
            count_refusal(ctx->session.role_hash);
            return BYPASS_DENY;
        }
    }
    return BYPASS_ALLOW;
}

char LICENSE[] SEC("license") = "GPL";
