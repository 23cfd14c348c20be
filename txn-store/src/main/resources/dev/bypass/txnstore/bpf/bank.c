// Bank transfer as a stored procedure: moves args[2] from account args[0] to account args[1] in one serializable
// transaction. Balances are u64 values under 8-byte account keys in table "accounts". Returns 0 on success,
// 1 for insufficient funds or a missing account (aborted), -EAGAIN if commit failed validation (the runtime re-runs).
// open_account creates an account. bank_total sums every balance with a scan callback, in a snapshot transaction.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "store_helpers.h"

SEC("bypass/txn")
int transfer(struct args *ctx)
{
    __u64 from = ctx->a[0], to = ctx->a[1], amount = ctx->a[2];
    __u64 a = 0, b = 0;
    if (store_begin(STORE_SERIALIZABLE) < 0)
        return -1;
    long t = TABLE("accounts");
    if (t < 0)
        return -1;
    if (store_get(t, &from, sizeof(from), &a, sizeof(a)) != sizeof(a) ||
        store_get(t, &to, sizeof(to), &b, sizeof(b)) != sizeof(b) || a < amount || from == to) {
        store_abort();
        return 1;
    }
    a -= amount;
    b += amount;
    store_put(t, &from, sizeof(from), &a, sizeof(a));
    store_put(t, &to, sizeof(to), &b, sizeof(b));
    return store_commit();
}

// open_account creates account args[0] with balance args[1]; returns 0, or 1 if it already exists.
SEC("bypass/txn")
int open_account(struct args *ctx)
{
    __u64 id = ctx->a[0], balance = ctx->a[1], old;
    if (store_begin(STORE_SERIALIZABLE) < 0)
        return -1;
    long t = TABLE("accounts");
    if (t < 0)
        return -1;
    if (store_get(t, &id, sizeof(id), &old, sizeof(old)) >= 0) {
        store_abort();
        return 1;
    }
    store_put(t, &id, sizeof(id), &balance, sizeof(balance));
    return store_commit();
}

struct sum {
    __u64 total;
    __u64 rows;
};

static long add_balance(void *key, __u64 klen, void *val, __u64 vlen, struct sum *s)
{
    if (vlen == 8) {
        __u64 v;
        __builtin_memcpy(&v, val, 8);
        s->total += v;
        s->rows++;
    }
    return 0;
}

SEC("bypass/txn")
int bank_total(struct args *ctx)
{
    struct sum s = {};
    if (store_begin(STORE_SNAPSHOT) < 0)
        return -1;
    long t = TABLE("accounts");
    if (t < 0)
        return -1;
    store_scan(t, 0, 0, &add_balance, &s);
    store_commit();
    ctx->a[0] = s.rows;
    return s.total;
}

char LICENSE[] SEC("license") = "GPL";
