// Test object: a static noinline function whose result the caller ignores. clang -O2 drops the unused return
// value, so the function exits without setting r0; Linux accepts this (a subprogram's r0 only has to be set when
// its caller reads it), and so must the verifier.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 total;

static __noinline int add(__u64 n)
{
    if (n > 100)
        return -1;
    total += n;
    return 0;
}

SEC("test/noinline")
int add_twice(__u64 *ctx)
{
    add(ctx[0]);
    add(3);
    return 1;
}

char LICENSE[] SEC("license") = "GPL";
