// Test object: one program per kind of section. "socket" is a Linux program type Bypass models, "mem" is the buffer
// program type (r1 = a buffer, r2 = its length), and "xdp" names a Linux type Bypass does not model.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("socket")
int socket_len(struct __sk_buff *skb)
{
    return skb->len > 64 ? 0 : skb->len;
}

SEC("mem")
int sum_bytes(unsigned char *buf, unsigned long len)
{
    unsigned int sum = 0;
    for (unsigned long i = 0; i < len && i < 4096; i++)
        sum += buf[i];
    return sum;
}

SEC("xdp")
int pass_all(struct xdp_md *ctx)
{
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
