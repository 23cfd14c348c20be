// Test procedure the verifier must reject: it passes a number taken from its arguments to store_get as the key's
// address, memory the program does not own.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "store_helpers.h"

SEC("bypass/txn")
int peek(struct args *ctx)
{
    __u64 value = 0;
    if (store_begin(STORE_SNAPSHOT) < 0)
        return -1;
    long t = TABLE("counters");
    if (t < 0)
        return -1;
    store_get(t, (void *)ctx->a[0], 8, &value, sizeof(value));
    store_commit();
    return (int)value;
}

char LICENSE[] SEC("license") = "GPL";
