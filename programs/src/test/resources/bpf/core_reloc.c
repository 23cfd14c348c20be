// Test object: a CO-RE field access, which Bypass refuses (no kernel types to relocate against).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task { int pid; int tgid; } __attribute__((preserve_access_index));

SEC("raw/core")
int read_pid(struct task *t)
{
    return BPF_CORE_READ(t, tgid);
}

char LICENSE[] SEC("license") = "GPL";
