// Test object: legacy packet loads (BPF_LD_ABS) in subprograms of socket filters. Linux allows them only in
// functions whose BTF says they return a number, since a load past the packet ends the function with r0 = 0.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");

__u64 seen;

static __noinline int first_byte(struct __sk_buff *skb)
{
    return load_byte(skb, 0);
}

static __noinline void note_first_byte(struct __sk_buff *skb)
{
    seen = load_byte(skb, 0);
}

SEC("socket")
int in_int_function(struct __sk_buff *skb)
{
    return first_byte(skb);
}

SEC("socket")
int in_void_function(struct __sk_buff *skb)
{
    note_first_byte(skb);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
