// A stored procedure for the embedded store: places an order of args[1] units of item args[0] in one serializable
// transaction. Table "stock" maps an item (u64) to the units left (u64); table "orders" maps an item to the orders
// placed for it. Returns 0 when the order is placed, 1 when the stock is short (nothing changes), and what
// store_commit returns otherwise: -EAGAIN when a concurrent order invalidated what this one read, and then the
// store runs the procedure again from the start.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "store_helpers.h"

SEC("bypass/txn")
int place_order(struct args *ctx)
{
    __u64 item = ctx->a[0], units = ctx->a[1], left = 0, placed = 0;
    if (store_begin(STORE_SERIALIZABLE) < 0)
        return -1;
    long stock = TABLE("stock"), orders = TABLE("orders");
    if (stock < 0 || orders < 0)
        return -1;
    if (store_get(stock, &item, sizeof(item), &left, sizeof(left)) != sizeof(left) || left < units) {
        store_abort();
        return 1;
    }
    store_get(orders, &item, sizeof(item), &placed, sizeof(placed)); // absent: no order yet, placed stays 0
    left -= units;
    placed += 1;
    store_put(stock, &item, sizeof(item), &left, sizeof(left));
    store_put(orders, &item, sizeof(item), &placed, sizeof(placed));
    return store_commit();
}

char LICENSE[] SEC("license") = "GPL";
