// A program the verifier must refuse: it reads the statement's first byte without comparing with data_end first.
#include "bypass_proxy.h"
#include <bpf/bpf_helpers.h>

SEC("bypass/query")
int unchecked_text(struct bypass_query_ctx *ctx)
{
    const char *data = (const char *)(long)ctx->data;
    return data[0] == 'S' ? BYPASS_ALLOW : BYPASS_DENY;
}

char LICENSE[] SEC("license") = "GPL";
