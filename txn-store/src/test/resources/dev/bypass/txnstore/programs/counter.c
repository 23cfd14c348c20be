// Test procedure: adds FACTOR * args[1] to counter args[0] (a u64 under an 8-byte key in table "counters") and
// returns the new value. Built at test time with -DFACTOR=1 and -DFACTOR=10 (the replacement).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "store_helpers.h"

#ifndef FACTOR
#define FACTOR 1
#endif

SEC("bypass/txn")
int bump(struct args *ctx)
{
    __u64 key = ctx->a[0], value = 0;
    if (store_begin(STORE_SERIALIZABLE) < 0)
        return -1;
    long t = TABLE("counters");
    if (t < 0)
        return -1;
    store_get(t, &key, sizeof(key), &value, sizeof(value));
    value += FACTOR * ctx->a[1];
    store_put(t, &key, sizeof(key), &value, sizeof(value));
    long r = store_commit();
    return r < 0 ? r : (int)value;
}

char LICENSE[] SEC("license") = "GPL";
