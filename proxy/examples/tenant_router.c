// A tenant router for the proxy's route hook: a transaction goes to the server of its tenant. The tenant comes from a
// comment in the first statement's first 128 bytes, /* tenant=N */, or else from application_name through
// `tenant_of_app`; `tenant_target` maps a tenant to a target (0 the database's own server, i the i-th replicas entry).
// Unknown tenants go to 0.
//   [programs]  route = tenant_router.o
#include "bypass_proxy.h"
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4096);
    __type(key, __u64);   // app_hash
    __type(value, __u32); // tenant
} tenant_of_app SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 4096);
    __type(key, __u32);   // tenant
    __type(value, __u32); // target
} tenant_target SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 3);
    __type(key, __u32);   // 0 by comment, 1 by application_name, 2 unknown
    __type(value, __u64); // transactions
} routed_by SEC(".maps");

#define TENANT_EQ 0x74656e616e743dULL  /* "tenant=" as the window packs it */
#define TENANT_EQ_MASK 0xffffffffffffffULL

static __always_inline void count(__u32 how)
{
    __u64 *n = bpf_map_lookup_elem(&routed_by, &how);
    if (n)
        __sync_fetch_and_add(n, 1);
}

SEC("bypass/proxy_route")
int route_tenant(struct bypass_route_ctx *ctx)
{
    const unsigned char *p = (const unsigned char *)(long)ctx->data;
    const unsigned char *end = (const unsigned char *)(long)ctx->data_end;
    __u64 window = 0;
    int found = 0;
    for (int i = 0; i < 128; i++) {
        if (p + 1 > end)
            break;
        window = (window << 8) | *p++;
        if ((window & TENANT_EQ_MASK) == TENANT_EQ) {
            found = 1;
            break;
        }
    }
    __u32 tenant = 0;
    int digits = 0;
    if (found) {
        for (int i = 0; i < 9; i++) {
            if (p + 1 > end)
                break;
            unsigned char c = *p++;
            if (c < '0' || c > '9')
                break;
            tenant = tenant * 10 + (c - '0');
            digits++;
        }
    }
    if (digits > 0) {
        count(0);
    } else {
        __u64 app = ctx->session.app_hash;
        __u32 *t = bpf_map_lookup_elem(&tenant_of_app, &app);
        if (!t) {
            count(2);
            return 0;
        }
        tenant = *t;
        count(1);
    }
    __u32 *target = bpf_map_lookup_elem(&tenant_target, &tenant);
    return target ? *target : 0;
}

char LICENSE[] SEC("license") = "GPL";
