// A program that tries to change the statement it judges: the text is read-only (a test checks the statement never
// passes changed).
#include "bypass_proxy.h"
#include <bpf/bpf_helpers.h>

SEC("bypass/query")
int writes_text(struct bypass_query_ctx *ctx)
{
    char *data = (char *)(long)ctx->data;
    char *end = (char *)(long)ctx->data_end;
    if (data + 6 > end)
        return BYPASS_ALLOW;
    data[0] = 'D'; // SELECT ... -> DELECT ...
    return BYPASS_ALLOW;
}

char LICENSE[] SEC("license") = "GPL";
