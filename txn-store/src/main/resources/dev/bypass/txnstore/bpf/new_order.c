// TPC-C-style New-Order as a stored procedure. Arguments: warehouse, district, customer, item count (1..4),
// then up to four item ids. In one serializable transaction it takes the district's next order id, reads the
// customer's discount and each item's price, updates each item's stock (restocking by 91 below 10), and inserts
// the order, its new-order entry and its order lines. An unknown item rolls the whole order back (TPC-C's 1%
// user abort) and returns -1. Returns the new order id, or -EAGAIN if commit failed validation.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "store_helpers.h"

struct district_key { __u32 w, d; };
struct district { __u64 next_o_id; __u64 ytd; };
struct customer_key { __u32 w, d, c; };
struct customer { __u64 discount_bp; __u64 balance; };
struct stock_key { __u32 w, i; };
struct stock { __u64 quantity; __u64 order_count; };
struct item { __u64 price; };
struct order_key { __u32 w, d; __u64 o_id; };
struct order { __u32 c, lines; __u64 total; };
struct line_key { __u32 w, d; __u64 o_id; __u32 line; __u32 pad; };
struct line { __u32 item, quantity; __u64 amount; };

SEC("bypass/txn")
int new_order(struct args *ctx)
{
    __u32 w = ctx->a[0], d = ctx->a[1], c = ctx->a[2], n = ctx->a[3];
    if (n < 1 || n > 4)
        return -1;
    if (store_begin(STORE_SERIALIZABLE) < 0)
        return -1;
    long districts = TABLE("district"), customers = TABLE("customer"), items = TABLE("item"), stocks = TABLE("stock");
    long orders = TABLE("orders"), new_orders = TABLE("new_order"), lines = TABLE("order_line");
    struct district_key dk = { w, d };
    struct district dist;
    if (store_get(districts, &dk, sizeof(dk), &dist, sizeof(dist)) != sizeof(dist))
        goto rollback;
    __u64 o_id = dist.next_o_id;
    dist.next_o_id++;
    store_put(districts, &dk, sizeof(dk), &dist, sizeof(dist));
    struct customer_key ck = { w, d, c };
    struct customer cust;
    if (store_get(customers, &ck, sizeof(ck), &cust, sizeof(cust)) != sizeof(cust))
        goto rollback;
    __u64 total = 0;
    for (__u32 l = 0; l < 4; l++) {
        if (l >= n)
            break;
        __u32 id = ctx->a[4 + l];
        struct item it;
        if (store_get(items, &id, sizeof(id), &it, sizeof(it)) != sizeof(it))
            goto rollback;
        struct stock_key sk = { w, id };
        struct stock st;
        if (store_get(stocks, &sk, sizeof(sk), &st, sizeof(st)) != sizeof(st))
            goto rollback;
        __u32 qty = 1 + (l % 5);
        st.quantity = st.quantity >= qty + 10 ? st.quantity - qty : st.quantity - qty + 91;
        st.order_count++;
        store_put(stocks, &sk, sizeof(sk), &st, sizeof(st));
        struct line_key lk = { w, d, o_id, l, 0 };
        struct line ln = { id, qty, qty * it.price };
        store_put(lines, &lk, sizeof(lk), &ln, sizeof(ln));
        total += ln.amount;
    }
    total = total * (10000 - cust.discount_bp) / 10000;
    struct order_key ok = { w, d, o_id };
    struct order o = { c, n, total };
    store_put(orders, &ok, sizeof(ok), &o, sizeof(o));
    store_put(new_orders, &ok, sizeof(ok), &o, 0);
    long r = store_commit();
    return r < 0 ? r : (long)o_id;
rollback:
    store_abort();
    return -1;
}

char LICENSE[] SEC("license") = "GPL";
