// Test object: a program over packet data, reading data/data_end pointers from its context with the bounds
// checks Linux requires, counting the bytes equal to the context's needle.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct pkt_ctx {
    __u64 data;
    __u64 data_end;
    __u32 needle;
    __u32 found;
};

SEC("test/packet")
int scan(struct pkt_ctx *ctx)
{
    unsigned char *p = (unsigned char *)(long)ctx->data;
    unsigned char *end = (unsigned char *)(long)ctx->data_end;
    __u32 n = 0;
    for (int i = 0; i < 1024; i++) {
        if (p + i + 1 > end)
            break;
        if (p[i] == ctx->needle)
            n++;
    }
    ctx->found = n;
    return end - p;
}

char LICENSE[] SEC("license") = "GPL";
