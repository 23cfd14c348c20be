// Test object: a call to a kernel function this runtime does not provide; loading it must name the function.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern void bpf_rcu_read_lock(void) __ksym;

SEC("test/kfunc")
int calls_kernel(void *ctx)
{
    bpf_rcu_read_lock();
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
