// Test object: loops that only may_goto ends (Linux's cond_break, as its bpf_experimental.h defines it for
// compilers with __BPF_FEATURE_MAY_GOTO, clang >= 19). The verifier must prove them and every engine must leave
// them after the run's loop budget.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define cond_break                                              \
    ({ __label__ l_break, l_continue;                           \
       asm volatile goto("may_goto %l[l_break]" :::: l_break);  \
       goto l_continue;                                         \
    l_break: break;                                             \
    l_continue:; })

// Adds ctx[0] until the loop budget is spent: nothing but may_goto ends this loop.
SEC("test/may_goto")
int spend_budget(__u64 *ctx)
{
    __u64 n = 0, step = ctx[0];

    for (;;) {
        n += step;
        cond_break;
    }
    return n;
}

// Sums 0..ctx[0]-1 with a bound the verifier cannot see (any 64-bit number): may_goto bounds the walk.
SEC("test/may_goto")
int sum_below(__u64 *ctx)
{
    __u64 sum = 0, limit = ctx[0];

    for (__u64 i = 0; i < limit; i++) {
        sum += i;
        cond_break;
    }
    return sum;
}

char LICENSE[] SEC("license") = "GPL";
