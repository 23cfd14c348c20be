// Test object: a reference to an extern (__kconfig) variable, which Bypass refuses.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern unsigned int LINUX_KERNEL_VERSION __kconfig;

SEC("raw/ext")
int version(void *ctx)
{
    return LINUX_KERNEL_VERSION;
}

char LICENSE[] SEC("license") = "GPL";
